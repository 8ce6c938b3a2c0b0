"""Weekly invariants of the care market, checked on demand (``--check``).

``InvariantChecker`` watches one model: it keeps last week's totals and, after the
placement phase, after the care and money phase and at the end of every week, compares
quantities the model keeps in different places, which must agree:

- **people are conserved**: residents at the start of the week + arrivals - deaths -
  recoveries = residents at the end; every resident has known status, funding and need
  codes (so the counts by status sum to the residents); the id index holds exactly the
  living residents; the population counts without needs stay non-negative;
- **nobody is in two places**: a resident has a provider if and only if their status is a
  placed service (homecare, residential, nursing), the provider is open and of that kind;
  nobody is in hospital and in a service, nor being assessed or reabled and waiting for a
  placement; no home holds more residents than beds; the occupancy the week's bills,
  staffing and metrics used equals the residents pointing at each open provider, and the
  clients who left agencies during the care phase are the hand-backs booked; no agency
  delivered more hours than its staff can;
- **money is conserved**: what the councils (net of contributions), clients, self-funders
  and the NHS (funded nursing care) paid this week equals providers' revenue plus direct
  payments, extra care, reablement and interventions' costs; each provider's cash moved by
  its revenue less its costs; each council's spend this year grew by the week's bill, which
  is what the metrics recorded, line by line and council by council; nobody's capital grew,
  and self-funders used up no more capital than self-funders paid.

A failure raises ``InvariantError`` naming the week, the invariant and the numbers.
``checking(check)`` resolves the model's ``check`` argument: None reads the environment
variable ``CAREMARKET_CHECK`` ("1": on), so test suites and worker processes inherit it.
"""

from __future__ import annotations

import os

import numpy as np

from .metrics import BY_COUNCIL, INDEX
from .providers import Setting
from .residents import NO_PROVIDER, Funding, Status, in_states
from .working_age.invariants import check_working_age

ENV_VAR = "CAREMARKET_CHECK"
#: relative tolerance of money comparisons (sums of floats in different orders)
REL_TOL = 1e-9
#: services given by a provider (a resident in one points at it)
PLACED = (Status.HOMECARE, Status.RESIDENTIAL, Status.NURSING)
assert PLACED == tuple(range(PLACED[0], PLACED[0] + len(PLACED))), "consecutive codes"
#: the recorded council spend lines that make up ``council_spend``
SPEND_LINES = ("council_spend_care_homes", "council_spend_homecare",
               "council_spend_direct_payments", "council_spend_reablement",
               "council_spend_blocks_unused", "council_spend_interventions",
               "council_spend_supported_living", "council_spend_shared_lives",
               "council_spend_day_opportunities")
SPEND_LINE_ROWS = np.array([INDEX[name] for name in SPEND_LINES])
#: at most this many offending rows are named in a message
SHOWN = 5


class InvariantError(RuntimeError):
    """A weekly invariant failed: the message names the week, the invariant and the
    numbers (expected and found; for people, the rows and providers)."""


def checking(check: bool | None) -> bool:
    """Whether to check invariants: ``check`` if given, else ``CAREMARKET_CHECK`` == "1"."""
    if check is not None:
        return bool(check)
    return os.environ.get(ENV_VAR, "").strip() == "1"


def _close(found, expected) -> bool:
    """Equal within ``REL_TOL`` of the larger magnitude (exactly, for zero); numbers or
    arrays (every element)."""
    if np.size(found) == 1 and np.size(expected) == 1:
        found, expected = float(np.sum(found)), float(np.sum(expected))
        return abs(found - expected) <= REL_TOL * max(abs(found), abs(expected))
    found, expected = np.asarray(found, float), np.asarray(expected, float)
    scale = np.maximum(np.abs(found), np.abs(expected))
    return bool(np.all(np.abs(found - expected) <= REL_TOL * scale))


