"""Each council's working-age fees and budgets by client group.

Fees per setting start from the parameters and rise each April by the council's fee rule
(NLW and CPI pass-through, restrained after a year in which working-age spend overran its
budget, when the budget pressure rule is on). Homecare and direct payments for working-age
clients are bought at the council's own homecare fee and direct-payment rate
(``sim.commissioner``), the same framework older people's are.
"""

from __future__ import annotations

import numpy as np

from ..parameters import council_value

#: Parameters that start a piece of the councils' working-age state (a dated scenario
#: change resets it), and the attribute each sets.
STATE_PARAMETERS = {
    "working_age.fee_supported_living_hourly": "fee_supported_living",
    "working_age.fee_residential_weekly": "fee_residential",
    "working_age.fee_shared_lives_weekly": "fee_shared_lives",
    "working_age.fee_day_opportunity_daily": "fee_day",
    "working_age.budget_first_year": "budget",
}


class WorkingAgeCommissioning:
    """Fees (by council; residential also by group) and budgets (council x group)."""

    def __init__(self, model):
        self.model = model
        n = len(model.commissioners)
        self.council_share = self._population_share(model.p, n)
        for path in STATE_PARAMETERS:
            self.reset_state(path, model.p[path])
        self.spend_this_year = np.zeros((n, 4))
        self.overspent_last_year = np.zeros(n, dtype=bool)

    @staticmethod
    def _population_share(p, n: int) -> np.ndarray:
        """Each council's share of the region's people aged 18-64."""
        pop = np.bincount(p["county.district_council"], weights=p["working_age.population_18_64"],
                          minlength=n)
        return pop / pop.sum()

    def reset_state(self, path: str, value) -> bool:
        """Set the state ``path`` starts (budgets split by councils' 18-64 population);
        returns whether ``path`` is one of ``STATE_PARAMETERS``."""
        target = STATE_PARAMETERS.get(path)
        if target is None:
            return False
        n = self.council_share.size
        if target == "budget":
            state = self.council_share[:, None] * np.asarray(value, dtype=float)[None, :]
        elif target == "fee_residential":
            state = np.tile(np.asarray(value, dtype=float), (n, 1))
        else:
            state = np.array([council_value(value, c) for c in range(n)], dtype=float)
        setattr(self, target, state)
        return True

    def new_financial_year(self) -> None:
        """April: close the books, uplift fees by each council's rule, grow budgets."""
        p = self.model.p
        self.overspent_last_year = self.spend_this_year.sum(axis=1) > self.budget.sum(axis=1)
        uplift = (p["commissioner.fee_uplift_nlw_weight"] * p["economy.nlw_growth"] +
                  p["commissioner.fee_uplift_cpi_weight"] * p["economy.cpi_inflation"])
        restrained = p["commissioner.budget_pressure_rule"] & self.overspent_last_year
        factor = 1.0 + uplift * np.where(
            restrained, 1.0 - p["commissioner.budget_pressure_fee_restraint"], 1.0)
        self.fee_supported_living = self.fee_supported_living * factor
        self.fee_residential = self.fee_residential * factor[:, None]
        self.fee_shared_lives = self.fee_shared_lives * factor
        self.fee_day = self.fee_day * factor
        self.budget = self.budget * (1.0 + p["commissioner.budget_growth"])
        self.spend_this_year[:] = 0.0

    def pay(self, by_council_group: np.ndarray) -> None:
        self.spend_this_year += by_council_group
