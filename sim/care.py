"""One week of care delivered and paid for: fees, contributions, self-funder spending and
spend-down, provider revenue and costs, homecare hand-backs, unmet need and wellbeing."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .calendar import DAYS_PER_WEEK
from .charging import (
    assessable_capital,
    capital_drawdown,
    is_self_funder,
    weekly_contribution,
)
from .population import weekly_probability
from .providers import Setting
from .residents import NO_PROVIDER, Funding, Status, in_states


def per_council(values: np.ndarray, councils: np.ndarray, n: int) -> np.ndarray:
    """Sums of ``values`` by council (``councils``: each value's council index); with one
    council, the plain sum (as the region's total)."""
    if n == 1:
        return np.array([values.sum()])
    return np.bincount(councils, weights=values, minlength=n)


@dataclass
class WeekAccounts:
    """Money and care totals for one week (the metrics read these)."""

    #: council spend by line, each an array by council (index of ``county.councils``)
    council: dict[str, np.ndarray] = field(default_factory=dict)
    selffunder_spend: float = 0.0
    contributions: float = 0.0
    homecare_delivered: float = 0.0
    homecare_undelivered: float = 0.0
    council_homecare_hours: float = 0.0
    unmet_need_hours: float = 0.0
    unmet_by_district: np.ndarray = field(default_factory=lambda: np.zeros(0))
    delayed_days: float = 0.0
    wellbeing: float = 0.0
    selffunders_reaching_limit: int = 0
    handbacks: int = 0

    @property
    def council_by_council(self) -> np.ndarray:
        """Each council's spend this week, all lines."""
        return sum(self.council.values())

    @property
    def council_total(self) -> float:
        """The region's council spend this week (the councils' spend summed)."""
        return float(self.council_by_council.sum())

    def line(self, name: str) -> float:
        """The region's spend on one line this week (0 if the line is absent)."""
        return float(self.council[name].sum()) if name in self.council else 0.0


class CareDelivery:
    """Runs the care-and-money phase of the week over the resident and provider tables."""

    def __init__(self, model):
        self.model = model

    def run(self) -> WeekAccounts:
        m = self.model
        acc = WeekAccounts()
        revenue = np.zeros(m.providers.n)
        self._care_homes(acc, revenue)
        homecare_clients, hours = self._homecare(acc, revenue)
        self._direct_payments_and_reablement(acc)
        self._extra_care(acc)
        self._outcomes(acc, homecare_clients, hours)
        m.market.update_finances(revenue)
        self._handbacks(acc)
        m.policies.run_phase("after_care", m)
        acc.council["interventions"] = m.policies.spend_by_council.copy()
        for commissioner, spend in zip(m.commissioners, acc.council_by_council.tolist()):
            commissioner.pay(spend)
        return acc

    def _block_price(self, setting: Setting, rows: np.ndarray) -> np.ndarray:
        """Block price of each provider row, set by the council whose area it is in (a
        council holds block contracts only there)."""
        m, t = self.model, self.model.providers
        price = np.empty(rows.size)
        for c in m.commissioners:
            mine = t.council[rows] == c.council
            price[mine] = c.block_price(setting, t.nursing[rows[mine]])
        return price

    def _council_bill(self, owed: np.ndarray, contribution: np.ndarray, council: np.ndarray,
                      block: np.ndarray, payer: np.ndarray, used: np.ndarray,
                      block_price: np.ndarray, block_rows: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """By council: what a service costs (fees owed outside blocks, block payments for
        the capacity used, less the clients' contributions) and the block capacity paid
        for but unused. ``owed``, ``contribution``, ``council``, ``block`` and ``payer``
        are per client; ``used`` and ``block_price`` per provider row in ``block_rows``."""
        t, n = self.model.providers, len(self.model.commissioners)
        spot_fees, in_block = council & ~block, council & block
        spend = (per_council((owed - contribution)[spot_fees], payer[spot_fees], n) +
                 per_council(used * block_price, t.council[block_rows], n) -
                 per_council(contribution[in_block], payer[in_block], n))
        unused = per_council(np.maximum(t.block_reserved[block_rows] - used, 0.0) *
                             block_price, t.council[block_rows], n)
        return spend, unused

    def _care_homes(self, acc: WeekAccounts, revenue: np.ndarray) -> None:
        m, r, t, p = self.model, self.model.residents, self.model.providers, self.model.p
        idx = np.flatnonzero(in_states(r.status, (Status.RESIDENTIAL, Status.NURSING)))
        self.care_home_residents = idx
        prov = r.provider[idx]
        payer = r.council[idx]
        m.market.occupied_this_week = np.bincount(prov, minlength=t.n).astype(float)
        nursing = r.status[idx] == Status.NURSING
        fee = np.where(nursing, m.council_state("fee_nursing")[payer],
                       m.council_state("fee_residential")[payer])
        council = r.funding[idx] == Funding.COUNCIL
        # self-funders whose place the council arranged (s18(3)) pay its fee
        price = np.where(r.arranged[idx] & ~council, fee, t.selffunder_price[prov])
        block = r.block[idx]
        fee_paid = fee * (1.0 + p["commissioner.spot_premium"] * r.spot[idx])
        topup = np.where(council & r.topup[idx], np.maximum(price - fee_paid, 0.0), 0.0)
        capital = assessable_capital(r.savings[idx], r.property[idx], r.property_counted[idx],
                                     True)
        contribution = np.where(council, weekly_contribution(
            r.income[idx], capital, True, fee_paid, m.charging), 0.0)
        block_rows = np.flatnonzero((t.block_reserved > 0) & (t.setting == Setting.CARE_HOME))
        block_price = self._block_price(Setting.CARE_HOME, block_rows)
        used = np.bincount(prov[council & block], minlength=t.n)[block_rows]
        block_paid = np.maximum(t.block_reserved[block_rows], used) * block_price
        acc.council["care_homes"], acc.council["blocks_unused_beds"] = self._council_bill(
            fee_paid, contribution, council, block, payer, used, block_price, block_rows)
        acc.contributions += float(contribution.sum())
        self_paid = np.where(council, 0.0, price)
        acc.selffunder_spend += float(self_paid.sum() + topup.sum())
        income = np.where(council & ~block, fee_paid, self_paid) + topup + \
            nursing * p["care_homes.nhs_nursing_care_weekly"]
        revenue += np.bincount(prov, weights=income, minlength=t.n)
        revenue[block_rows] += block_paid
        self._spend_down(idx[~council], self_paid[~council], True, acc)

    def _homecare(self, acc: WeekAccounts, revenue: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Deliver packages as far as agencies' staff allow; returns the clients' rows and
        the hours each received."""
        m, r, t, p = self.model, self.model.residents, self.model.providers, self.model.p
        idx = np.flatnonzero(r.status == Status.HOMECARE)
        prov = r.provider[idx]
        package = p["homecare.package_hours"][r.need[idx]]
        commissioned = np.bincount(prov, weights=package, minlength=t.n)
        capacity = self.model.market.capacity(np.arange(t.n))
        share = np.where(commissioned > 0, np.minimum(capacity / np.maximum(commissioned, 1e-9),
                                                      1.0), 1.0)
        hours = package * share[prov]
        council = r.funding[idx] == Funding.COUNCIL
        block = r.block[idx]
        payer = r.council[idx]
        rate = m.council_state("fee_homecare")[payer] * (
            1.0 + p["commissioner.spot_premium"] * r.spot[idx])
        charge = np.where(council, hours * rate, hours * t.selffunder_price[prov])
        contribution = np.where(council, weekly_contribution(
            r.income[idx], r.savings[idx], False, charge, m.charging), 0.0)
        block_rows = np.flatnonzero((t.block_reserved > 0) & (t.setting == Setting.HOMECARE))
        block_price = self._block_price(Setting.HOMECARE, block_rows)
        block_used = np.bincount(prov[council & block], weights=package[council & block],
                                 minlength=t.n)
        used = np.bincount(prov[council & block], weights=hours[council & block],
                           minlength=t.n)[block_rows]
        reserved = t.block_reserved[block_rows]
        acc.council["homecare"], acc.council["blocks_unused_hours"] = self._council_bill(
            charge, contribution, council, block, payer, used, block_price, block_rows)
        acc.contributions += float(contribution.sum())
        acc.selffunder_spend += float(charge[~council].sum())
        acc.homecare_delivered = float(hours.sum())
        acc.homecare_undelivered = float((package - hours).sum())
        acc.council_homecare_hours = float(package[council].sum())
        revenue += np.bincount(prov, weights=np.where(council & block, 0.0, charge),
                               minlength=t.n)
        revenue[block_rows] += np.maximum(reserved, used) * block_price
        self.model.market.record_homecare(
            commissioned, np.bincount(prov, weights=hours, minlength=t.n),
            np.bincount(prov, minlength=t.n).astype(float), block_used)
        self._spend_down(idx[~council], charge[~council], False, acc)
        return idx, hours

    def _direct_payments_and_reablement(self, acc: WeekAccounts) -> None:
        m, r, p = self.model, self.model.residents, self.model.p
        n = len(m.commissioners)
        dp = np.flatnonzero(r.status == Status.DIRECT_PAYMENT)
        cost = p["homecare.package_hours"][r.need[dp]] * \
            m.council_state("direct_payment_rate")[r.council[dp]]
        contribution = weekly_contribution(r.income[dp], r.savings[dp], False, cost,
                                           m.charging)
        acc.council["direct_payments"] = per_council(cost - contribution, r.council[dp], n)
        acc.contributions += float(contribution.sum())
        reabling = r.status == Status.REABLEMENT
        in_reablement = np.array([np.count_nonzero(reabling)]) if n == 1 else \
            np.bincount(r.council[reabling], minlength=n)
        acc.council["reablement"] = in_reablement * (
            p["commissioner.reablement_cost_per_episode"] / p["pathway.reablement_weeks"])

    def _extra_care(self, acc: WeekAccounts) -> None:
        """Extra care tenants: the care and support cost, means-tested like care at home;
        self-funders pay it themselves and spend down."""
        m, r = self.model, self.model.residents
        idx = np.flatnonzero(r.status == Status.EXTRA_CARE)
        cost = np.full(idx.size, m.levers.extra_care_cost_weekly)
        council = r.funding[idx] == Funding.COUNCIL
        contribution = np.where(council, weekly_contribution(
            r.income[idx], r.savings[idx], False, cost, m.charging), 0.0)
        acc.council["extra_care"] = per_council((cost - contribution)[council],
                                                r.council[idx[council]], len(m.commissioners))
        acc.contributions += float(contribution.sum())
        acc.selffunder_spend += float(cost[~council].sum())
        self._spend_down(idx[~council], cost[~council], False, acc)

    def _spend_down(self, idx: np.ndarray, charge: np.ndarray, care_home: bool,
                    acc: WeekAccounts) -> None:
        """Self-funders pay from income above their allowance, then savings, then the home
        (where it counts); at the upper limit the council takes over at its fee."""
        m, r = self.model, self.model.residents
        savings = r.savings[idx] - capital_drawdown(charge, r.income[idx], care_home,
                                                    m.charging)
        home, counted = r.property[idx], r.property_counted[idx]
        if care_home:
            home = home - np.where(counted, np.minimum(np.maximum(-savings, 0.0), home), 0.0)
            r.property[idx] = home
        savings = np.maximum(savings, 0.0)
        r.savings[idx] = savings
        capital = assessable_capital(savings, home, counted, care_home)
        reached = idx[~is_self_funder(capital, m.charging)]
        r.funding[reached] = Funding.COUNCIL
        r.arranged[reached] = False
        t = m.providers
        prov = r.provider[reached]
        r.spot[reached] = ~(t.framework[prov] & (t.council[prov] == r.council[reached])) & \
            (prov >= 0)
        if care_home:
            r.topup[reached] = m.uniform("topup", r.key[reached]) < \
                m.p["charging.topup_share"]
        acc.selffunders_reaching_limit += reached.size

    def _handbacks(self, acc: WeekAccounts) -> None:
        """Agencies whose cost per hour exceeds the fee of the client's council hand back
        council packages."""
        m, r, t, p = self.model, self.model.residents, self.model.providers, self.model.p
        idx = np.flatnonzero((r.status == Status.HOMECARE) & (r.funding == Funding.COUNCIL) &
                             ~r.block)
        idx = idx[~t.in_house[r.provider[idx]]]  # the council's own service never hands back
        prov = r.provider[idx]
        fee = m.council_state("fee_homecare")[r.council[idx]] * (
            1.0 + p["commissioner.spot_premium"] * r.spot[idx])
        shortfall = np.maximum(t.unit_cost[prov] / fee - 1.0, 0.0)
        back = idx[m.uniform("handbacks", r.key[idx]) <
                   weekly_probability(p["homecare.handback_hazard"] * shortfall)]
        r.status[back] = Status.COMMUNITY
        r.provider[back] = NO_PROVIDER
        r.spot[back] = False
        r.since[back] = m.week
        acc.handbacks = back.size

    def _outcomes(self, acc: WeekAccounts, homecare_clients: np.ndarray,
                  homecare_hours: np.ndarray) -> None:
        """Unmet need, delayed discharges and wellbeing, by group.

        Needs are fully met in a care home, in reablement, in an extra care flat (care on
        site) and in hospital; at home, unpaid
        care covers part and homecare or a direct payment the rest as far as delivered.
        People without a service differ only by need level and carer, so they are summed by
        that cell. Only people without a service (status community or queued) are ever in
        hospital.
        """
        m, r, t, p = self.model, self.model.residents, self.model.providers, self.model.p
        needed = p["need.hours_needed"]
        carer_share = np.array([1.0, 1.0 - p["unpaid_care.carer_cover_share"]])
        after_carer = (needed[:, None] * carer_share).ravel()  # by cell 2 x need + carer
        penalty = p["wellbeing.unmet_need_penalty"] / np.maximum(needed, 1e-9)
        at_home, care_home = p["wellbeing.score_at_home"], p["wellbeing.score_care_home"]
        quality = p["wellbeing.quality_adjustment"]

        n_cells, n_districts = after_carer.size, p.dim_sizes["district"]

        def cell(rows):
            return 2 * r.need[rows].astype(np.intp) + r.has_carer[rows]

        def home_care(rows, hours):
            unmet = np.maximum(after_carer.take(cell(rows)) - hours, 0.0)
            by_district = np.bincount(r.district[rows], weights=unmet, minlength=n_districts)
            return unmet.sum(), (at_home - penalty[r.need[rows]] * unmet).sum(), by_district

        hospital = np.flatnonzero(r.in_hospital)
        dp = np.flatnonzero(r.status == Status.DIRECT_PAYMENT)
        reabling = np.flatnonzero(r.status == Status.REABLEMENT)
        extra_care = np.flatnonzero(r.status == Status.EXTRA_CARE)
        in_home = self.care_home_residents
        without_service = in_states(r.status, (Status.COMMUNITY, Status.QUEUED)) & ~r.in_hospital
        plain = np.bincount((r.district.astype(np.intp) * n_cells + 2 * r.need.astype(np.intp)
                             + r.has_carer)[without_service],
                            minlength=n_districts * n_cells).reshape(n_districts, n_cells)
        by_cell = plain.sum(axis=0)
        unmet_plain = by_cell @ after_carer
        score_plain = by_cell @ (at_home - np.repeat(penalty, 2) * after_carer)
        unmet_dp, score_dp, dp_by_district = home_care(
            dp, p["homecare.package_hours"][r.need[dp]])
        unmet_hc, score_hc, hc_by_district = home_care(homecare_clients, homecare_hours)
        score_hc += quality[t.quality[r.provider[homecare_clients]]].sum()
        score_home = in_home.size * care_home + quality[t.quality[r.provider[in_home]]].sum()
        delayed = m.week - r.since[hospital] >= p["pathway.hospital_acute_weeks"]
        n_delayed = int(np.count_nonzero(delayed))
        score_hospital = n_delayed * p["wellbeing.score_delayed_discharge"] + \
            (hospital.size - n_delayed) * at_home
        acc.unmet_need_hours = float(unmet_plain + unmet_dp + unmet_hc)
        acc.unmet_by_district = plain @ after_carer + dp_by_district + hc_by_district
        acc.delayed_days = float(n_delayed * DAYS_PER_WEEK)
        without_needs = m.population.total * p["wellbeing.score_without_needs"]
        acc.wellbeing = float(score_plain + score_dp + score_hc + score_home +
                              (reabling.size + extra_care.size) * at_home + score_hospital +
                              without_needs)
