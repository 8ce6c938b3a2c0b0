"""Care workers: each provider's staff move with hiring, turnover and international recruits.

Pay relative to the outside option (retail, at the National Living Wage plus a premium)
drives both: turnover falls and hiring rises as care pays more. Hiring and turnover are
expected flows (staff are large counts); vacancies are posts wanted but unfilled.
"""

from __future__ import annotations

import numpy as np

from .calendar import WEEKS_PER_YEAR
from .population import weekly_probability
from .providers import Setting


def turnover_hazard(wage_gap, base, elasticity) -> np.ndarray:
    """Yearly leaving hazard: lower when care pays more than the outside option."""
    return base * np.exp(-elasticity * np.asarray(wage_gap))


def hiring_hazard(wage_gap, base, elasticity) -> np.ndarray:
    """Yearly hazard that a vacancy is filled: higher when care pays more."""
    return base * np.exp(elasticity * np.asarray(wage_gap))


def vacancy_rate(demand, staff) -> float:
    """Unfilled posts / posts wanted."""
    demand_total = float(np.sum(demand))
    return float(np.maximum(np.asarray(demand) - staff, 0.0).sum()) / demand_total \
        if demand_total > 0 else 0.0


class Workforce:
    """Weekly staff flows for every open provider."""

    def __init__(self, model):
        self.model = model

    def step(self) -> None:
        """Leavers and hires at every open provider, older people's and working-age
        alike (one labour pool), then the year's international recruits shared over the
        posts left unfilled."""
        m = self.model
        markets = [(m.providers, self.staffing_ratio)]
        if m.working_age is not None:
            markets.append((m.working_age.market.table, m.working_age.market.staffing_ratio))
        flows = [self._flows(table) for table, _ in markets]
        arrivals = m.p["workforce.international_recruits_per_year"] / WEEKS_PER_YEAR
        total_unfilled = flows[0][2].sum()
        for _, _, unfilled in flows[1:]:
            total_unfilled += unfilled.sum()
        for (table, staffing_ratio), (rows, staff_after, unfilled) in zip(markets, flows):
            international = unfilled * min(arrivals / total_unfilled, 1.0) \
                if total_unfilled > 0 else 0.0
            table.staff[rows] = np.minimum(staff_after + international, table.staff_demand[rows])
            table.fill[rows] = staffing_ratio(rows)

    def _flows(self, table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Open rows, their staff after this week's leavers and hires, and the posts left
        unfilled."""
        m, p = self.model, self.model.p
        rows = np.flatnonzero(table.open)
        gap = table.wage[rows] / m.economy.outside_wage(p) - 1.0
        staff, demand = table.staff[rows], table.staff_demand[rows]
        leavers = staff * weekly_probability(turnover_hazard(
            gap, p["workforce.turnover_base"], p["workforce.turnover_wage_elasticity"]))
        vacancies = np.maximum(demand - staff + leavers, 0.0)
        hires = vacancies * weekly_probability(hiring_hazard(
            gap, p["workforce.hire_rate"], p["workforce.hire_wage_elasticity"]))
        return rows, staff - leavers + hires, vacancies - hires

    def staffing_ratio(self, rows: np.ndarray) -> np.ndarray:
        """Staff against the staff today's work needs (1 = fully staffed): residents' care
        hours in a home; commissioned hours in an agency."""
        m, t, p = self.model, self.model.providers, self.model.p
        homes = t.setting[rows] == Setting.CARE_HOME
        occupied = m.market.occupied_since_care()[rows]
        needed = np.where(
            homes, occupied * m.market.care_hours_per_resident(rows) /
            p["workforce.contract_hours_per_worker"],
            m.market.commissioned_hours()[rows] / p["homecare.productive_hours_per_worker"])
        return np.where(needed > 0, np.minimum(t.staff[rows] / np.maximum(needed, 1e-9), 1.0),
                        1.0)

    def vacancy_rates(self) -> dict[str, float]:
        t = self.model.providers
        out = {}
        for setting in Setting:
            rows = t.mask(setting)
            out[Setting(setting).name.lower()] = vacancy_rate(t.staff_demand[rows], t.staff[rows])
        rows = t.open
        demand, staff = t.staff_demand[rows], t.staff[rows]
        if self.model.working_age is not None:  # all settings: working-age providers too
            wa = self.model.working_age.market.table
            demand = np.concatenate([demand, wa.staff_demand[wa.open]])
            staff = np.concatenate([staff, wa.staff[wa.open]])
        out["all"] = vacancy_rate(demand, staff)
        return out
