"""Pure rules of the pathway, workforce, population and quality (one rule per test).

``choose_service`` runs on the real parameter files with uniform draws chosen here, so the
cases hold whatever values the files are tuned to; they check the rule's structure.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.charging import ChargingRules
from sim.market import _shift_down
from sim.parameters import load_parameters
from sim.pathway import care_home_type, choose_service, eligible, funding_for
from sim.population import (
    age_band_of,
    draw_ages,
    weekly_from_annual_probability,
    weekly_probability,
)
from sim.residents import Funding, Status
from sim.workforce import hiring_hazard, turnover_hazard, vacancy_rate

P = load_parameters()
LEVELS = range(5)
NURSING_SHARE = P["pathway.nursing_share_of_critical"]
RULES = ChargingRules(upper_limit=23_250.0, lower_limit=14_250.0, tariff_step=250.0,
                      tariff_per_step=1.0, personal_expenses_allowance=30.15,
                      minimum_income_guarantee=228.70)


def _p_home(need: int, has_carer: bool) -> float:
    multiplier = 1.0 if has_carer else P["pathway.care_home_no_carer_multiplier"]
    return float(P["pathway.care_home_probability"][need] * multiplier)


def _choose(need: int, has_carer: bool, u_home: float, u_dp: float) -> int:
    return int(choose_service(np.array([need]), np.array([has_carer]), np.array([u_home]),
                              np.array([u_dp]), P)[0])


# --- eligibility and care home type -----------------------------------------------------

@pytest.mark.parametrize("need, threshold, expected", [
    (0, 3, False), (2, 3, False), (3, 3, True), (4, 3, True),
    (2, 2, True), (1, 2, False), (0, 0, True),
])
def test_eligible_at_or_above_the_threshold(need, threshold, expected):
    assert bool(eligible(need, threshold)) is expected


@pytest.mark.parametrize("need, u, share, expected", [
    (1, 0.0, 1.0, Status.RESIDENTIAL),
    (3, 0.0, 1.0, Status.RESIDENTIAL),   # below critical: never nursing
    (4, 0.0, 0.6, Status.NURSING),
    (4, 0.59, 0.6, Status.NURSING),
    (4, 0.6, 0.6, Status.RESIDENTIAL),   # draw compared strictly with the share
    (4, 0.9, 0.6, Status.RESIDENTIAL),
    (4, 0.0, 0.0, Status.RESIDENTIAL),
    (4, 0.999, 1.0, Status.NURSING),
])
def test_care_home_type_nursing_only_for_a_share_of_critical_needs(need, u, share, expected):
    assert care_home_type(np.array([need]), np.array([u]), share)[0] == expected


# --- service choice ------------------------------------------------------------------

COMMUNITY_SERVICES = (Status.HOMECARE, Status.DIRECT_PAYMENT)


@pytest.mark.parametrize("need", LEVELS)
@pytest.mark.parametrize("has_carer", [True, False])
def test_lowest_draw_means_a_care_home_wherever_the_probability_is_positive(need, has_carer):
    service = _choose(need, has_carer, u_home=0.0, u_dp=1.0)
    if _p_home(need, has_carer) > 0:
        assert service == care_home_type(np.array([need]), np.array([0.0]), NURSING_SHARE)[0]
    else:
        assert service in COMMUNITY_SERVICES


@pytest.mark.parametrize("need", LEVELS)
@pytest.mark.parametrize("has_carer", [True, False])
def test_highest_draw_never_means_a_care_home(need, has_carer):
    assert _choose(need, has_carer, u_home=1.0, u_dp=1.0) == Status.HOMECARE


@pytest.mark.parametrize("need", [n for n in LEVELS if _p_home(n, True) > 0])
def test_care_home_draw_is_compared_strictly_with_the_probability(need):
    p_home = _p_home(need, True)
    assert _choose(need, True, np.nextafter(p_home, 0.0), 1.0) in (Status.RESIDENTIAL,
                                                                   Status.NURSING)
    assert _choose(need, True, p_home, 1.0) == Status.HOMECARE


@pytest.mark.parametrize("need", [n for n in LEVELS if _p_home(n, True) > 0])
def test_no_carer_makes_a_care_home_more_likely(need):
    between = (_p_home(need, True) + _p_home(need, False)) / 2
    assert _p_home(need, False) > _p_home(need, True)
    assert _choose(need, False, between, 1.0) in (Status.RESIDENTIAL, Status.NURSING)
    assert _choose(need, True, between, 1.0) == Status.HOMECARE


@pytest.mark.parametrize("u_dp_offset, expected", [
    (-1e-9, Status.DIRECT_PAYMENT),
    (0.0, Status.HOMECARE),
    (+0.1, Status.HOMECARE),
])
def test_direct_payment_or_homecare_by_the_draw(u_dp_offset, expected):
    share = P["pathway.direct_payment_share"]
    assert _choose(3, True, 1.0, share + u_dp_offset) == expected
    assert _choose(3, True, 1.0, 0.0) == Status.DIRECT_PAYMENT


def test_choose_service_is_elementwise():
    need = np.array([3, 4, 3, 3])
    got = choose_service(need, np.ones(4, bool), np.array([0.0, 1.0, 1.0, 1.0]),
                         np.array([1.0, 1.0, 0.0, 1.0]), P)
    assert got.tolist() == [Status.RESIDENTIAL, Status.HOMECARE, Status.DIRECT_PAYMENT,
                            Status.HOMECARE]


def test_critical_needs_offered_a_home_get_nursing_in_the_nursing_share():
    """The draw that chose a home is reused, rescaled, to choose its type."""
    p_home = _p_home(4, True)
    u_home = (np.arange(10_000) + 0.5) / 10_000 * p_home   # evenly over "offered a home"
    got = choose_service(np.full(u_home.size, 4), np.ones(u_home.size, bool), u_home,
                         np.ones(u_home.size), P)
    assert set(got.tolist()) <= {Status.NURSING, Status.RESIDENTIAL}
    assert np.mean(got == Status.NURSING) == pytest.approx(NURSING_SHARE, abs=1e-3)


# --- funding route -------------------------------------------------------------------

@pytest.mark.parametrize("service, savings, home, counted, expected", [
    (Status.HOMECARE, 10_000, 300_000, True, Funding.COUNCIL),      # home ignored at home
    (Status.DIRECT_PAYMENT, 10_000, 300_000, True, Funding.COUNCIL),
    (Status.RESIDENTIAL, 10_000, 300_000, True, Funding.SELF),      # home counts
    (Status.NURSING, 10_000, 300_000, True, Funding.SELF),
    (Status.RESIDENTIAL, 10_000, 300_000, False, Funding.COUNCIL),  # home disregarded
    (Status.HOMECARE, 30_000, 0, False, Funding.SELF),              # savings alone
    (Status.RESIDENTIAL, 23_250, 0, True, Funding.COUNCIL),         # at the limit: council
    (Status.RESIDENTIAL, 23_250.01, 0, True, Funding.SELF),
])
def test_funding_for(service, savings, home, counted, expected):
    got = funding_for(np.array([service], dtype=np.int8), np.array([float(savings)]),
                      np.array([float(home)]), np.array([counted]), RULES)
    assert got[0] == expected


# --- workforce ------------------------------------------------------------------------

GAPS = np.linspace(-0.3, 0.3, 13)


@pytest.mark.parametrize("elasticity", [1.0, 4.0, 8.0])
def test_turnover_falls_and_hiring_rises_as_care_pays_more(elasticity):
    turnover = turnover_hazard(GAPS, 0.25, elasticity)
    hiring = hiring_hazard(GAPS, 2.0, elasticity)
    assert np.all(np.diff(turnover) < 0)
    assert np.all(np.diff(hiring) > 0)
    assert np.all(turnover > 0) and np.all(hiring > 0)


def test_hazards_equal_their_base_at_no_wage_gap_or_no_elasticity():
    assert turnover_hazard(0.0, 0.25, 4.0) == pytest.approx(0.25)
    assert hiring_hazard(0.0, 2.0, 4.0) == pytest.approx(2.0)
    np.testing.assert_allclose(turnover_hazard(GAPS, 0.25, 0.0), 0.25)
    np.testing.assert_allclose(hiring_hazard(GAPS, 2.0, 0.0), 2.0)


@pytest.mark.parametrize("demand, staff, expected", [
    ([10.0, 10.0], [10.0, 5.0], 0.25),
    ([10.0, 10.0], [10.0, 10.0], 0.0),
    ([10.0, 10.0], [15.0, 5.0], 0.25),   # overstaffing one does not fill another's posts
    ([10.0, 30.0], [0.0, 30.0], 0.25),
    ([0.0, 0.0], [0.0, 0.0], 0.0),       # no posts wanted: no vacancies
    ([], [], 0.0),
])
def test_vacancy_rate(demand, staff, expected):
    assert vacancy_rate(np.array(demand), np.array(staff)) == pytest.approx(expected)


# --- population: probabilities and ages ---------------------------------------------------

@pytest.mark.parametrize("hazard", [0.0, 0.05, 0.5, 2.0])
def test_weekly_probability_compounds_to_the_yearly_hazard(hazard):
    week = weekly_probability(hazard)
    assert 0.0 <= week <= 1.0
    assert 1 - (1 - week) ** 52 == pytest.approx(1 - np.exp(-hazard))


@pytest.mark.parametrize("annual", [0.0, 0.01, 0.1, 0.5, 0.99])
def test_weekly_from_annual_probability_compounds_back(annual):
    week = weekly_from_annual_probability(annual)
    assert 0.0 <= week <= annual
    assert 1 - (1 - week) ** 52 == pytest.approx(annual)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_weekly_from_annual_probability_of_certain_death_is_one():
    assert weekly_from_annual_probability(1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("age, band", [
    (60.0, 0), (64.9, 0),             # below 65 clips to the first band
    (65.0, 0), (69.99, 0), (70.0, 1), (74.99, 1), (75.0, 2), (80.0, 3), (85.0, 4),
    (89.99, 4), (90.0, 5), (104.0, 5),  # 90+ is the open last band
])
def test_age_band_of(age, band):
    assert age_band_of(np.array([age]))[0] == band


def test_age_band_boundaries_exactly_and_one_step_below():
    for band in range(1, 6):
        edge = 65.0 + 5.0 * band
        assert age_band_of(np.array([edge]))[0] == band
        assert age_band_of(np.array([np.nextafter(edge, 0.0)]))[0] == band - 1


@pytest.mark.parametrize("band", range(6))
def test_draw_ages_within_their_band(band):
    ages = draw_ages(np.full(2_000, band), np.random.default_rng(band).random(2_000))
    low = 65 + 5 * band
    assert np.all(ages >= low)
    if band < 5:
        assert np.all(ages < low + 5)
    np.testing.assert_array_equal(age_band_of(ages), band)


def test_draw_ages_spread_over_the_band():
    ages = draw_ages(np.zeros(5_000, dtype=int), np.random.default_rng(0).random(5_000))
    assert ages.mean() == pytest.approx(67.5, abs=0.1)


# --- quality: stress shifts ratings down -------------------------------------------------

RERATING = np.array([[0.6, 0.3, 0.1, 0.0],
                     [0.05, 0.8, 0.1, 0.05],
                     [0.0, 0.4, 0.5, 0.1],
                     [0.0, 0.1, 0.4, 0.5]])


@pytest.mark.parametrize("shift", [0.0, 0.1, 0.5, 1.0])
def test_shift_down_keeps_rows_summing_to_one(shift):
    out = _shift_down(RERATING.copy(), np.full(4, shift))
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    assert np.all(out >= 0)


def test_shift_down_by_nothing_changes_nothing():
    np.testing.assert_allclose(_shift_down(RERATING.copy(), np.zeros(4)), RERATING)


def test_shift_down_by_everything_moves_each_rating_one_down():
    out = _shift_down(np.eye(4), np.ones(4))
    expected = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1]], float)
    np.testing.assert_allclose(out, expected)


def test_shift_down_moves_mass_to_worse_ratings():
    """More stress: the chance of a rating at least this bad never falls (dominance)."""
    previous = RERATING
    for shift in (0.2, 0.5, 0.8):
        out = _shift_down(RERATING.copy(), np.full(4, shift))
        worse_or_equal = np.cumsum(out[:, ::-1], axis=1)
        before = np.cumsum(previous[:, ::-1], axis=1)
        assert np.all(worse_or_equal >= before - 1e-12)
        previous = out


def test_shift_down_uses_each_row_s_own_shift():
    out = _shift_down(np.eye(4)[[1, 1]], np.array([0.0, 0.5]))
    np.testing.assert_allclose(out, [[0, 1, 0, 0], [0, 0.5, 0.5, 0]])


def test_the_rerating_matrix_in_the_files_is_a_transition_matrix():
    rerating = P["quality.rerating"]
    assert np.all(rerating >= 0)
    np.testing.assert_allclose(rerating.sum(axis=1), 1.0)


# --- the county's starting counts ---------------------------------------------------------

def test_population_counts_start_non_negative_at_small_scale():
    """Regression: counts once started negative in small cells (round(cell) people drawn
    from a cell of fewer), and week 0 crashed in rng.poisson (--scale 0.01, seed 1)."""
    from sim.model import CareMarketModel

    for seed in range(10):
        model = CareMarketModel(P, seed=seed, weeks=1, scale=0.01)
        assert model.population.counts.min() >= 0, f"seed {seed}"


def test_a_dated_change_to_new_65_year_olds_reaches_the_population():
    from sim.model import CareMarketModel
    from sim.scenario import Change, Scenario

    when = P["run.start_date"] + __import__("datetime").timedelta(weeks=2)
    scenario = Scenario("more_65", "More 65-year-olds", "", "(test)", changes=[
        Change("demography.new_65_per_year", 30_000.0, when, "test", "(test)")])
    model = CareMarketModel(P, scenario, seed=0, weeks=6, scale=0.01)
    model.run()
    assert model.population.new_65_per_year == pytest.approx(30_000.0 * 0.01)
