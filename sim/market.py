"""The provider market: weekly finances, yearly prices, exit, entry and quality.

Weekly rules are vectorised over the provider table; each opening, exit and failure goes
through the provider's Mesa agent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendar import WEEKS_PER_YEAR
from .finance import (
    book_week,
    care_home_staff_cost,
    care_home_unit_cost,
    district_margin,
    fails,
    homecare_cost_per_hour,
    selffunder_markup,
)
from .placement import waiting_mask
from .population import weekly_probability
from .providers import AGENT_CLASS, Setting
from .residents import Status, in_states
from .rng import combine, poisson_from_uniform

GOOD = 1  # rating index of Good


@dataclass
class PlannedOpening:
    week: int
    setting: Setting
    district: int
    nursing: bool


class Market:
    """Provider finances, prices, exits and entries."""

    def __init__(self, model):
        self.model = model
        self.agents: dict[int, object] = {}
        self.pipeline: list[PlannedOpening] = []
        self.opened_log: list[int] = []  # rows of providers opened during the run, in order
        self._commissioned = self._delivered = self._clients = np.zeros(0)
        self._block_used = np.zeros(0)
        self.occupied_this_week = np.zeros(0)
        self.waiting_this_week: dict = {}
        self.reset_week()

    def reset_week(self) -> None:
        self.exits = 0
        self.failures = 0
        self.entries = 0
        self.takeovers = 0

    # --- capacity and occupancy -------------------------------------------------------
    def occupied(self) -> np.ndarray:
        """Residents per provider row (care homes)."""
        r = self.model.residents
        in_home = in_states(r.status, (Status.RESIDENTIAL, Status.NURSING))
        return np.bincount(r.provider[in_home], minlength=self.model.providers.n).astype(float)

    def occupied_since_care(self) -> np.ndarray:
        """Residents per provider row as counted in this week's care phase (providers opened
        since then have none); saves recounting for staffing and metrics."""
        out = np.zeros(self.model.providers.n)
        out[: self.occupied_this_week.size] = self.occupied_this_week
        return out

    def capacity(self, rows: np.ndarray) -> np.ndarray:
        """Beds (care homes) or deliverable hours a week (agencies, from their staff)."""
        t, p = self.model.providers, self.model.p
        return np.where(t.setting[rows] == Setting.CARE_HOME, t.beds[rows],
                        t.staff[rows] * p["homecare.productive_hours_per_worker"])

    def record_homecare(self, commissioned: np.ndarray, delivered: np.ndarray,
                        clients: np.ndarray, block_used: np.ndarray) -> None:
        self._commissioned, self._delivered, self._clients = commissioned, delivered, clients
        self._block_used = block_used

    def people_served(self) -> np.ndarray:
        """Care home residents or homecare clients per provider row, as counted in this
        week's care phase."""
        out = self.occupied_since_care()
        out[: self._clients.size] += self._clients
        return out

    def commissioned_hours(self) -> np.ndarray:
        """Homecare hours a week commissioned from each provider row (this week's)."""
        n = self.model.providers.n
        out = np.zeros(n)
        out[: self._commissioned.size] = self._commissioned[:n]
        return out

    # --- pay ------------------------------------------------------------------------------
    def wage_for(self, setting: np.ndarray | int) -> np.ndarray:
        """Hourly pay of care workers by setting: the market care wage plus what fee
        uplifts pass on to pay (``Levers.wage_addition``), never below a pay floor."""
        m = self.model
        return np.maximum(m.economy.market_care_wage(m.p) + m.levers.wage_addition[setting],
                          m.economy.wage_floor)

    def reset_wages(self) -> None:
        """Every open provider pays the wage of its setting (after April, a change of
        the National Living Wage, a pay floor or a fee uplift passed on to pay)."""
        t = self.model.providers
        t.wage[t.open] = self.wage_for(t.setting[t.open])
        working_age = getattr(self.model, "working_age", None)
        if working_age is not None:  # the same labour pool: working-age providers too
            working_age.market.reset_wages()

    # --- weekly finances -----------------------------------------------------------------
    def care_hours_per_resident(self, rows: np.ndarray) -> np.ndarray:
        p = self.model.p
        return p["care_homes.care_hours_per_resident"][self.model.providers.nursing[rows]
                                                       .astype(int)]

    def nurse_cost_per_resident(self, rows: np.ndarray) -> np.ndarray:
        m, p = self.model, self.model.p
        return m.providers.nursing[rows] * p["care_homes.nurse_hours_per_resident"] * \
            p["care_homes.nurse_wage_hourly"] * m.economy.price_index * \
            (1.0 + p["workforce.oncost_share"])

    def care_home_costs(self, occupied: np.ndarray, rows: np.ndarray) -> tuple:
        """Weekly cost and staff posts wanted (current residents plus a buffer of the
        empty beds) for the given care home rows."""
        m, t, p = self.model, self.model.providers, self.model.p
        hours = self.care_hours_per_resident(rows)
        contract = p["workforce.contract_hours_per_worker"]
        staff_cost = care_home_staff_cost(occupied[rows] * hours, t.staff[rows] * contract,
                                          t.wage[rows], p["workforce.oncost_share"],
                                          p["care_homes.agency_staff_premium"])
        fixed = t.beds[rows] * p["care_homes.fixed_cost_per_bed_weekly"] * m.economy.price_index
        headroom = np.minimum(t.beds[rows] - occupied[rows],
                              t.beds[rows] * p["care_homes.staff_buffer"])
        posts = (occupied[rows] + np.maximum(headroom, 0.0)) * hours / contract
        return staff_cost + occupied[rows] * self.nurse_cost_per_resident(rows) + fixed, posts

    def agency_staff_demand(self, commissioned: np.ndarray, agencies: np.ndarray) -> np.ndarray:
        """Workers an agency wants: for its commissioned hours, the block hours it has
        reserved but not yet filled, and an equal share of the hours people in its district
        wait for, plus a buffer; never below a core team."""
        t, p = self.model.providers, self.model.p
        waiting = self.waiting_this_week[Setting.HOMECARE]
        n_local = np.bincount(t.district[agencies], minlength=waiting.size)
        share = waiting[t.district[agencies]] / np.maximum(n_local[t.district[agencies]], 1)
        used = np.zeros(t.n)
        used[: self._block_used.size] = self._block_used[: t.n]
        block_free = np.maximum(t.block_reserved[agencies] - used[agencies], 0.0)
        hours = (commissioned[agencies] + block_free + share) * \
            (1.0 + p["homecare.staff_buffer"])
        return np.maximum(hours / p["homecare.productive_hours_per_worker"],
                          p["market.new_agency_workers"])

    def agency_cost_per_hour(self, rows: np.ndarray) -> np.ndarray:
        m, t, p = self.model, self.model.providers, self.model.p
        return homecare_cost_per_hour(
            t.wage[rows], p["workforce.oncost_share"],
            p["county.homecare_travel_share"][t.district[rows]],
            p["homecare.overhead_per_hour"] * m.economy.price_index)

    def update_finances(self, revenue: np.ndarray) -> None:
        """Costs, cash, smoothed margins, unit costs and staff needed, for open providers."""
        m, t, p = self.model, self.model.providers, self.model.p
        occupied = self.occupied_since_care()
        self.waiting_this_week = self.waiting_by_district()
        cost = np.zeros(t.n)
        homes = np.flatnonzero(t.mask(Setting.CARE_HOME))
        cost[homes], t.staff_demand[homes] = self.care_home_costs(occupied, homes)
        t.unit_cost[homes] = cost[homes] / np.maximum(occupied[homes], 1.0)
        agencies = np.flatnonzero(t.mask(Setting.HOMECARE))
        per_hour = self.agency_cost_per_hour(agencies)
        branch = p["homecare.branch_cost_weekly"] * m.economy.price_index
        cost[agencies] = self._delivered[agencies] * per_hour + branch
        t.unit_cost[agencies] = per_hour + branch / np.maximum(self._delivered[agencies], 1.0)
        t.staff_demand[agencies] = self.agency_staff_demand(self._commissioned, agencies)
        book_week(t, revenue, cost, m.week == 0, p["market.margin_smoothing_weeks"])

    # --- prices (each April, and on opening) --------------------------------------------------
    def set_prices(self, rows: np.ndarray | None = None) -> None:
        """Self-funder prices: cost at the target occupancy plus a markup that rises with
        occupancy and quality and falls with empty beds nearby, never below the fee of the
        home's council (homes); cost plus a markup (agencies)."""
        m, t, p = self.model, self.model.providers, self.model.p
        rows = np.flatnonzero(t.open) if rows is None else rows
        homes = rows[t.setting[rows] == Setting.CARE_HOME]
        occupied = self.occupied()
        target = p["care_homes.target_occupancy"]
        fixed = p["care_homes.fixed_cost_per_bed_weekly"] * m.economy.price_index
        staff_per_resident = self.care_hours_per_resident(homes) * t.wage[homes] * (
            1.0 + p["workforce.oncost_share"]) + self.nurse_cost_per_resident(homes)
        unit = care_home_unit_cost(staff_per_resident, fixed, target) - \
            t.nursing[homes] * p["care_homes.nhs_nursing_care_weekly"]
        occupancy = occupied[homes] / np.maximum(t.beds[homes], 1.0)
        markup = selffunder_markup(
            p["care_homes.selffunder_markup_base"], occupancy, target,
            p["care_homes.selffunder_markup_occupancy_slope"],
            p["care_homes.selffunder_markup_by_quality"][t.quality[homes]],
            self.district_empty_share()[t.district[homes]],
            p["care_homes.selffunder_markup_competition_slope"])
        council = t.council[homes]  # the fee of the council whose area the home is in
        council_fee = np.where(t.nursing[homes], m.council_state("fee_nursing")[council],
                               m.council_state("fee_residential")[council])
        t.selffunder_price[homes] = np.maximum(unit * (1.0 + markup), council_fee)
        agencies = rows[t.setting[rows] == Setting.HOMECARE]
        t.selffunder_price[agencies] = self.agency_cost_per_hour(agencies) * (
            1.0 + p["homecare.selffunder_markup"])

    def district_empty_share(self) -> np.ndarray:
        """Empty beds / beds in each district's open care homes."""
        t, n = self.model.providers, self.model.p.dim_sizes["district"]
        homes = t.mask(Setting.CARE_HOME)
        beds = np.bincount(t.district[homes], weights=t.beds[homes], minlength=n)
        occupied = np.bincount(t.district[homes], weights=self.occupied()[homes], minlength=n)
        return np.where(beds > 0, 1.0 - occupied / np.maximum(beds, 1.0), 0.0)

    # --- quality ------------------------------------------------------------------------
    def inspect(self) -> None:
        """Re-rate providers inspected this week; stress shifts ratings down."""
        m, t, p = self.model, self.model.providers, self.model.p
        every = np.arange(t.n)
        rows = np.flatnonzero(t.open & (m.uniform("inspection", every) < weekly_probability(
            -np.log1p(-p["quality.inspection_rate"]))))
        if rows.size == 0:
            return
        probs = p["quality.rerating"][t.quality[rows]].copy()
        shift = np.minimum(p["quality.stress_downgrade_shift"] * t.stress[rows], 1.0)
        probs = _shift_down(probs, shift)
        cumulative = probs.cumsum(axis=1)
        u = m.uniform("rating", rows)[:, None]
        t.quality[rows] = np.minimum((u > cumulative).sum(axis=1), probs.shape[1] - 1)

    # --- exit and entry -------------------------------------------------------------------
    def record_exit(self, failed: bool) -> None:
        self.exits += 1
        self.failures += int(failed)

    def exit_and_fail(self) -> None:
        """Sudden failures (cash below the floor), orderly exits after sustained losses,
        and closures for reasons outside the model."""
        m, p = self.model, self.model.p
        rescued, failed, leaving = closures_due(
            m, m.providers, p["market.background_exit_hazard"],
            p["market.failure_takeover_share"], ("exit", "takeover"))
        for row in rescued:
            self.agents[int(row)].taken_over()
        closing = {True: failed, False: leaving}
        for has_failed, rows in closing.items():
            for row in rows:
                self.agents.pop(int(row)).close(failed=has_failed, displace=False)
        self.model.pathway.displace_residents_of(np.concatenate(list(closing.values())))

    def plan_entries(self) -> None:
        """Investors plan new providers where expected margins beat the hurdle, more in
        affluent districts; they open after a lag. The expected margin is the district's
        smoothed margin, raised by unmet demand and lowered by capacity already planned
        (investors see each other's planning applications)."""
        m, t, p = self.model, self.model.providers, self.model.p
        n_districts = p.dim_sizes["district"]
        waiting = self.waiting_this_week
        for setting in Setting:
            rows = np.flatnonzero(t.market_mask(setting))
            count = np.bincount(t.district[rows], minlength=n_districts)
            mean_margin = district_margin(t, rows, n_districts)
            open_capacity = np.bincount(t.district[rows], weights=self.capacity(rows),
                                        minlength=n_districts)
            planned = self._planned_capacity(setting)
            capacity = open_capacity + planned
            pressure = waiting[setting] / np.maximum(capacity + waiting[setting], 1.0)
            expected = mean_margin + p["market.entry_demand_weight"] * pressure - \
                p["market.entry_pipeline_weight"] * planned / np.maximum(open_capacity, 1.0) \
                + m.levers.entry_margin_bonus[setting]
            rate = p["market.entry_rate"][setting] * np.maximum(count, 1) * np.maximum(
                expected - p["market.entry_hurdle"][setting], 0.0) * \
                p["county.affluence"] ** p["market.entry_affluence_weight"]
            cells = np.arange(n_districts) * len(Setting) + setting
            planned = poisson_from_uniform(m.uniform("entry", cells), rate / WEEKS_PER_YEAR)
            lag = int(p["market.entry_lag_weeks"][setting])
            for district in np.flatnonzero(planned):
                for k in range(planned[district]):
                    nursing = setting == Setting.CARE_HOME and m.uniform(
                        "entry_nursing", combine(cells[district], k)) < \
                        p["care_homes.nursing_home_share"]
                    self.pipeline.append(PlannedOpening(m.week + lag, setting, int(district),
                                                        bool(nursing)))

    def _planned_capacity(self, setting: Setting) -> np.ndarray:
        """Capacity already planned in each district: beds, or hours a new agency's staff
        deliver."""
        p = self.model.p
        each = p["care_homes.new_home_beds"] if setting == Setting.CARE_HOME else \
            p["market.new_agency_workers"] * p["homecare.productive_hours_per_worker"]
        districts = [o.district for o in self.pipeline if o.setting == setting]
        return each * np.bincount(np.array(districts, dtype=int),
                                  minlength=p.dim_sizes["district"])

    def waiting_by_district(self) -> dict:
        """People waiting for a care home place / homecare hours waiting, by district."""
        r, p = self.model.residents, self.model.p
        n = p.dim_sizes["district"]
        waiting = waiting_mask(r)
        homes = waiting & (r.wanted != Status.HOMECARE)
        care = waiting & (r.wanted == Status.HOMECARE)
        return {
            Setting.CARE_HOME: np.bincount(r.district[homes], minlength=n).astype(float),
            Setting.HOMECARE: np.bincount(r.district[care], weights=p["homecare.package_hours"][
                r.need[care]], minlength=n),
        }

    def plan_initial_pipeline(self) -> None:
        """Providers already being built or registered when the run starts, opening evenly
        over the first lag period."""
        m, p = self.model, self.model.p
        rng = m.streams["entry"]
        for setting in Setting:
            lag = int(p["market.entry_lag_weeks"][setting])
            expected = p["market.initial_pipeline_per_year"][setting] * lag / WEEKS_PER_YEAR
            for _ in range(rng.poisson(expected)):
                nursing = setting == Setting.CARE_HOME and \
                    rng.random() < p["care_homes.nursing_home_share"]
                district = rng.choice(len(m.district_shares), p=m.district_shares)
                self.pipeline.append(PlannedOpening(int(rng.integers(1, lag + 1)), setting,
                                                    int(district), bool(nursing)))

    def open_due(self) -> None:
        """Open the planned providers whose lag has passed."""
        due = [o for o in self.pipeline if o.week <= self.model.week]
        self.pipeline = [o for o in self.pipeline if o.week > self.model.week]
        for opening in due:
            self.open_provider(opening.setting, opening.district, opening.nursing)

    def open_provider(self, setting: Setting, district: int, nursing: bool) -> int:
        """A new provider: rated Good, on the framework, with starting cash and staff."""
        m, t, p = self.model, self.model.providers, self.model.p
        beds = p["care_homes.new_home_beds"] if setting == Setting.CARE_HOME else 0.0
        staff = p["market.new_agency_workers"] if setting == Setting.HOMECARE else \
            beds * p["care_homes.staff_buffer"] * p["care_homes.care_hours_per_resident"][
                int(nursing)] / p["workforce.contract_hours_per_worker"]
        row = int(t.add(1, setting=setting, nursing=nursing, district=district,
                        council=int(p["county.district_council"][district]), beds=beds,
                        framework=True, quality=GOOD, wage=float(self.wage_for(int(setting))),
                        staff=staff, staff_demand=staff, fill=1.0, opened_week=m.week)[0])
        cash_weeks = p["care_homes.initial_cash_weeks"] if setting == Setting.CARE_HOME \
            else p["homecare.initial_cash_weeks"]
        if setting == Setting.CARE_HOME:
            cost, _ = self.care_home_costs(np.zeros(t.n), np.array([row]))
        else:
            cost = staff * p["homecare.productive_hours_per_worker"] * \
                self.agency_cost_per_hour(np.array([row]))
        t.cash[row] = cash_weeks * float(np.sum(cost))
        self.set_prices(np.array([row]))
        self.agents[row] = AGENT_CLASS[setting](m, row)
        self.opened_log.append(row)
        self.entries += 1
        return row


