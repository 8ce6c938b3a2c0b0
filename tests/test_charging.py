"""The Care Act means test (sim/charging.py), rule by rule, on small tables of cases.

The capital limits and the tariff-income rule are fixed in law (Care and Support
(Charging and Assessment of Resources) Regulations 2014); the allowances below are set
here, not read from the parameter files, so the cases do not move when the files are tuned.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.charging import (
    ChargingRules,
    assessable_capital,
    capital_drawdown,
    is_self_funder,
    tariff_income,
    weekly_contribution,
)
from sim.parameters import load_parameters

PEA = 30.15   # personal expenses allowance, GBP/week (care home)
MIG = 228.70  # minimum income guarantee, GBP/week (care at home)

RULES = ChargingRules(upper_limit=23_250.0, lower_limit=14_250.0, tariff_step=250.0,
                      tariff_per_step=1.0, personal_expenses_allowance=PEA,
                      minimum_income_guarantee=MIG)


def test_rules_read_the_legal_figures_from_the_parameter_files():
    rules = ChargingRules.from_params(load_parameters())
    assert (rules.upper_limit, rules.lower_limit) == (23_250, 14_250)
    assert (rules.tariff_step, rules.tariff_per_step) == (250, 1.0)


# --- assessable capital ---------------------------------------------------------------

@pytest.mark.parametrize("savings, home, home_counted, care_home, expected", [
    (10_000, 300_000, True, True, 310_000),    # care home: the home counts
    (10_000, 300_000, True, False, 10_000),    # care at home: never the home
    (10_000, 300_000, False, True, 10_000),    # disregarded (partner lives there)
    (10_000, 300_000, False, False, 10_000),
    (10_000, 0, True, True, 10_000),           # not a home owner
    (0, 0, True, True, 0),
])
def test_assessable_capital(savings, home, home_counted, care_home, expected):
    assert assessable_capital(savings, home, home_counted, care_home) == pytest.approx(expected)


def test_assessable_capital_is_elementwise():
    got = assessable_capital(np.array([1.0, 2.0, 3.0, 4.0]),
                             np.array([100.0, 100.0, 100.0, 100.0]),
                             np.array([True, True, False, False]),
                             np.array([True, False, True, False]))
    np.testing.assert_allclose(got, [101.0, 2.0, 3.0, 4.0])


def test_assessable_capital_accepts_a_scalar_care_home_flag():
    got = assessable_capital(np.array([1.0, 2.0]), np.array([10.0, 10.0]),
                             np.array([True, False]), True)
    np.testing.assert_allclose(got, [11.0, 2.0])


# --- self-funder threshold ------------------------------------------------------------

@pytest.mark.parametrize("capital, expected", [
    (0.0, False),
    (14_250.0, False),
    (23_249.99, False),
    (23_250.0, False),       # exactly the upper limit: NOT a self-funder (capital > upper)
    (23_250.01, True),
    (500_000.0, True),
])
def test_is_self_funder_only_above_the_upper_limit(capital, expected):
    assert bool(is_self_funder(capital, RULES)) is expected


# --- tariff income ------------------------------------------------------------------

@pytest.mark.parametrize("capital, expected", [
    (0.0, 0.0),
    (14_249.99, 0.0),
    (14_250.0, 0.0),         # at the lower limit: nothing
    (14_250.01, 1.0),        # any part of £250 counts as a whole step
    (14_500.0, 1.0),
    (14_500.01, 2.0),
    (14_750.0, 2.0),
    (20_000.0, 23.0),        # 5,750 / 250
    (23_250.0, 36.0),        # 9,000 / 250: the most tariff income there can be
    (23_250.01, 36.0),       # capped at the upper limit
    (1_000_000.0, 36.0),
])
def test_tariff_income(capital, expected):
    assert tariff_income(capital, RULES) == pytest.approx(expected)


def test_tariff_income_follows_the_rules_not_fixed_numbers():
    rules = ChargingRules(upper_limit=20_000.0, lower_limit=10_000.0, tariff_step=500.0,
                          tariff_per_step=2.0, personal_expenses_allowance=PEA,
                          minimum_income_guarantee=MIG)
    np.testing.assert_allclose(tariff_income(np.array([10_000.0, 10_001.0, 11_000.0, 50_000.0]),
                                             rules), [0.0, 2.0, 4.0, 40.0])


def test_tariff_income_never_decreases_with_capital():
    capital = np.linspace(0, 40_000, 4001)
    assert np.all(np.diff(tariff_income(capital, RULES)) >= 0)


# --- weekly contribution of council-funded people ------------------------------------------

@pytest.mark.parametrize("income, capital, care_home, cost, expected", [
    (200.0, 0.0, True, 800.0, 200.0 - PEA),           # care home: keeps the PEA
    (300.0, 0.0, False, 500.0, 300.0 - MIG),          # at home: keeps the MIG
    (200.0, 0.0, False, 500.0, 0.0),                  # income below the MIG: pays nothing
    (20.0, 0.0, True, 800.0, 0.0),                    # income below the PEA: never negative
    (MIG, 15_000.0, False, 500.0, 3.0),               # tariff income alone (750 / 250)
    (200.0, 20_000.0, True, 800.0, 200.0 + 23.0 - PEA),
    (1_000.0, 0.0, True, 800.0, 800.0),               # never more than the cost
    (1_000.0, 23_000.0, False, 50.0, 50.0),
    (500.0, 0.0, False, 0.0, 0.0),                    # no care, no charge
])
def test_weekly_contribution(income, capital, care_home, cost, expected):
    got = weekly_contribution(income, capital, care_home, cost, RULES)
    assert got == pytest.approx(expected)


def test_weekly_contribution_elementwise_with_mixed_settings():
    got = weekly_contribution(np.array([300.0, 300.0]), np.array([0.0, 0.0]),
                              np.array([True, False]), np.array([1_000.0, 1_000.0]), RULES)
    np.testing.assert_allclose(got, [300.0 - PEA, 300.0 - MIG])


def test_weekly_contribution_bounded_by_zero_and_cost():
    rng = np.random.default_rng(0)
    income = rng.uniform(0, 1_500, 1_000)
    capital = rng.uniform(0, 30_000, 1_000)
    care_home = rng.random(1_000) < 0.5
    cost = rng.uniform(0, 1_200, 1_000)
    got = weekly_contribution(income, capital, care_home, cost, RULES)
    assert np.all(got >= 0) and np.all(got <= cost)


# --- self-funders' capital drawdown ----------------------------------------------------

@pytest.mark.parametrize("charge, income, care_home, expected", [
    (1_200.0, 200.0, True, 1_200.0 - (200.0 - PEA)),  # income above the PEA pays part
    (300.0, 300.0, False, 300.0 - (300.0 - MIG)),     # at home the MIG is kept
    (50.0, 300.0, False, 0.0),                        # income covers the charge
    (500.0, 100.0, False, 500.0),                     # income below the MIG: all from capital
    (500.0, 10.0, True, 500.0),
    (0.0, 200.0, True, 0.0),
])
def test_capital_drawdown(charge, income, care_home, expected):
    assert capital_drawdown(charge, income, care_home, RULES) == pytest.approx(expected)


def test_capital_drawdown_never_negative_and_never_above_the_charge():
    rng = np.random.default_rng(1)
    charge = rng.uniform(0, 2_000, 500)
    got = capital_drawdown(charge, rng.uniform(0, 1_500, 500), rng.random(500) < 0.5, RULES)
    assert np.all(got >= 0) and np.all(got <= charge)


# --- dated changes to the charging rules ---------------------------------------------------

def test_a_dated_change_to_the_upper_limit_reaches_the_means_test(tmp_path):
    import datetime as dt

    from sim.calendar import run_end
    from sim.model import CareMarketModel
    from sim.scenario import load_scenarios

    (tmp_path / "reform.yaml").write_text(
        "name: reform\nlabel: Upper limit 100k\ndescription: A dated reform.\nchanges:\n"
        "  - param: charging.capital_upper_limit\n    value: 100000\n"
        "    from: 2025-05-01\n    source: test\n", encoding="utf-8")
    params = load_parameters()
    start = dt.date(2025, 4, 1)
    params = params.with_values({"run.start_date": start})
    _, reform = load_scenarios([tmp_path / "reform.yaml"], params, start, run_end(start, 52))
    model = CareMarketModel(params, reform, seed=0, weeks=8, scale=0.01)
    model.run()
    assert model.charging.upper_limit == 100_000
