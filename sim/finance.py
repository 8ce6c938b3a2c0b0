"""Provider costs, prices and margins, as pure functions over arrays of providers."""

from __future__ import annotations

import numpy as np


def care_home_staff_cost(needed_hours, employed_hours, wage, oncost, agency_premium
                         ) -> np.ndarray:
    """Weekly care staff cost: employed staff's paid hours, plus agency staff (at a premium)
    for the hours residents need beyond them."""
    agency_hours = np.maximum(needed_hours - employed_hours, 0.0)
    return wage * (1.0 + oncost) * (employed_hours + agency_hours * (1.0 + agency_premium))


def homecare_cost_per_hour(wage, oncost, travel_share, overhead_per_hour) -> np.ndarray:
    """Agency cost of one delivered hour: paid contact and travel time, plus overheads."""
    return wage * (1.0 + oncost) * (1.0 + travel_share) + overhead_per_hour


def care_home_unit_cost(staff_cost_per_resident, fixed_cost_per_bed, occupancy) -> np.ndarray:
    """Cost per occupied bed a week at a given occupancy (fixed costs spread over residents)."""
    return staff_cost_per_resident + fixed_cost_per_bed / np.maximum(occupancy, 0.05)


def selffunder_markup(base, occupancy, target_occupancy, occupancy_slope, quality_adjustment,
                      local_empty_share, competition_slope) -> np.ndarray:
    """Markup on cost for self-funders: higher when full and good, lower with empty beds nearby."""
    markup = (base + occupancy_slope * (occupancy - target_occupancy) + quality_adjustment
              - competition_slope * local_empty_share)
    return np.maximum(markup, 0.0)


def accepts_council_placement(fee, unit_cost, occupancy, refusal_occupancy) -> np.ndarray:
    """A home takes a council placement unless the fee is below cost and it is nearly full."""
    return (fee >= unit_cost) | (occupancy < refusal_occupancy)


def smoothed(previous, current, weeks) -> np.ndarray:
    """Exponential smoothing with a time constant in weeks."""
    alpha = 1.0 / max(weeks, 1.0)
    return previous + alpha * (current - previous)


def margin(revenue, cost) -> np.ndarray:
    """Profit as a share of revenue (cost alone: a loss of 100%)."""
    revenue = np.asarray(revenue, dtype=float)
    return np.where(revenue > 0, (revenue - cost) / np.maximum(revenue, 1e-9),
                    np.where(np.asarray(cost) > 0, -1.0, 0.0))


def fails(cash, weekly_cost, overdraft_weeks) -> np.ndarray:
    """Sudden failure: cash overdrawn beyond the allowed weeks of costs."""
    return cash < -overdraft_weeks * weekly_cost
