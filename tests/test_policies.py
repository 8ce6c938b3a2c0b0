"""Interventions: the plug-in contract, checking scenario entries, and each one's mechanics.

Each mechanics test runs a small model with one intervention beside the baseline with the
same seed, and checks what the intervention does to the model's state week by week.
"""

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from sim.calendar import run_end
from sim.errors import InputError
from sim.finance import homecare_cost_per_hour
from sim.model import CareMarketModel
from sim.placement import waiting_mask
from sim.policies import REGISTRY, catalogue_markdown, check_entries
from sim.providers import Setting
from sim.residents import AT_HOME_SUPPORTED, CARE_HOME, Funding, Status, in_states
from sim.scenario import Scenario, load_scenarios

SCALE = 0.1
WEEKS = 60
START = dt.date(2025, 4, 1)
FILE = "test.yaml"


def scenario(*entries: dict) -> Scenario:
    specs, problems = check_entries(list(entries), FILE, START, run_end(START, WEEKS))
    assert not problems, problems
    return Scenario("test", "Test", "A test scenario", FILE, interventions=specs)


def models(params, *entries, seed=5, weeks=WEEKS, scale=SCALE):
    """A baseline model and one with the interventions, sharing a seed."""
    return (CareMarketModel(params, None, seed, weeks, scale),
            CareMarketModel(params, scenario(*entries), seed, weeks, scale))


def step_both(base, model, weeks):
    for _ in range(weeks):
        base.step()
        model.step()


def week_of(day: dt.date) -> int:
    return (day - START).days // 7 + (1 if (day - START).days % 7 > 3 else 0)


def problems_of(*entries: dict) -> list:
    return check_entries(list(entries), FILE, START, run_end(START, WEEKS))[1]


# --- checking entries ----------------------------------------------------------------------
@pytest.mark.parametrize("entry, key, words", [
    ({"which": "fee_uplfit", "service": "homecare", "by": 0.1}, "interventions[0] "
     "(fee_uplfit).which", "did you mean fee_uplift"),
    ({"which": "block_contract", "service": "homecare"}, "interventions[0] (block_contract)"
     ".amount", "required argument is missing"),
    ({"which": "block_contract", "service": "homecare", "amount": 10, "hours": 3},
     "interventions[0] (block_contract).hours", "unknown argument; block_contract takes: "
     "service, amount, price, from"),
    ({"which": "block_contract", "service": "beds", "amount": 10},
     "interventions[0] (block_contract).service", "'homecare' or 'care_homes'"),
    ({"which": "fee_uplift", "service": "homecare", "by": 0.1, "to": 28},
     "interventions[0] (fee_uplift)", "exactly one of `by`"),
    ({"which": "fee_uplift", "service": "care_homes", "to": 900},
     "interventions[0] (fee_uplift)", "`to` sets one rate"),
    ({"which": "fee_uplift", "service": "homecare", "by": -2},
     "interventions[0] (fee_uplift).by", "greater than -1"),
    ({"which": "reablement_expansion", "extra_capacity": 0.5, "from": "2040-04-01"},
     "interventions[0] (reablement_expansion).from", "outside the run"),
    ({"which": "demand_shock", "onset_factor": 1.2, "from": "2025-09-01",
      "until": "2025-06-01"}, "interventions[0] (demand_shock)", "must be after from"),
    ({"which": "demand_shock"}, "interventions[0] (demand_shock)", "give `onset_factor`"),
    ({"service": "homecare"}, "interventions[0]", "expected a mapping with `which"),
])
def test_a_bad_entry_names_the_file_entry_and_argument(entry, key, words):
    problems = problems_of(entry)
    assert len(problems) == 1
    assert problems[0].file == FILE
    assert problems[0].key == key
    assert words in problems[0].message


