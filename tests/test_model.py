"""Whole-model behaviour: weekly invariants, determinism, extreme conditions, scenarios."""

import datetime as dt

import numpy as np
import pytest

from sim.metrics import BY_GROUP, INDEX
from sim.model import CareMarketModel, simulate
from sim.providers import Setting
from sim.residents import CARE_HOME, Status, in_states
from sim.scenario import Change, Scenario

SMALL_SCALE = 0.1  # a tenth of the county: fast, still hundreds of residents per district

COUNCIL_PARTS = ("council_spend_care_homes", "council_spend_homecare",
                 "council_spend_direct_payments", "council_spend_reablement",
                 "council_spend_blocks_unused", "council_spend_supported_living",
                 "council_spend_shared_lives", "council_spend_day_opportunities")


def series(data, name):
    return data[INDEX[name]]


def scenario_with(params, **values) -> Scenario:
    """A scenario that changes parameters from the start of the run."""
    changes = [Change(path.replace("__", "."), params.check_value(path.replace("__", "."), v,
                                                                   "test", path),
                      None, "test", "test") for path, v in values.items()]
    return Scenario("test", "Test", "A test scenario", "test", changes)


def check_placements(model):
    """Nobody is in two places; every placement points at an open provider of the right
    setting, and no home holds more residents than beds."""
    r, t = model.residents, model.providers
    in_home = in_states(r.status, CARE_HOME)
    on_homecare = r.status == Status.HOMECARE
    placed = in_home | on_homecare
    assert np.all(r.provider[~placed] == -1)
    assert np.all(t.open[r.provider[placed]])
    assert np.all(t.setting[r.provider[in_home]] == Setting.CARE_HOME)
    assert np.all(t.setting[r.provider[on_homecare]] == Setting.HOMECARE)
    occupied = np.bincount(r.provider[in_home], minlength=t.n)
    assert np.all(occupied <= t.beds + 1e-9)
    assert np.all(in_states(r.status[r.in_hospital], (Status.COMMUNITY, Status.QUEUED)))
    in_process = in_states(r.status, (Status.QUEUED, Status.REABLEMENT))
    assert not np.any(in_states(r.wanted[in_process], (Status.HOMECARE, *CARE_HOME)))
    assert np.unique(r.id).size == r.n
    np.testing.assert_array_equal(r.rows_of(r.id), np.arange(r.n))


def test_weekly_invariants_hold_for_a_year(params):
    model = CareMarketModel(params, seed=3, weeks=52, scale=SMALL_SCALE)
    spent_before = 0.0
    for week in range(52):
        before = model.residents.n
        if model.is_april[week]:
            spent_before = 0.0
        model.step()
        flow = model.arrivals - model.deaths - model.recovered
        assert model.residents.n - before == flow, f"people not conserved in week {week}"
        check_placements(model)
        data = model.recorder.data[:, week]
        parts = sum(data[INDEX[name]] for name in COUNCIL_PARTS)
        assert data[INDEX["council_spend"]] == pytest.approx(parts, rel=1e-12)
        older_people = model.recorder.by_group[BY_GROUP.index("council_spend"), 0, week]
        spent = model.commissioner.spend_this_year
        assert spent - spent_before == pytest.approx(older_people, rel=1e-9)
        spent_before = spent


def test_population_counts_and_residents_add_up(params):
    model = CareMarketModel(params, seed=1, weeks=4, scale=SMALL_SCALE)
    model.run()
    total = series(model.recorder.data, "population_65plus")[-1]
    assert total == pytest.approx(model.population.total + model.residents.n)
    expected = params["county.population_65plus"].sum() * SMALL_SCALE
    assert abs(total / expected - 1.0) < 0.05


def test_same_seed_same_results_and_replications_differ(params):
    first = simulate(params, None, np.random.SeedSequence(11), weeks=26, scale=SMALL_SCALE)
    again = simulate(params, None, np.random.SeedSequence(11), weeks=26, scale=SMALL_SCALE)
    other = simulate(params, None, np.random.SeedSequence(12), weeks=26, scale=SMALL_SCALE)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_a_dated_change_leaves_earlier_weeks_identical(params):
    start = params["run.start_date"]
    later = start + dt.timedelta(weeks=10)
    fee = params["commissioner.fee_homecare_hourly"] * 1.2
    scen = Scenario("uplift", "Uplift", "Homecare fee +20% from week 10", "test",
                    [Change("commissioner.fee_homecare_hourly", fee, later, "test", "test")])
    base = simulate(params, None, 5, weeks=20, scale=SMALL_SCALE)
    uplift = simulate(params, scen, 5, weeks=20, scale=SMALL_SCALE)
    np.testing.assert_array_equal(base[:, :10], uplift[:, :10])
    assert series(uplift, "council_fee_homecare")[10] == pytest.approx(fee)
    assert series(base, "council_fee_homecare")[10] < fee


