"""Provider costs, prices and margins (sim/finance.py), rule by rule."""

from __future__ import annotations

import numpy as np
import pytest

from sim.finance import (
    accepts_council_placement,
    care_home_staff_cost,
    care_home_unit_cost,
    fails,
    homecare_cost_per_hour,
    margin,
    selffunder_markup,
    smoothed,
)
from sim.metrics import INDEX

WAGE, ONCOST = 10.0, 0.25        # GBP/hour and on-cost share: 12.50 an employed hour


# --- care home staff cost ---------------------------------------------------------------

@pytest.mark.parametrize("needed, employed, premium, expected", [
    (100.0, 100.0, 0.5, 12.5 * 100),               # exactly staffed: no agency
    (150.0, 100.0, 0.5, 12.5 * (100 + 50 * 1.5)),  # 50 agency hours at +50%
    (50.0, 100.0, 0.5, 12.5 * 100),                # employed staff are paid even if idle
    (100.0, 0.0, 0.5, 12.5 * 100 * 1.5),           # all agency
    (150.0, 100.0, 0.0, 12.5 * 150),               # no premium: agency costs the same
    (0.0, 0.0, 0.5, 0.0),
])
def test_care_home_staff_cost(needed, employed, premium, expected):
    got = care_home_staff_cost(needed, employed, WAGE, ONCOST, premium)
    assert got == pytest.approx(expected)


def test_agency_premium_applies_only_beyond_employed_hours():
    needed = np.array([80.0, 100.0, 120.0])
    with_premium = care_home_staff_cost(needed, 100.0, WAGE, ONCOST, 1.0)
    without = care_home_staff_cost(needed, 100.0, WAGE, ONCOST, 0.0)
    np.testing.assert_allclose(with_premium - without, [0.0, 0.0, 12.5 * 20])


# --- homecare cost per hour -------------------------------------------------------------

@pytest.mark.parametrize("wage, oncost, travel, overhead, expected", [
    (12.0, 0.25, 0.0, 3.0, 12 * 1.25 + 3),
    (12.0, 0.25, 0.2, 3.0, 12 * 1.25 * 1.2 + 3),   # travel time is paid time
    (12.0, 0.0, 0.0, 0.0, 12.0),
    (14.0, 0.3, 0.5, 2.5, 14 * 1.3 * 1.5 + 2.5),
])
def test_homecare_cost_per_hour(wage, oncost, travel, overhead, expected):
    assert homecare_cost_per_hour(wage, oncost, travel, overhead) == pytest.approx(expected)


def test_rural_travel_makes_an_hour_dearer():
    travel = np.array([0.1, 0.2, 0.4])
    assert np.all(np.diff(homecare_cost_per_hour(12.0, 0.25, travel, 3.0)) > 0)


# --- care home unit cost -------------------------------------------------------------

@pytest.mark.parametrize("staff, fixed, occupancy, expected", [
    (500.0, 330.0, 1.0, 830.0),
    (500.0, 330.0, 0.5, 500.0 + 660.0),   # fixed cost spread over half as many residents
    (500.0, 0.0, 0.3, 500.0),
])
def test_care_home_unit_cost(staff, fixed, occupancy, expected):
    assert care_home_unit_cost(staff, fixed, occupancy) == pytest.approx(expected)


def test_care_home_unit_cost_falls_with_occupancy_and_stays_finite_when_empty():
    occupancy = np.linspace(0.0, 1.0, 101)
    cost = care_home_unit_cost(500.0, 330.0, occupancy)
    assert np.all(np.isfinite(cost))
    assert np.all(np.diff(cost[occupancy > 0.05]) < 0)


# --- self-funder markup ---------------------------------------------------------------

BASE, TARGET, OCC_SLOPE, COMP_SLOPE = 0.4, 0.9, 0.8, 0.6


@pytest.mark.parametrize("occupancy, quality_adj, empty_share, expected", [
    (0.9, 0.0, 0.0, 0.4),                       # at the target, no competition: the base
    (1.0, 0.0, 0.0, 0.4 + 0.8 * 0.1),           # fuller: higher
    (0.8, 0.0, 0.0, 0.4 - 0.8 * 0.1),           # emptier: lower
    (0.9, 0.1, 0.0, 0.5),                       # better rated: higher
    (0.9, -0.1, 0.0, 0.3),
    (0.9, 0.0, 0.2, 0.4 - 0.6 * 0.2),           # empty beds nearby: lower
    (0.5, -0.1, 0.5, 0.0),                      # would be negative: floored at 0
])
def test_selffunder_markup(occupancy, quality_adj, empty_share, expected):
    got = selffunder_markup(BASE, occupancy, TARGET, OCC_SLOPE, quality_adj, empty_share,
                            COMP_SLOPE)
    assert got == pytest.approx(expected)