def test_every_bad_entry_in_a_file_is_reported(params, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nlabel: Bad\ndescription: Two bad entries.\ninterventions:\n"
                    "  - {which: nothing_like_it}\n"
                    "  - {which: pay_floor}\n"
                    "expect: {council_spnd: up}\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_scenarios([path], params, START, run_end(START, WEEKS))
    keys = [p.key for p in error.value.problems]
    assert keys == ["interventions[0] (nothing_like_it).which",
                    "interventions[1] (pay_floor).rate", "expect.council_spnd"]
    assert "did you mean council_spend" in error.value.problems[2].message


def test_the_baseline_file_cannot_carry_interventions(params, tmp_path):
    path = tmp_path / "baseline.yaml"
    path.write_text("name: baseline\nlabel: B\ndescription: B.\ninterventions:\n"
                    "  - {which: section_18_3}\n", encoding="utf-8")
    with pytest.raises(InputError, match="parameter defaults"):
        load_scenarios([path], params, START, run_end(START, WEEKS))


def test_a_scenario_inherits_its_parents_interventions(params, tmp_path):
    (tmp_path / "a.yaml").write_text(
        "name: a\nlabel: A\ndescription: A.\ninterventions:\n  - {which: section_18_3}\n",
        encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "name: b\nlabel: B\ndescription: B.\nextends: a\ninterventions:\n"
        "  - {which: assessment_capacity, change: 0.1}\nexpect: {assessments: up}\n",
        encoding="utf-8")
    _, a, b = load_scenarios([tmp_path], params, START, run_end(START, WEEKS))
    assert [s.which for s in b.interventions] == ["section_18_3", "assessment_capacity"]
    assert b.expect == {"assessments": "up"} and a.expect == {}


def test_every_intervention_documents_itself():
    for name, cls in REGISTRY.items():
        assert cls.name == name and len(cls.summary) > 30
        for field_name, info in cls.Args.model_fields.items():
            assert info.description, f"{name}.{field_name} has no description"


# --- lifecycle ------------------------------------------------------------------------------
def test_a_ramp_builds_the_effect_and_until_takes_it_back(params):
    base, model = models(params, {"which": "fee_uplift", "service": "homecare", "by": 0.2,
                                  "from": "2025-06-03", "ramp_weeks": 4,
                                  "until": "2025-09-02"})
    start, end = week_of(dt.date(2025, 6, 3)), week_of(dt.date(2025, 9, 2))
    ratios = []
    for _ in range(end + 2):
        step_both(base, model, 1)
        ratios.append(model.commissioner.fee_homecare / base.commissioner.fee_homecare)
    assert np.allclose(ratios[:start], 1.0)
    assert np.allclose(ratios[start:start + 5], [1.05, 1.10, 1.15, 1.20, 1.20])
    assert np.allclose(ratios[start + 4:end], 1.2)
    assert np.allclose(ratios[end:], 1.0)


def test_a_fee_uplift_is_partly_passed_on_to_pay_in_its_setting(params):
    base, model = models(params, {"which": "fee_uplift", "service": "homecare", "by": 0.2,
                                  "pay_pass_through": 0.5})
    step_both(base, model, 2)
    t, p = model.providers, params
    extra_fee = model.commissioner.fee_homecare - base.commissioner.fee_homecare
    travel = float(np.mean(p["county.homecare_travel_share"]))
    raise_ = 0.5 * extra_fee / ((1 + p["workforce.oncost_share"]) * (1 + travel))
    agencies, homes = t.mask(Setting.HOMECARE), t.mask(Setting.CARE_HOME)
    assert np.allclose(t.wage[agencies], base.economy.market_care_wage(p) + raise_)
    assert np.allclose(t.wage[homes], base.economy.market_care_wage(p))
    assert model.workforce.vacancy_rates()["homecare"] <= \
        base.workforce.vacancy_rates()["homecare"] + 1e-9


def test_a_fee_target_is_reached_and_then_uplifted_each_april(params):
    base, model = models(params, {"which": "fee_uplift", "service": "nursing", "to": 1100},
                         weeks=60)
    step_both(base, model, 1)
    assert model.commissioner.fee_nursing == pytest.approx(1100)
    assert model.commissioner.fee_residential == base.commissioner.fee_residential
    step_both(base, model, 55)  # past April 2026
    uplift = base.commissioner.fee_nursing / params["commissioner.fee_nursing_weekly"]
    assert uplift > 1.0
    assert model.commissioner.fee_nursing == pytest.approx(1100 * uplift)


# --- block contracts ----------------------------------------------------------------------
def test_block_hours_are_reserved_and_paid_when_unused(params):
    base, model = models(params, {"which": "block_contract", "service": "homecare",
                                  "amount": 20000, "price": 24.0})
    step_both(base, model, 3)
    t, r = model.providers, model.residents
    agencies = t.mask(Setting.HOMECARE)
    first = t.block_reserved[agencies].sum()
    assert 0 < first <= 20000 * SCALE
    hours = params["homecare.package_hours"]
    on = r.status == Status.HOMECARE
    in_use = np.bincount(r.provider[on], weights=hours[r.need[on]], minlength=t.n)
    on_block = on & r.block
    used = np.bincount(r.provider[on_block], weights=hours[r.need[on_block]], minlength=t.n)
    capacity = t.staff * params["homecare.productive_hours_per_worker"]
    unfilled = np.maximum(t.block_reserved - used, 0)
    assert np.all((in_use + unfilled)[agencies] <= capacity[agencies] * 1.2 + 1)
    unused = model.recorder.series("council_spend_blocks_unused")[2]
    assert unused == pytest.approx(unfilled.sum() * 24.0, rel=0.1)
    assert base.recorder.series("council_spend_blocks_unused")[2] == 0.0
    step_both(base, model, 30)  # agencies recruit for the reserved hours
    assert t.block_reserved[t.mask(Setting.HOMECARE)].sum() > first
    assert model.providers.staff[agencies].sum() > base.providers.staff[agencies].sum()


def test_block_beds_are_paid_whether_or_not_filled(params):
    base, model = models(params, {"which": "block_contract", "service": "care_homes",
                                  "amount": 300})
    step_both(base, model, 2)
    t = model.providers
    assert t.block_reserved[t.mask(Setting.CARE_HOME)].sum() == pytest.approx(30, abs=1)
    assert model.recorder.series("council_spend_blocks_unused")[1] > 0


# --- workforce and pay ----------------------------------------------------------------------
def test_a_pay_floor_raises_wages_costs_and_the_fees_that_fund_them(params):
    floor = 14.0
    base, model = models(params, {"which": "pay_floor", "rate": floor})
    step_both(base, model, 2)
    t, b, p = model.providers, base.providers, params
    assert np.all(t.wage[t.open] == pytest.approx(floor))
    assert np.all(b.wage[b.open] < floor)
    homes = np.flatnonzero(b.mask(Setting.CARE_HOME))
    assert (t.weekly_cost[homes] > b.weekly_cost[homes]).mean() > 0.9
    extra = floor - base.economy.market_care_wage(p)
    travel = float(np.mean(p["county.homecare_travel_share"]))
    assert model.commissioner.fee_homecare - base.commissioner.fee_homecare == pytest.approx(
        homecare_cost_per_hour(extra, p["workforce.oncost_share"], travel, 0.0))
    per_week = extra * (1 + p["workforce.oncost_share"]) * \
        p["care_homes.care_hours_per_resident"][0]
    assert model.commissioner.fee_residential - base.commissioner.fee_residential == \
        pytest.approx(per_week)


def test_a_pay_floor_is_uprated_in_april_and_the_fee_addition_follows(params):
    floor = 14.0
    base, model = models(params, {"which": "pay_floor", "rate": floor}, weeks=56)
    step_both(base, model, 54)  # April 2026 is week 52
    grown = floor * (1 + params["economy.nlw_growth"])
    assert model.economy.wage_floor == pytest.approx(grown)
    extra = grown - base.economy.market_care_wage(params)
    per_week = extra * (1 + params["workforce.oncost_share"]) * \
        params["care_homes.care_hours_per_resident"][0]
    assert model.commissioner.fee_residential - base.commissioner.fee_residential == \
        pytest.approx(per_week)


def test_international_recruitment_stops_and_resumes(params):
    base, model = models(params, {"which": "international_recruitment", "change": -1,
                                  "until": "2025-07-01"})
    path = "workforce.international_recruits_per_year"
    step_both(base, model, 2)
    assert model.p[path] == 0.0 and base.p[path] > 0
    step_both(base, model, week_of(dt.date(2025, 7, 1)))
    assert model.p[path] == pytest.approx(base.p[path])


def test_a_wage_shock_moves_outside_pay_and_care_pay(params):
    base, model = models(params, {"which": "wage_shock", "outside_pay_rise": 0.05,
                                  "nlw_rise": 0.1})
    step_both(base, model, 2)
    assert model.p["workforce.outside_wage_premium"] == pytest.approx(
        base.p["workforce.outside_wage_premium"] + 0.05)
    t = model.providers
    assert np.all(t.wage[t.open] == pytest.approx(base.economy.market_care_wage(params) * 1.1))


# --- pathway ----------------------------------------------------------------------------------
def test_reablement_expansion_starts_more_episodes(params):
    base, model = models(params, {"which": "reablement_expansion", "extra_capacity": 0.5,
                                  "success_share": 0.8})
    step_both(base, model, 12)
    assert model.p["commissioner.reablement_capacity_per_week"] == pytest.approx(
        1.5 * base.p["commissioner.reablement_capacity_per_week"])
    assert model.p["pathway.reablement_success_share"] == pytest.approx(0.8)
    reabling = model.recorder.series("people_in_reablement")[4:12]
    assert reabling.mean() > base.recorder.series("people_in_reablement")[4:12].mean()


def test_more_assessors_assess_more_and_are_paid_for(params):
    base, model = models(params, {"which": "assessment_capacity", "change": 0.5,
                                  "cost_per_assessment": 100.0})
    step_both(base, model, 8)
    c, b = model.commissioner, base.commissioner
    assert c.assessment_capacity == pytest.approx(1.5 * b.assessment_capacity)
    spend = model.recorder.series("council_spend_interventions")[7]
    assert spend == pytest.approx(c.assessment_capacity / 3 * 100.0)
    assert model.recorder.series("assessments")[:8].sum() > \
        base.recorder.series("assessments")[:8].sum()


def test_direct_payments_expansion_moves_the_offer(params):
    base, model = models(params, {"which": "direct_payments_expansion", "share": 0.4})
    step_both(base, model, 26)
    assert model.p["pathway.direct_payment_share"] == pytest.approx(0.4)
    assert model.recorder.series("people_on_direct_payments")[25] > \
        base.recorder.series("people_on_direct_payments")[25]


def test_technology_enabled_care_enrols_slows_progression_and_costs(params):
    base, model = models(params, {"which": "technology_enabled_care", "coverage": 0.5,
                                  "progression_reduction": 0.2, "cost_weekly": 10.0})
    step_both(base, model, 4)
    r = model.residents
    supported = in_states(r.status, AT_HOME_SUPPORTED)
    moved_this_week = r.since == model.week - 1  # flags are cleared at the next step
    assert not np.any(r.tec & ~supported & ~moved_this_week)
    assert abs(np.count_nonzero(r.tec) - 0.5 * np.count_nonzero(supported)) <= 30
    assert model.levers.tec_progression_factor == pytest.approx(0.8)
    spend = model.recorder.series("council_spend_interventions")[3]
    users = model.recorder.series("people_with_tec")[3]
    assert spend == pytest.approx(users * 10.0, rel=0.05)
    assert model.commissioner.assessment_capacity > base.commissioner.assessment_capacity


def test_tec_users_needs_rise_less_often(params):
    """The same residents, the same draws: with the factor at 0 no enrolled user's need
    rises through progression."""
    model = CareMarketModel(params, scenario({"which": "technology_enabled_care",
                                              "coverage": 1.0, "progression_reduction": 1.0}),
                            seed=9, weeks=10, scale=SCALE)
    model.step()
    r = model.residents
    assert np.count_nonzero(r.tec) > 100
    _, up, _ = model._need_events()
    assert up.size > 0 and not np.any(r.tec[up])


def test_a_demand_shock_scales_onset_and_admissions_then_ends(params):
    base, model = models(params, {"which": "demand_shock", "onset_factor": 1.5,
                                  "hospital_factor": 1.2, "until": "2025-06-03"})
    step_both(base, model, 2)
    np.testing.assert_allclose(model.p["need.onset_hazard"], 1.5 * base.p["need.onset_hazard"])
    np.testing.assert_allclose(model.p["pathway.hospital_admission_hazard"],
                               1.2 * base.p["pathway.hospital_admission_hazard"])
    step_both(base, model, week_of(dt.date(2025, 6, 3)))
    np.testing.assert_allclose(model.p["need.onset_hazard"], base.p["need.onset_hazard"])


# --- housing and self-funders ------------------------------------------------------------------
def test_extra_care_fills_flats_with_planned_moves_within_need_limits(params):
    base, model = models(params, {"which": "extra_care_housing", "units": 600,
                                  "max_need": 3, "uptake": 1.0, "cost_weekly": 400.0})
    step_both(base, model, 30)
    r = model.residents
    tenants = r.status == Status.EXTRA_CARE
    assert 0 < np.count_nonzero(tenants) <= 60
    assert np.all(r.need[tenants] <= 4)
    assert np.all(r.provider[tenants] == -1) and not np.any(r.in_hospital[tenants])
    assert np.all(in_states(r.funding[tenants], (Funding.SELF, Funding.COUNCIL)))
    assert model.recorder.series("care_home_admissions")[:30].sum() < \
        base.recorder.series("care_home_admissions")[:30].sum()
    assert model.recorder.series("council_spend_interventions")[29] > 0


def test_extra_care_tenants_are_counted_as_supported_with_needs_met(params):
    _, model = models(params, {"which": "extra_care_housing", "units": 600, "uptake": 1.0})
    for _ in range(20):
        model.step()
    n = model.recorder.series("people_in_extra_care")[19]
    assert n == np.count_nonzero(model.residents.status == Status.EXTRA_CARE) > 0


def test_section_18_3_self_funders_pay_the_council_rate(params):
    base, model = models(params, {"which": "section_18_3", "take_up_per_year": 5.0})
    step_both(base, model, 20)
    r = model.residents
    arranged = r.arranged & (r.funding == Funding.SELF) & in_states(r.status, CARE_HOME)
    assert np.count_nonzero(arranged) > 0.5 * model.recorder.series(
        "people_in_care_homes")[19] * model.recorder.series("selffunder_share_care_homes")[19]
    assert model.recorder.series("selffunder_spend")[19] < \
        0.95 * base.recorder.series("selffunder_spend")[19]
    assert model.recorder.series("council_spend_interventions")[:20].sum() > 0


# --- market ------------------------------------------------------------------------------------
def test_entry_grants_raise_expected_margins_and_are_paid_to_new_agencies(params):
    base, model = models(params, {"which": "market_entry_grants", "service": "homecare",
                                  "grant": 100000}, seed=1, weeks=80, scale=0.5)
    step_both(base, model, 80)
    assert model.levers.entry_margin_bonus[Setting.HOMECARE] > 0
    assert model.levers.entry_margin_bonus[Setting.CARE_HOME] == 0
    new_agencies = [row for row in model.market.opened_log
                    if model.providers.setting[row] == Setting.HOMECARE]
    paid = model.recorder.series("council_spend_interventions").sum()
    assert paid == pytest.approx(100000 * len([row for row in new_agencies
                                               if model.providers.opened_week[row] < 79]))
    base_agencies = [row for row in base.market.opened_log
                     if base.providers.setting[row] == Setting.HOMECARE]
    assert len(new_agencies) > len(base_agencies)


def test_the_provider_of_last_resort_takes_long_waiters_and_never_exits(params):
    base, model = models(params, {"which": "provider_of_last_resort", "hours_per_week": 8000,
                                  "after_weeks": 2, "until": "2026-03-03"}, weeks=52)
    step_both(base, model, 30)
    t, r = model.providers, model.residents
    row = int(np.flatnonzero(t.in_house)[0])
    assert t.open[row]
    clients = (r.provider == row) & (r.status == Status.HOMECARE)
    assert np.all(r.funding[clients] == Funding.COUNCIL) and clients.any()
    assert t.cash[row] >= 0
    assert not t.market_mask(Setting.HOMECARE)[row]
    step_both(base, model, 22)
    assert not t.open[row]  # closed at `until`; its clients wait for the market
    assert not np.any(r.provider == row)


def test_the_largest_provider_fails_and_nobody_is_lost(params):
    """Follow every resident of the failed home week by week: each is alive and either
    placed in an open home or counted as waiting, or has died."""
    model = CareMarketModel(params, scenario({"which": "largest_provider_failure",
                                              "from": "2025-05-06"}), seed=2, weeks=30,
                            scale=SCALE)
    fail_week = week_of(dt.date(2025, 5, 6))
    for _ in range(fail_week):
        model.step()
    t, r = model.providers, model.residents
    homes = np.flatnonzero(t.mask(Setting.CARE_HOME))
    largest = int(homes[np.argmax(t.beds[homes])])
    residents = r.id[(r.provider == largest) & in_states(r.status, CARE_HOME)]
    assert residents.size > 10
    deaths_before = model.recorder.series("deaths_with_needs")[:fail_week].sum()
    for week in range(fail_week, 30):
        model.step()
        assert not t.open[largest]
        alive = residents[np.isin(residents, r.id)]
        rows = r.rows_of(alive)
        placed = in_states(r.status[rows], CARE_HOME) & t.open[r.provider[rows]] & \
            (r.provider[rows] != largest)
        waiting = waiting_mask(r)[rows]
        assert np.all(placed | waiting), f"week {week}: someone is neither placed nor waiting"
        assert model.recorder.series("people_waiting")[week] >= np.count_nonzero(waiting)
    assert model.recorder.series("provider_failures")[fail_week] >= 1
    assert model.recorder.series("deaths_with_needs")[fail_week:].sum() + deaths_before >= \
        residents.size - alive.size


# --- the command line ---------------------------------------------------------------------------
BAD_ENTRIES = {
    "unknown name": ("  - {which: fee_uplfit, service: homecare, by: 0.1}\n",
                     "[interventions[0] (fee_uplfit).which]: unknown intervention; did you "
                     "mean fee_uplift?"),
    "missing argument": ("  - {which: block_contract, service: homecare}\n",
                         "[interventions[0] (block_contract).amount]: required argument"),
    "start after the horizon": ("  - {which: section_18_3, from: 2031-04-01}\n",
                                "[interventions[0] (section_18_3).from]: 2031-04-01 is "
                                "outside the run"),
}


@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_a_bad_entry_is_one_clear_error_exit_1_and_nothing_written(tmp_path, case):
    from click.testing import CliRunner

    import cli

    entry, expected = BAD_ENTRIES[case]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nlabel: Bad\ndescription: A bad entry.\ninterventions:\n" +
                   entry, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(bad), "--years", "2", "--scale", "0.05",
                                           "--reps", "1", "--out", str(out)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    assert str(bad) in lines[0] and expected in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


# --- the README -----------------------------------------------------------------------------------
README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_lists_the_interventions_as_the_registry_describes_them():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- interventions:begin -->\n(.*)<!-- interventions:end -->", text,
                      re.S)
    assert block, "README.md lost its interventions markers"
    assert block.group(1) == catalogue_markdown(), (
        "README.md's list of interventions is out of date: replace the text between the "
        "markers with the output of `caremarket interventions --markdown`")


def test_the_readmes_worked_example_is_a_valid_scenario(params, tmp_path):
    text = README.read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(name: fee_and_blocks.*?)```", text, re.S).group(1)
    (tmp_path / "fee_and_blocks.yaml").write_text(example, encoding="utf-8")
    start = params["run.start_date"]
    _, scenario = load_scenarios([tmp_path], params, start, run_end(start, 520))
    assert [s.which for s in scenario.interventions] == ["fee_uplift", "block_contract"]
    assert scenario.expect == {"people_waiting": "down", "council_spend": "up"}


def test_a_scenario_cannot_change_how_the_run_is_compared(params, tmp_path):
    path = tmp_path / "discount.yaml"
    path.write_text("name: discount\nlabel: D\ndescription: D.\nchanges:\n"
                    "  - {param: appraisal.discount_rate, value: 0.015, source: test}\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="use --set or caremarket compare"):
        load_scenarios([path], params, START, run_end(START, WEEKS))