def test_no_assessment_capacity_means_the_queue_only_grows(params):
    scen = scenario_with(params, commissioner__assessment_capacity_per_week=0)
    data = simulate(params, scen, 2, weeks=26, scale=SMALL_SCALE)
    assert series(data, "assessments").sum() == 0
    queue = series(data, "assessment_queue")
    assert np.all(np.diff(queue[::4]) > 0)


def test_fees_far_below_cost_drive_providers_out(params):
    cut = scenario_with(
        params,
        commissioner__fee_residential_weekly=0.4 * params["commissioner.fee_residential_weekly"],
        commissioner__fee_nursing_weekly=0.4 * params["commissioner.fee_nursing_weekly"],
        commissioner__fee_homecare_hourly=0.4 * params["commissioner.fee_homecare_hourly"])
    base = simulate(params, None, 4, weeks=104, scale=SMALL_SCALE)
    low = simulate(params, cut, 4, weeks=104, scale=SMALL_SCALE)
    assert series(low, "provider_exits").sum() > 2 * series(base, "provider_exits").sum()
    assert series(low, "care_home_beds")[-1] < 0.85 * series(base, "care_home_beds")[-1]
    assert series(low, "homecare_handbacks").sum() > 5 * series(base, "homecare_handbacks").sum()


def test_generous_fees_staff_and_capacity_end_waiting(params):
    generous = scenario_with(
        params,
        commissioner__fee_residential_weekly=1.5 * params["commissioner.fee_residential_weekly"],
        commissioner__fee_nursing_weekly=1.5 * params["commissioner.fee_nursing_weekly"],
        commissioner__fee_homecare_hourly=1.5 * params["commissioner.fee_homecare_hourly"],
        commissioner__assessment_capacity_per_week=3 * params[
            "commissioner.assessment_capacity_per_week"],
        care_homes__initial_beds=1.5 * params["care_homes.initial_beds"],
        workforce__hire_rate=20.0,
        homecare__staff_buffer=0.5)
    base = simulate(params, None, 6, weeks=78, scale=SMALL_SCALE)
    rich = simulate(params, generous, 6, weeks=78, scale=SMALL_SCALE)
    late = slice(52, 78)
    waiting = series(rich, "people_waiting")[late].mean()
    long_term = series(rich, "council_funded_long_term")[late].mean()
    assert waiting < 0.04 * long_term  # a few wait for one of a tenth-county's 4 nursing homes
    assert waiting < 0.25 * series(base, "people_waiting")[late].mean()
    assert series(rich, "delayed_discharge_days")[late].sum() < \
        0.25 * series(base, "delayed_discharge_days")[late].sum()


def test_closing_a_provider_displaces_nobody_out_of_the_model(params):
    model = CareMarketModel(params, seed=8, weeks=10, scale=SMALL_SCALE)
    model.step()
    occupied = model.market.occupied()
    home = int(np.argmax(occupied))
    residents = model.residents.id[model.residents.provider == home]
    model.market.agents.pop(home).close(failed=True)
    r = model.residents
    rows = r.rows_of(residents)
    assert np.all(r.provider[rows] == -1)
    assert np.all(r.displaced[rows])
    assert np.all(in_states(r.wanted[rows], CARE_HOME))
    assert model.market.failures == 1
    model.step()
    still_here = np.isin(residents, model.residents.id)
    rows = model.residents.rows_of(residents[still_here])
    placed_again = model.residents.provider[rows] >= 0
    assert placed_again.mean() > 0.5


def test_resident_view_follows_one_resident(params):
    model = CareMarketModel(params, seed=1, weeks=4, scale=SMALL_SCALE)
    resident_id = int(model.residents.id[model.residents.status == Status.NURSING][0])
    view = model.residents.view(resident_id)
    assert view.status == Status.NURSING and view.provider >= 0
    assert "NURSING" in repr(view)
    model.residents.need[model.residents.rows_of(np.array([resident_id]))] = 4
    assert view.need == 4


def test_phases_are_named_and_timed_when_asked(params):
    from sim.model import PHASES

    model = CareMarketModel(params, None, 3, weeks=4, scale=SMALL_SCALE)
    assert tuple(name for name, _ in model.phases()) == PHASES
    model.phase_seconds = {}
    model.run()
    assert set(model.phase_seconds) == set(PHASES)
    assert all(seconds > 0 for seconds in model.phase_seconds.values())
