"""The councils as Mesa agents, and the economy they set fees against.

A region holds one or more councils (``county.councils``), each owning some districts
(``county.district_council``): a ``Commissioner`` per council, with its own fees, budget,
block contracts and assessment and reablement capacity (``per_council`` parameters give each
council its own starting value). Each April a council raises its fees by a weighted mix of
National Living Wage growth and CPI inflation (optionally restrained after an overspent
year), sets the year's budget, and keeps its block contracts, with providers in its own
area, at the size the parameters ask for. Weekly, it rations assessments and reablement
starts to its capacity.
"""

from __future__ import annotations

import mesa
import numpy as np

from .parameters import council_value
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


#: Parameters that are starting values of a council's state, and the attribute each sets
#: (block targets are set by setting).
STATE_PARAMETERS = {
    "commissioner.fee_residential_weekly": "fee_residential",
    "commissioner.fee_nursing_weekly": "fee_nursing",
    "commissioner.fee_homecare_hourly": "fee_homecare",
    "commissioner.direct_payment_hourly": "direct_payment_rate",
    "commissioner.budget_first_year": "budget",
    "commissioner.assessment_capacity_per_week": "assessment_capacity",
    "commissioner.block_beds": Setting.CARE_HOME,
    "commissioner.block_homecare_hours": Setting.HOMECARE,
}


class Commissioner(mesa.Agent):
    """One council: fees, budget, purchasing, assessment and reablement capacity, for the
    residents of its districts.

    Args:
        model: the model.
        council: the council's index in ``county.councils``.
    """

    def __init__(self, model: mesa.Model, council: int = 0):
        super().__init__(model)
        p = model.p
        self.council = council
        self.label = p["county.councils"][council]
        self.spend_this_year = 0.0
        self.overspent_last_year = False
        self.block_targets: dict[Setting, float] = {}
        for path in STATE_PARAMETERS:
            self.reset_state(path, p[path])
        self.block_prices: dict[Setting, float | None] = dict.fromkeys(Setting)
        self.last_uplift_week, self.last_uplift_factor = -1, 1.0
        self._assessments = _WeeklyRation()
        self._reablement = _WeeklyRation()

    @property
    def eligibility_threshold(self) -> int:
        return self.model.p["commissioner.eligibility_threshold"]

    def reset_state(self, path: str, value) -> bool:
        """Set the state that parameter ``path`` starts (to this council's part of
        ``value``); a dated change to one of ``STATE_PARAMETERS`` resets the state from that
        date. Returns whether ``path`` is one of them."""
        target = STATE_PARAMETERS.get(path)
        if target is None:
            return False
        value = council_value(value, self.council)
        if not isinstance(target, str):  # a setting's block target
            self.block_targets[target] = value
        else:
            setattr(self, target, value)
        return True

    def start_week(self) -> None:
        p = self.model.p
        self._assessments.refill(self.assessment_capacity)
        self._reablement.refill(council_value(p["commissioner.reablement_capacity_per_week"],
                                              self.council))

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
        """Reserve (or release) block capacity to match the target, with providers in the
        council's own area, from capacity not already in use or reserved: framework
        providers rated Good or better first, largest spare capacity first."""
        t = self.model.providers
        for setting, target in self.block_targets.items():
            rows = np.flatnonzero(t.market_mask(setting) & (t.council == self.council))
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