def test_selffunder_markup_directions():
    grid = np.linspace(0.0, 1.0, 21)
    by_occupancy = selffunder_markup(BASE, grid, TARGET, OCC_SLOPE, 0.0, 0.0, COMP_SLOPE)
    by_quality = selffunder_markup(BASE, TARGET, TARGET, OCC_SLOPE, grid - 0.5, 0.0, COMP_SLOPE)
    by_empty = selffunder_markup(BASE, TARGET, TARGET, OCC_SLOPE, 0.0, grid, COMP_SLOPE)
    assert np.all(np.diff(by_occupancy) >= 0) and by_occupancy[-1] > by_occupancy[0]
    assert np.all(np.diff(by_quality) >= 0) and by_quality[-1] > by_quality[0]
    assert np.all(np.diff(by_empty) <= 0) and by_empty[-1] < by_empty[0]
    for markup in (by_occupancy, by_quality, by_empty):
        assert np.all(markup >= 0)


# --- refusing council placements -------------------------------------------------------

@pytest.mark.parametrize("fee, cost, occupancy, expected", [
    (800.0, 750.0, 0.99, True),    # fee covers cost: always accepts
    (700.0, 750.0, 0.80, True),    # below cost but has empty beds to fill
    (700.0, 750.0, 0.95, False),   # below cost and nearly full: refuses
    (700.0, 750.0, 0.92, False),   # at the threshold counts as nearly full
    (750.0, 750.0, 1.00, True),    # fee equal to cost is not below cost
    (700.0, 750.0, 0.9199, True),
])
def test_accepts_council_placement(fee, cost, occupancy, expected):
    assert bool(accepts_council_placement(fee, cost, occupancy, 0.92)) is expected


def test_accepts_council_placement_elementwise():
    got = accepts_council_placement(np.array([800.0, 700.0, 700.0]), 750.0,
                                    np.array([1.0, 0.5, 1.0]), 0.92)
    assert got.tolist() == [True, True, False]


# --- margin, failure, smoothing -------------------------------------------------------

@pytest.mark.parametrize("revenue, cost, expected", [
    (100.0, 90.0, 0.1),
    (100.0, 110.0, -0.1),
    (100.0, 0.0, 1.0),
    (0.0, 50.0, -1.0),     # costs but no revenue: a loss of 100%
    (0.0, 0.0, 0.0),       # nothing at all: no margin
])
def test_margin(revenue, cost, expected):
    assert float(margin(revenue, cost)) == pytest.approx(expected)


def test_margin_elementwise():
    got = margin(np.array([100.0, 0.0, 200.0]), np.array([50.0, 10.0, 300.0]))
    np.testing.assert_allclose(got, [0.5, -1.0, -0.5])


@pytest.mark.parametrize("cash, weekly_cost, weeks, expected", [
    (1_000.0, 100.0, 4.0, False),
    (0.0, 100.0, 4.0, False),
    (-399.99, 100.0, 4.0, False),
    (-400.0, 100.0, 4.0, False),   # exactly at the overdraft limit: still trading
    (-400.01, 100.0, 4.0, True),
    (-1.0, 0.0, 4.0, True),        # no costs, overdrawn: fails
    (-300.0, 100.0, 2.0, True),
])
def test_fails(cash, weekly_cost, weeks, expected):
    assert bool(fails(cash, weekly_cost, weeks)) is expected


@pytest.mark.parametrize("previous, current, weeks, expected", [
    (0.0, 1.0, 4.0, 0.25),
    (1.0, 1.0, 26.0, 1.0),
    (0.0, 1.0, 1.0, 1.0),     # one week: no smoothing
    (0.0, 1.0, 0.5, 1.0),     # below one week is treated as one
])
def test_smoothed(previous, current, weeks, expected):
    assert smoothed(previous, current, weeks) == pytest.approx(expected)


# --- block contracts: what the council pays for reserved capacity ---------------------------

def test_block_homecare_hours_are_paid_at_the_homecare_rate_only():
    """Regression: reserved homecare hours were once also paid as care home beds (at the
    weekly residential fee per hour) in CareDelivery._care_homes."""
    from sim.model import CareMarketModel
    from sim.parameters import load_parameters
    from sim.providers import Setting

    params = load_parameters().with_values({"commissioner.block_homecare_hours": 20_000.0,
                                            "commissioner.block_beds": 0.0})
    model = CareMarketModel(params, seed=0, weeks=1, scale=0.02)
    model.step()
    agencies = model.providers.mask(Setting.HOMECARE)
    reserved = model.providers.block_reserved[agencies].sum()
    assert reserved > 0
    most = reserved * model.commissioner.block_price(Setting.HOMECARE)
    assert model.recorder.data[INDEX["council_spend_blocks_unused"], 0] <= most + 1e-6
