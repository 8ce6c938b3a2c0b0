"""The Care Act means test, as pure functions over arrays.

Capital above the upper limit makes a person a self-funder; between the limits it counts
as tariff income (£1 a week per £250, or part of £250); below the lower limit it is ignored.
The home counts only for care home placements (and not when it is disregarded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChargingRules:
    upper_limit: float
    lower_limit: float
    tariff_step: float
    tariff_per_step: float
    personal_expenses_allowance: float
    minimum_income_guarantee: float

    @classmethod
    def from_params(cls, p) -> "ChargingRules":
        return cls(
            upper_limit=p["charging.capital_upper_limit"],
            lower_limit=p["charging.capital_lower_limit"],
            tariff_step=p["charging.tariff_income_step"],
            tariff_per_step=p["charging.tariff_income_per_step"],
            personal_expenses_allowance=p["charging.personal_expenses_allowance"],
            minimum_income_guarantee=p["charging.minimum_income_guarantee"],
        )


def assessable_capital(savings, property_value, property_counted, care_home) -> np.ndarray:
    """Capital the means test counts: savings, plus the home for a care home placement."""
    counts_home = np.asarray(care_home) & np.asarray(property_counted)
    return np.asarray(savings) + np.where(counts_home, property_value, 0.0)


def is_self_funder(capital, rules: ChargingRules) -> np.ndarray:
    """True where capital is above the upper limit."""
    return np.asarray(capital) > rules.upper_limit


def tariff_income(capital, rules: ChargingRules) -> np.ndarray:
    """Weekly income assumed from capital between the limits (each part-step counts)."""
    excess = np.clip(np.asarray(capital, dtype=float) - rules.lower_limit, 0.0,
                     rules.upper_limit - rules.lower_limit)
    return np.ceil(excess / rules.tariff_step) * rules.tariff_per_step


def weekly_contribution(income, capital, care_home, cost, rules: ChargingRules) -> np.ndarray:
    """What a council-funded person pays a week towards care costing ``cost`` a week.

    Income above the allowance (the personal expenses allowance in a care home, the minimum
    income guarantee at home) plus tariff income, never more than the cost.
    """
    allowance = np.where(care_home, rules.personal_expenses_allowance,
                         rules.minimum_income_guarantee)
    available = np.asarray(income) + tariff_income(capital, rules) - allowance
    return np.clip(available, 0.0, cost)


def capital_drawdown(charge, income, care_home, rules: ChargingRules) -> np.ndarray:
    """Capital a self-funder uses up in a week: the charge less income above the allowance."""
    allowance = np.where(care_home, rules.personal_expenses_allowance,
                         rules.minimum_income_guarantee)
    from_income = np.clip(np.asarray(income) - allowance, 0.0, None)
    return np.clip(np.asarray(charge) - from_income, 0.0, None)