def closures_due(model, table, background_hazard: np.ndarray, takeover_share: np.ndarray,
                 streams: tuple[str, str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This week's closures among open independent providers of ``table`` (past their
    grace period): sudden failures (cash below the overdraft floor), some taken over by a
    new owner (``takeover_share`` by setting), and exits (a background hazard by setting,
    plus the exit hazard after sustained losses). Keyed draws from the two ``streams``
    (exit, takeover). Returns the rows taken over, failing and closing, and leaving."""
    m, t, p = model, table, model.p
    is_open = t.open & ~t.in_house
    established = (m.week - t.opened_week >= p["market.new_provider_grace_weeks"]) | \
        (t.opened_week == 0)
    failing = is_open & established & fails(t.cash, t.weekly_cost,
                                            p["market.failure_overdraft_weeks"])
    losing = (t.margin < -p["market.exit_loss_margin"]) & established
    hazard = background_hazard[t.setting] + np.where(losing, p["market.exit_hazard"], 0.0)
    leaving = is_open & ~failing & (m.uniform(streams[0], np.arange(t.n)) <
                                    weekly_probability(hazard))
    failed = np.flatnonzero(failing)
    rescued = m.uniform(streams[1], failed) < takeover_share[t.setting[failed]]
    return failed[rescued], failed[~rescued], np.flatnonzero(leaving)


def _shift_down(probs: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Move ``shift`` of each row's probability mass one rating down (worse)."""
    moved = probs * shift[:, None]
    out = probs - moved
    out[:, 1:] += moved[:, :-1]
    out[:, -1] += moved[:, -1]
    return out
