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


def book_week(table, revenue: np.ndarray, cost: np.ndarray, first_week: bool,
              smoothing_weeks: float) -> None:
    """Open providers' cash moves by revenue less cost; last week's cost and revenue, the
    smoothed margin (this week's in the first week) and stress (staff shortfall plus
    losses) are kept in the provider table."""
    is_open = table.open
    table.cash[is_open] += revenue[is_open] - cost[is_open]
    table.weekly_cost[is_open] = cost[is_open]
    table.weekly_revenue[is_open] = revenue[is_open]
    current = margin(revenue, cost)[is_open]
    table.margin[is_open] = current if first_week else smoothed(
        table.margin[is_open], current, smoothing_weeks)
    table.stress[is_open] = np.maximum(1.0 - table.fill[is_open], 0.0) + \
        np.maximum(-table.margin[is_open], 0.0)


def district_margin(table, rows: np.ndarray, n_districts: int) -> np.ndarray:
    """Each district's smoothed margin of the provider ``rows``, weighted by revenue (the
    county's where a district has none of them)."""
    revenue = np.maximum(table.weekly_revenue[rows], 0.0)
    weighted = np.bincount(table.district[rows], weights=table.margin[rows] * revenue,
                           minlength=n_districts)
    total = np.bincount(table.district[rows], weights=revenue, minlength=n_districts)
    county = weighted.sum() / total.sum() if total.sum() > 0 else 0.0
    return np.where(total > 0, weighted / np.maximum(total, 1e-9), county)
