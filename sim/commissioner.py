"""The council as a Mesa agent, and the economy it sets fees against.

Each April the council raises its fees by a weighted mix of National Living Wage growth and
CPI inflation (optionally restrained after an overspent year), sets the year's budget, and
keeps its block contracts at the size the parameters ask for. Weekly, it rations
assessments and reablement starts to its capacity.
"""

from __future__ import annotations

import mesa
import numpy as np

from .providers import Setting
from .residents import CARE_HOME, Status, in_states


class Economy:
    """Wages and prices outside the care market, moving each April."""

    def __init__(self, p):
        self.national_living_wage = p["economy.national_living_wage"]
        self.price_index = 1.0
        self.wage_floor = 0.0  # GBP/hour; set by a pay floor intervention

    def new_financial_year(self, p) -> None:
        self.national_living_wage *= 1.0 + p["economy.nlw_growth"]
        self.price_index *= 1.0 + p["economy.cpi_inflation"]

    def market_care_wage(self, p) -> float:
        """What care workers are paid without a pay floor."""
        return self.national_living_wage * (1.0 + p["workforce.care_wage_premium"])

    def outside_wage(self, p) -> float:
        return self.national_living_wage * (1.0 + p["workforce.outside_wage_premium"])


class _WeeklyRation:
    """Whole units a week from a fractional capacity, carrying the remainder forward."""

    def __init__(self):
        self.carry = 0.0
        self.left = 0

    def refill(self, capacity: float) -> None:
        self.carry += capacity
        self.left = int(self.carry)
        self.carry -= self.left