class InvariantChecker:
    """Checks one model's invariants week by week (``after_phase`` after each phase of the
    step, ``end_week`` after it); holds the totals of the week's start."""

    def __init__(self, model):
        self.model = model
        self.week = model.week
        self.cash_before_care = np.zeros(0)
        self.capital_after_demography = np.zeros(0)
        self.ids_after_demography = np.zeros(0, dtype=np.int64)
        self.clients_after_care = np.zeros(0)
        self.bill = np.zeros(len(model.commissioners))
        self._buffers: dict[str, np.ndarray] = {}
        self._start_week()

    # --- lifecycle --------------------------------------------------------------------
    def _start_week(self) -> None:
        """Totals the coming week's checks start from."""
        m = self.model
        self.residents_at_start = m.residents.n
        self.clients_at_start = 0 if m.working_age is None else m.working_age.clients.n
        self.spent_at_start = m.council_state("spend_this_year").astype(float)

    def after_phase(self, name: str) -> None:
        """Keep residents' capital after demography (the last phase that adds or removes
        residents, so rows stay put until the week ends) and providers' cash before the
        care phase; check the care phase after it."""
        self.week = self.model.week
        if name == "demography":
            r = self.model.residents
            self.ids_after_demography = self._buffer("ids", r.n, np.int64)
            self.ids_after_demography[:] = r.id
            self.capital_after_demography = self._buffer("capital", r.n, float)
            np.add(r.savings, r.property, out=self.capital_after_demography)
        elif name == "placement":
            self.cash_before_care = self.model.providers.cash.copy()
        elif name == "care_and_money":
            self._check_care_phase()

    def end_week(self) -> None:
        """Check the week just stepped; its end totals start the next week."""
        self.week = self.model.week - 1
        self._check_people()
        self._check_places()
        self._check_books()
        self._check_capital()
        if self.model.working_age is not None:
            check_working_age(self.model.working_age, self.clients_at_start, self.fail)
        self._start_week()

    def _buffer(self, name: str, n: int, dtype) -> np.ndarray:
        """The first ``n`` elements of a scratch array kept from week to week (large
        temporaries cost more to allocate than to fill)."""
        kept = self._buffers.get(name)
        if kept is None or kept.size < n:
            kept = self._buffers[name] = np.empty(max(n, 2 * (0 if kept is None else
                                                              kept.size)), dtype=dtype)
        return kept[:n]

    def fail(self, invariant: str, detail: str) -> None:
        dates = self.model.dates
        date = dates[self.week].isoformat() if 0 <= self.week < len(dates) else "?"
        raise InvariantError(f"week {self.week} ({date}): {invariant}: {detail}")

    def _rows(self, rows: np.ndarray, **columns: np.ndarray) -> str:
        """Up to ``SHOWN`` offending resident rows with their ids and the given columns."""
        r = self.model.residents
        shown = [f"row {i} (id {r.id[i]}" + "".join(
            f", {name} {_name_of(name, values[i])}" for name, values in columns.items()) + ")"
                 for i in rows[:SHOWN].tolist()]
        more = f" and {rows.size - SHOWN} more" if rows.size > SHOWN else ""
        return "; ".join(shown) + more

    # --- people -----------------------------------------------------------------------
    def _check_people(self) -> None:
        """Residents flow in and out as counted, only in demography; codes are known; the
        id index and the population counts are sound."""
        m, r = self.model, self.model.residents
        expected = self.residents_at_start + m.arrivals - m.deaths - m.recovered
        if r.n != expected:
            self.fail("people are conserved", f"expected {expected} residents with needs "
                      f"({self.residents_at_start} at the start + {m.arrivals} arrivals - "
                      f"{m.deaths} deaths - {m.recovered} recovered), found {r.n}")
        after_demography = self.ids_after_demography
        if not np.array_equal(r.id, after_demography):
            moved = np.flatnonzero(r.id != after_demography).tolist() \
                if r.n == after_demography.size else "all"
            self.fail("residents come and go only in demography", f"{after_demography.size} "
                      f"residents after demography, {r.n} now; rows whose resident changed: "
                      f"{moved[:SHOWN] if isinstance(moved, list) else moved}")
        n_needs = len(m.p["need.hours_needed"])
        for column, size in (("status", len(Status)), ("wanted", len(Status)),
                             ("funding", len(Funding)), ("need", n_needs)):
            values = getattr(r, column)
            if _any_outside(values, size):
                bad = np.flatnonzero((values < 0) | (values >= size))
                self.fail(f"every resident has a known {column}", f"counts by {column} "
                          f"sum to {r.n - bad.size}, not the {r.n} residents: "
                          f"{self._rows(bad, **{column: values})}")
        self._check_index()
        counts = m.population.counts
        if not (counts.min() >= 0 and counts.max() < np.inf):  # NaN fails both
            self.fail("population counts stay non-negative",
                      f"smallest count {counts.min()}, {np.count_nonzero(~np.isfinite(counts))} "
                      "not finite")

    def _check_index(self) -> None:
        """The id index points at exactly the living residents' rows (a removed resident
        has no row; a living one has its own)."""
        r = self.model.residents
        row_of = r._row_of_id[: r.next_id]
        indexed = int(np.count_nonzero(row_of >= 0))
        if indexed != r.n:
            self.fail("only living residents have a row",
                      f"{indexed} ids point at a row, expected the {r.n} residents")
        rows = self._buffer("rows", r.n, np.int64)
        np.take(row_of, r.id, out=rows)
        own = self._buffers.get("own_rows")
        if own is None or own.size < r.n:
            own = self._buffers["own_rows"] = np.arange(2 * r.n)
        if np.any(rows != own[: r.n]):
            wrong = np.flatnonzero(rows != own[: r.n])
            self.fail("only living residents have a row",
                      f"the id index does not point back at {self._rows(wrong)}")

    # --- places -----------------------------------------------------------------------
    def _placed_by_provider(self) -> np.ndarray | None:
        """Residents in a placed service counted by provider x service (columns in the
        order of ``PLACED``); None if anyone has a provider without such a service, or
        such a service without a provider in range."""
        r, t = self.model.residents, self.model.providers
        placed = np.flatnonzero(in_states(r.status, PLACED))
        at = r.provider.take(placed)
        if np.count_nonzero(r.provider != NO_PROVIDER) != placed.size or \
                (placed.size and (at.min() < 0 or at.max() >= t.n)):
            return None
        service = r.status.take(placed) - PLACED[0]
        return np.bincount(at.astype(np.intp) * len(PLACED) + service,
                           minlength=t.n * len(PLACED)).reshape(t.n, len(PLACED))

    def _check_places(self) -> None:
        """Providers only where the status says, open and of the right kind; hospital
        and queue apart from services; beds; occupancy as booked."""
        m, t = self.model, self.model.providers
        by_service = self._placed_by_provider()
        if by_service is None or by_service[~self._allowed()].any():
            self._fail_placements()
        clients, residential, nursing = by_service.T
        occupied = residential + nursing
        self._check_hospital_and_queue()
        over = np.flatnonzero(occupied > t.beds)
        if over.size:
            self.fail("no care home holds more residents than beds", "; ".join(
                f"provider {k}: {occupied[k]} residents, {t.beds[k]:g} beds"
                for k in over[:SHOWN].tolist()))
        self._check_occupancy_books(occupied, m.market.occupied_since_care(),
                                    Setting.CARE_HOME, "the care phase's occupancy")
        after_care = np.zeros(t.n)
        after_care[: self.clients_after_care.size] = self.clients_after_care[: t.n]
        self._check_occupancy_books(clients, after_care, Setting.HOMECARE,
                                    "the clients after the care phase")

    def _allowed(self) -> np.ndarray:
        """Which placed services each provider may give (columns in the order of
        ``PLACED``): none if closed, homecare at an agency, residential at a home and
        nursing at a nursing home."""
        t = self.model.providers
        home = t.open & (t.setting == Setting.CARE_HOME)
        return np.stack([t.open & (t.setting == Setting.HOMECARE), home, home & t.nursing],
                        axis=1)

    def _fail_placements(self) -> None:
        """Name the residents with a provider they should not have."""
        r, t = self.model.residents, self.model.providers
        placed = in_states(r.status, PLACED)
        bad = np.flatnonzero((placed != (r.provider != NO_PROVIDER)) |
                             (r.provider < NO_PROVIDER) | (r.provider >= t.n))
        if bad.size:
            self.fail("a resident has a provider if and only if in a placed service",
                      self._rows(bad, status=r.status, provider=r.provider))
        rows = np.flatnonzero(placed)
        status, at = r.status[rows], r.provider[rows]
        kind = np.where(status == Status.HOMECARE, Setting.HOMECARE, Setting.CARE_HOME)
        for invariant, wrong in (
                ("a placed resident's provider is open", ~t.open[at]),
                ("a placed resident's provider gives that service", t.setting[at] != kind),
                ("a nursing resident is in a nursing home",
                 (status == Status.NURSING) & ~t.nursing[at])):
            if wrong.any():
                self.fail(invariant, self._rows(rows[wrong], status=r.status,
                                                provider=r.provider))
        self.fail("residents are placed only where their status allows", "the counts by "
                  "provider and status disagree with every resident's row")

    def _check_hospital_and_queue(self) -> None:
        """Nobody in hospital has a service (only people without one are admitted, and
        placement discharges them); nobody being assessed or reabled also waits for a
        placement."""
        r = self.model.residents
        for invariant, wrong in (
                ("nobody is in hospital and in a service",
                 r.in_hospital & ~in_states(r.status, (Status.COMMUNITY, Status.QUEUED))),
                ("nobody being assessed or reabled also waits for a placement",
                 in_states(r.status, (Status.QUEUED, Status.REABLEMENT)) &
                 in_states(r.wanted, PLACED))):
            if wrong.any():
                self.fail(invariant, self._rows(np.flatnonzero(wrong), status=r.status,
                                                wanted=r.wanted, provider=r.provider))

    def _check_occupancy_books(self, now: np.ndarray, booked: np.ndarray, setting: int,
                               what: str) -> None:
        """For open providers of ``setting``: the residents pointing at each now equal
        ``booked`` (nobody joins or leaves an open provider after the care phase)."""
        t = self.model.providers
        wrong = np.flatnonzero(t.mask(setting) & (now != booked))
        if wrong.size:
            self.fail(f"each open provider's occupancy equals {what}", "; ".join(
                f"provider {k}: {now[k]} residents point at it, {booked[k]:g} booked"
                for k in wrong[:SHOWN].tolist()))

    # --- the care and money phase --------------------------------------------------------
    def _check_care_phase(self) -> None:
        self._check_clients_and_delivery()
        self._check_payments()
        self._check_provider_cash()

    def _check_clients_and_delivery(self) -> None:
        """Clients who left agencies in the care phase are the hand-backs booked; no agency
        delivered more hours than its staff can or than were commissioned."""
        m, r, t = self.model, self.model.residents, self.model.providers
        market, acc = m.market, m.accounts
        clients = np.bincount(r.provider.take(np.flatnonzero(r.status == Status.HOMECARE)),
                              minlength=t.n)
        billed = np.zeros(t.n)
        billed[: market._clients.size] = market._clients[: t.n]
        left = billed - clients
        if left.min(initial=0.0) < 0 or left.sum() != acc.handbacks:
            joined = np.flatnonzero(left < 0)[:SHOWN].tolist()
            self.fail("homecare clients who left agencies in the care phase are the "
                      "hand-backs booked", f"{acc.handbacks} hand-backs booked, "
                      f"{left.sum():g} clients left; clients joined providers {joined}")
        self.clients_after_care = clients
        agencies = np.flatnonzero(t.mask(Setting.HOMECARE))
        delivered = market._delivered[agencies]
        limit = np.minimum(market.capacity(agencies), market.commissioned_hours()[agencies])
        over = np.flatnonzero(delivered > limit * (1.0 + REL_TOL))
        if over.size:
            self.fail("no agency delivers more hours than its staff can or than were "
                      "commissioned", "; ".join(
                          f"provider {agencies[k]}: {delivered[k]:g} hours delivered, "
                          f"limit {limit[k]:g}" for k in over[:SHOWN].tolist()))

    def _check_payments(self) -> None:
        """Money paid in (councils net of contributions, clients' contributions,
        self-funders and top-ups, the NHS's funded nursing care) equals money paid out
        (providers' revenue, direct payments, extra care, reablement, interventions)."""
        m, r, t, p = self.model, self.model.residents, self.model.providers, self.model.p
        acc = m.accounts
        self.bill = np.asarray(acc.council_by_council, dtype=float)
        council = float(self.bill.sum())
        nursing_care = np.count_nonzero(r.status == Status.NURSING) * \
            p["care_homes.nhs_nursing_care_weekly"]
        paid_in = council + acc.contributions + acc.selffunder_spend + nursing_care
        dp = r.status == Status.DIRECT_PAYMENT
        direct_payments = float(np.sum(p["homecare.package_hours"][r.need[dp]] *
                                       m.council_state("direct_payment_rate")[r.council[dp]]))
        extra_care = np.count_nonzero(r.status == Status.EXTRA_CARE) * \
            m.levers.extra_care_cost_weekly
        revenue = float(t.weekly_revenue[t.open].sum())
        paid_out = revenue + direct_payments + extra_care + acc.line("reablement") + \
            acc.line("interventions")
        if not _close(paid_out, paid_in):
            self.fail("money paid for care equals money received", (
                f"paid in {paid_in:.2f} (councils {council:.2f} + contributions "
                f"{acc.contributions:.2f} + self-funders {acc.selffunder_spend:.2f} + NHS "
                f"nursing care {nursing_care:.2f}), paid out {paid_out:.2f} (providers' "
                f"revenue {revenue:.2f} + direct payments {direct_payments:.2f} + extra care "
                f"{extra_care:.2f} + reablement {acc.line('reablement'):.2f} + interventions "
                f"{acc.line('interventions'):.2f}); difference {paid_in - paid_out:.2f}"))

    def _check_provider_cash(self) -> None:
        """Each open provider's cash moved by its revenue less its costs this week (not the
        in-house service, whose losses the council covers)."""
        t = self.model.providers
        n = self.cash_before_care.size
        before, revenue, cost = self.cash_before_care, t.weekly_revenue[:n], t.weekly_cost[:n]
        expected = before + revenue - cost
        scale = np.maximum(np.abs(before), np.maximum(revenue, cost))
        wrong = t.open[:n] & ~t.in_house[:n] & \
            (np.abs(t.cash[:n] - expected) > REL_TOL * scale)
        if wrong.any():
            self.fail("a provider's cash moves by its revenue less its costs", "; ".join(
                f"provider {k}: expected {expected[k]:.2f}, found {t.cash[k]:.2f}"
                for k in np.flatnonzero(wrong)[:SHOWN].tolist()))

    # --- the councils' books and the metrics ---------------------------------------------
    def _check_books(self) -> None:
        """Each council's spend this year grew by its bill (the accounts' lines), which the
        metrics recorded: in total, line by line and by council."""
        m, week = self.model, self.week
        spent = m.council_state("spend_this_year").astype(float)
        grew = spent - (0.0 if m.is_april[week] else self.spent_at_start)
        bill = self.bill + self._working_age_bill()
        data = m.recorder.data[:, week]
        total, lines = data[INDEX["council_spend"]], data[SPEND_LINE_ROWS].sum()
        by_council = m.recorder.by_council[BY_COUNCIL.index("council_spend"), :, week]
        if _close(np.concatenate([grew, by_council, [total, lines]]),
                  np.concatenate([self.bill, bill, [bill.sum(), total]])):
            return
        for invariant, found, expected in (
                ("each council's spend this year grows by the week's bill (older people's "
                 "budget)", grew, self.bill),
                ("the recorded council spend is the councils' bill", total, bill.sum()),
                ("the recorded spend lines add up to council spend", lines, total),
                ("the recorded spend by council is each council's bill", by_council, bill)):
            if not _close(found, expected):
                self.fail(invariant, f"expected {_money(expected)}, found {_money(found)}")

    def _working_age_bill(self) -> np.ndarray | float:
        """Each council's working-age bill this week, which its working-age providers
        (and direct payments) received in full; 0 without working-age groups."""
        wa = self.model.working_age
        if wa is None:
            return 0.0
        bill = wa.accounts.by_council_group.sum(axis=1)
        paid = wa.market.revenue_booked + wa.accounts.by_group("direct_payments").sum()
        if not _close(np.array([paid]), np.array([bill.sum()])):
            self.fail("working-age providers and direct payments receive the working-age "
                      "bill", f"expected {_money(bill.sum())}, found {_money(paid)}")
        return bill

    def _check_capital(self) -> None:
        """Since demography (residents keep their rows from then to the week's end),
        nobody's capital (savings and home) grew, and the capital used up is no more than
        what self-funders (and top-ups) paid."""
        r = self.model.residents
        change = self._buffer("change", r.n, float)
        np.add(r.savings, r.property, out=change)
        change -= self.capital_after_demography
        # exact: savings and homes only fall, and rounding keeps that order
        if np.any(change > 0):
            grew = np.flatnonzero(change > 0)
            self.fail("nobody's capital grows", self._rows(
                grew, savings=r.savings, property=r.property))
        used, paid = float(-change.sum()), self.model.accounts.selffunder_spend
        if used > paid * (1.0 + REL_TOL) + REL_TOL:
            self.fail("self-funders use up no more capital than they pay",
                      f"capital used up {used:.2f}, self-funders paid {paid:.2f}")


def _any_outside(codes: np.ndarray, size: int) -> bool:
    """Whether any code is outside 0..size-1 (for one-byte codes one reduction: read as
    unsigned bytes, negative codes are 128 or more)."""
    if codes.size == 0:
        return False
    if codes.dtype.itemsize == 1:
        return int(codes.view(np.uint8).max()) >= size
    return bool(codes.min() < 0 or codes.max() >= size)


def _money(values: np.ndarray) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in np.atleast_1d(values).tolist()) + "]"


def _name_of(column: str, value) -> str:
    """A code's name where the column holds codes (status, wanted, funding)."""
    codes = {"status": Status, "wanted": Status, "funding": Funding}.get(column)
    if codes is not None:
        try:
            return codes(int(value)).name
        except ValueError:
            return f"{int(value)} (unknown)"
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)