class Commissioner(mesa.Agent):
    """The council: fees, budget, purchasing, assessment and reablement capacity."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        p = model.p
        self.fee_residential = p["commissioner.fee_residential_weekly"]
        self.fee_nursing = p["commissioner.fee_nursing_weekly"]
        self.fee_homecare = p["commissioner.fee_homecare_hourly"]
        self.direct_payment_rate = p["commissioner.direct_payment_hourly"]
        self.budget = p["commissioner.budget_first_year"]
        self.assessment_capacity = p["commissioner.assessment_capacity_per_week"]
        self.spend_this_year = 0.0
        self.overspent_last_year = False
        self.block_targets = {Setting.CARE_HOME: p["commissioner.block_beds"],
                              Setting.HOMECARE: p["commissioner.block_homecare_hours"]}
        self.block_prices: dict[Setting, float | None] = dict.fromkeys(Setting)
        self.last_uplift_week, self.last_uplift_factor = -1, 1.0
        self._assessments = _WeeklyRation()
        self._reablement = _WeeklyRation()

    @property
    def eligibility_threshold(self) -> int:
        return self.model.p["commissioner.eligibility_threshold"]

    def state_setters(self) -> dict:
        """Parameters that are starting values of the council's state: a dated change to
        one of them resets the state from that date."""
        return {
            "commissioner.fee_residential_weekly": lambda v: setattr(self, "fee_residential", v),
            "commissioner.fee_nursing_weekly": lambda v: setattr(self, "fee_nursing", v),
            "commissioner.fee_homecare_hourly": lambda v: setattr(self, "fee_homecare", v),
            "commissioner.direct_payment_hourly":
                lambda v: setattr(self, "direct_payment_rate", v),
            "commissioner.budget_first_year": lambda v: setattr(self, "budget", v),
            "commissioner.assessment_capacity_per_week":
                lambda v: setattr(self, "assessment_capacity", v),
            "commissioner.block_beds": lambda v: self.block_targets.update({
                Setting.CARE_HOME: v}),
            "commissioner.block_homecare_hours": lambda v: self.block_targets.update({
                Setting.HOMECARE: v}),
        }

    def start_week(self) -> None:
        p = self.model.p
        self._assessments.refill(self.assessment_capacity)
        self._reablement.refill(p["commissioner.reablement_capacity_per_week"])

    def assessments_this_week(self) -> int:
        return self._assessments.left

    def reablement_places_left(self) -> int:
        return self._reablement.left

    def reablement_started(self, count: int) -> None:
        self._reablement.left -= count

    def fee_uplift(self) -> float:
        """This April's fee uplift: NLW and CPI pass-through, restrained if overspent."""
        p = self.model.p
        uplift = (p["commissioner.fee_uplift_nlw_weight"] * p["economy.nlw_growth"] +
                  p["commissioner.fee_uplift_cpi_weight"] * p["economy.cpi_inflation"])
        if p["commissioner.budget_pressure_rule"] and self.overspent_last_year:
            uplift *= 1.0 - p["commissioner.budget_pressure_fee_restraint"]
        return uplift

    def new_financial_year(self) -> None:
        """April: close last year's books, set fees and the new budget."""
        p = self.model.p
        self.overspent_last_year = self.spend_this_year > self.budget
        factor = 1.0 + self.fee_uplift()
        self.fee_residential *= factor
        self.fee_nursing *= factor
        self.fee_homecare *= factor
        self.direct_payment_rate *= factor
        self.block_prices = {s: None if v is None else v * factor
                             for s, v in self.block_prices.items()}
        self.last_uplift_week, self.last_uplift_factor = self.model.week, factor
        self.budget *= 1.0 + p["commissioner.budget_growth"]
        self.assessment_capacity *= 1.0 + p["commissioner.assessment_capacity_growth"]
        self.spend_this_year = 0.0

    def pay(self, amount: float) -> None:
        self.spend_this_year += amount

    def block_price(self, setting: Setting, nursing=False) -> np.ndarray | float:
        """Price per reserved bed-week or hour-week under a block contract."""
        price = self.block_prices[setting]
        if price is not None:
            return price if np.isscalar(nursing) else np.full(np.shape(nursing), price)
        discount = 1.0 - self.model.p["commissioner.block_price_discount"]
        if setting == Setting.HOMECARE:
            return self.fee_homecare * discount
        return np.where(nursing, self.fee_nursing, self.fee_residential) * discount

    def _spare(self, setting: Setting, rows: np.ndarray) -> np.ndarray:
        """Beds or hours a week of ``rows`` neither in use nor reserved but unfilled."""
        m = self.model
        r, t, p = m.residents, m.providers, m.p
        if setting == Setting.HOMECARE:
            on = r.status == Status.HOMECARE
            weights = p["homecare.package_hours"][r.need]
        else:
            on = in_states(r.status, CARE_HOME)
            weights = np.ones(r.n)
        in_use = np.bincount(r.provider[on], weights=weights[on], minlength=t.n)
        block_used = np.bincount(r.provider[on & r.block], weights=weights[on & r.block],
                                 minlength=t.n)
        unfilled = np.maximum(t.block_reserved - block_used, 0.0)
        return (m.market.capacity(rows) - in_use[rows] - unfilled[rows])

    def keep_block_contracts(self) -> None:
        """Reserve (or release) block capacity to match the target, from capacity not
        already in use or reserved: framework providers rated Good or better first, largest
        spare capacity first."""
        t = self.model.providers
        for setting, target in self.block_targets.items():
            rows = np.flatnonzero(t.market_mask(setting))
            gap = target - t.block_reserved[rows].sum()
            if abs(gap) < 1.0 or rows.size == 0:
                continue
            if gap < 0:
                t.block_reserved[rows] *= target / max(t.block_reserved[rows].sum(), 1e-9)
                continue
            room = self._spare(setting, rows)
            good = t.framework[rows] & (t.quality[rows] <= 1)
            order = np.lexsort((-room, ~good))
            for j in order[room[order] >= 1.0]:
                add = min(gap, max(room[j], 0.0))
                t.block_reserved[rows[j]] += add
                gap -= add
                if gap < 1.0:
                    break
