"""Interventions aimed at some councils of a region (the `council` argument).

The two-council test region of ``test_regions`` (districts A1, A2 of council A and B1, B2
of council B, with homes near the A2-B1 border within reach of both): an intervention aimed
at one council changes that council's fees, capacity, contracts, residents and books, and
leaves the other council's own levers untouched. The other council still feels the shared
market (contested homes, out-of-area placements paid at its own fee), so its spend may move
a little, but only by a small fraction of the targeted council's change.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from click.testing import CliRunner
from test_regions import REGION, params_folder

import cli
from sim.calendar import run_end
from sim.errors import InputError
from sim.metrics import BY_COUNCIL
from sim.model import CareMarketModel, simulate_arrays
from sim.parameters import load_parameters
from sim.policies import REGISTRY, check_entries
from sim.policies.base import COUNCIL_ARG
from sim.providers import Setting
from sim.residents import Status
from sim.scenario import Scenario, load_scenarios

SCALE = 0.05
WEEKS = 52
START = dt.date(2025, 4, 1)
FROM = "2025-05-01"  # every intervention here starts in week 4
FILE = "aimed.yaml"
A, B = 0, 1
SPEND = BY_COUNCIL.index("council_spend")
#: the uplift aimed at council A, on every fee
UPLIFT = 0.1
#: council B's spend moves only through the shared market: by less than this share of the
#: change in A's (measured: under 1% of it)
KNOCK_ON = 0.1


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return load_parameters(params_folder(tmp_path_factory.mktemp("region"), county=REGION))


def aimed(params, *entries: dict) -> Scenario:
    specs, problems = check_entries(list(entries), FILE, START, run_end(START, WEEKS),
                                    tuple(params["county.councils"]))
    assert not problems, problems
    return Scenario("aimed", "Aimed", "Interventions aimed at councils", FILE,
                    interventions=specs)


def run_pair(params, *entries: dict, seed: int = 1):
    """The baseline and the scenario over the same weeks and seed, with each week's
    intervention spend by council summed over the run."""
    base = CareMarketModel(params, None, seed, WEEKS, SCALE)
    model = CareMarketModel(params, aimed(params, *entries), seed, WEEKS, SCALE)
    base.run()
    spent = np.zeros(len(model.commissioners))
    while model.week < model.weeks:
        model.step()
        spent += model.policies.spend_by_council
    return base, model, spent


def problems_of(params, *entries: dict) -> list:
    return check_entries(list(entries), FILE, START, run_end(START, WEEKS),
                         tuple(params["county.councils"]))[1]


# --- a fee uplift aimed at one council --------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2])
def test_a_fee_uplift_aimed_at_a_raises_as_fees_and_spend_not_bs(region, seed):
    base, model, _ = run_pair(region, {"which": "fee_uplift", "service": "all",
                                       "by": UPLIFT, "council": "A", "from": FROM},
                              seed=seed)
    fees = ("fee_homecare", "fee_residential", "fee_nursing", "direct_payment_rate")
    for attr in fees:
        assert model.council_state(attr)[A] == pytest.approx(
            base.council_state(attr)[A] * (1 + UPLIFT), rel=1e-12), attr
        assert model.council_state(attr)[B] == base.council_state(attr)[B], attr  # untouched
    # care workers' pay rises with the fee only at providers in A's area
    t, region_wage = model.providers, model.market.wage_for(model.providers.setting)
    in_a, in_b = t.open & (t.council == A), t.open & (t.council == B)
    assert (t.wage[in_a] > region_wage[in_a]).all()
    np.testing.assert_array_equal(t.wage[in_b], region_wage[in_b])
    # A pays the uplift on (at least) most of its spend; B's spend moves only through the
    # shared market (contested homes, out-of-area placements at its own fee): a fraction
    spend = base.recorder.by_council[SPEND].sum(axis=1)
    change = model.recorder.by_council[SPEND].sum(axis=1) - spend
    assert change[A] > 0.5 * UPLIFT * spend[A]
    assert abs(change[B]) < KNOCK_ON * change[A]


def test_aimed_fee_uplifts_and_pay_floors_are_undone_at_until(region):
    """After `until`, each council's fees and its providers' pay are back to the
    baseline's rule."""
    base, model, _ = run_pair(
        region, {"which": "fee_uplift", "service": "homecare", "by": 0.2, "council": "A",
                 "from": FROM, "until": "2025-08-01"},
        {"which": "pay_floor", "rate": 14.0, "council": "B", "from": FROM,
         "until": "2025-09-01"})
    assert model.council_state("fee_homecare") == pytest.approx(
        base.council_state("fee_homecare"), rel=1e-12)
    t = model.providers
    np.testing.assert_array_equal(t.wage[t.open], model.market.wage_for(t.setting[t.open]))


def test_naming_every_council_is_the_same_as_naming_none(params, region):
    """Bit for bit: `council: Essex` in the default county, `council: [A, B]` in the
    region."""
    seed = np.random.SeedSequence(3)
    for p, names in ((params, "Essex"), (region, ["B", "A"])):
        entry = {"which": "fee_uplift", "service": "homecare", "by": 0.1, "from": FROM}
        every = simulate_arrays(p, aimed(p, entry), seed, 20, SCALE)
        named = simulate_arrays(p, aimed(p, {**entry, "council": names}), seed, 20, SCALE)
        for key in ("metrics", "by_district", "by_council"):
            np.testing.assert_array_equal(named[key], every[key], err_msg=key)


# --- every intervention that takes `council` ------------------------------------------------

def test_interventions_aimed_at_a_act_on_a_only_and_a_pays(region):
    base, model, spent = run_pair(
        region,
        {"which": "assessment_capacity", "change": 0.5, "council": "A", "from": FROM},
        {"which": "reablement_expansion", "extra_capacity": 1.0, "council": ["A"],
         "from": FROM},
        {"which": "extra_care_housing", "units": 400, "council": "A", "from": FROM},
        {"which": "section_18_3", "take_up_per_year": 0.5, "council": "A", "from": FROM})
    capacity = model.council_state("assessment_capacity")
    assert capacity[A] == pytest.approx(1.5 * base.council_state("assessment_capacity")[A])
    assert capacity[B] == base.council_state("assessment_capacity")[B]
    reablement = model.p["commissioner.reablement_capacity_per_week"]
    assert reablement.tolist() == pytest.approx(
        [2 * base.p["commissioner.reablement_capacity_per_week"],
         base.p["commissioner.reablement_capacity_per_week"]])
    r = model.residents
    for mask, what in ((r.status == Status.EXTRA_CARE, "extra care tenants"),
                       (r.arranged, "self-funders in council-arranged places")):
        assert mask.any(), what
        assert (r.council[mask] == A).all(), what
    assert spent[A] > 0 and spent[B] == 0  # extra assessors and s18(3) arrangements


def test_interventions_aimed_at_b_act_on_b_only_and_b_pays(region):
    floor = 14.0
    base, model, spent = run_pair(
        region,
        {"which": "block_contract", "service": "homecare", "amount": 20000, "council": "B",
         "from": FROM},
        {"which": "technology_enabled_care", "council": "B", "from": FROM},
        {"which": "pay_floor", "rate": floor, "council": "B", "from": FROM},
        {"which": "provider_of_last_resort", "hours_per_week": 20000, "council": "B",
         "from": FROM},
        {"which": "largest_provider_failure", "council": "B", "from": FROM})
    hours = [c.block_targets[Setting.HOMECARE] for c in model.commissioners]
    base_hours = [c.block_targets[Setting.HOMECARE] for c in base.commissioners]
    assert hours[A] == base_hours[A]
    assert hours[B] == pytest.approx(base_hours[B] + 20000 * SCALE)
    r, t = model.residents, model.providers
    assert r.tec.any() and (r.council[r.tec] == B).all()
    # the pay floor binds in B's area only, and B's fees (only) fund it
    region_wage = model.market.wage_for(t.setting)
    in_a, in_b = t.open & (t.council == A), t.open & (t.council == B)
    assert (t.wage[in_b] >= floor).all() and (region_wage < floor).all()
    np.testing.assert_array_equal(t.wage[in_a], region_wage[in_a])
    assert model.council_state("fee_homecare")[B] > base.council_state("fee_homecare")[B]
    assert model.council_state("fee_homecare")[A] == base.council_state("fee_homecare")[A]
    # the in-house service opens in B's most populous district; the failure hits B's area
    (in_house,) = np.flatnonzero(t.in_house)
    assert t.council[in_house] == B
    failure = next(i for i in model.policies.items if i.name == "largest_provider_failure")
    assert (t.council[failure.failed] == B).all()
    assert spent[A] == 0 and spent[B] > 0  # TEC and the in-house service's deficit


# --- checking `council` ----------------------------------------------------------------------

def test_an_unknown_council_names_the_file_the_key_and_the_councils(region, tmp_path):
    file = tmp_path / "uplift.yaml"
    file.write_text("name: uplift\nlabel: U\ndescription: U.\ninterventions:\n"
                    "  - {which: block_contract, service: homecare, amount: 10}\n"
                    "  - {which: fee_uplift, service: homecare, by: 0.1, council: [A, Essex]}\n")
    with pytest.raises(InputError) as info:
        load_scenarios([file], region, START, run_end(START, WEEKS))
    (problem,) = info.value.problems
    assert (problem.file, problem.key) == (str(file), "interventions[1] (fee_uplift).council")
    assert "unknown council 'Essex'" in problem.message
    assert "county.councils): A, B" in problem.message


def test_a_close_name_gets_a_suggestion(params):
    (problem,) = problems_of(params, {"which": "section_18_3", "council": "Esex"})
    assert "did you mean Essex?" in problem.message


@pytest.mark.parametrize("council, words", [
    ([], "an empty list"),
    (["A", "A"], "'A' is named more than once"),
])
def test_an_empty_or_repeated_list_is_refused(region, council, words):
    (problem,) = problems_of(region, {"which": "section_18_3", "council": council})
    assert problem.key == "interventions[0] (section_18_3).council"
    assert words in problem.message


def test_the_command_line_refuses_an_unknown_council(region, tmp_path):
    folder = params_folder(tmp_path / "params", county=REGION)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nlabel: Bad\ndescription: B.\ninterventions:\n"
                   "  - {which: fee_uplift, service: homecare, by: 0.1, council: C}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(bad), "--params", str(folder),
                                           "--years", "1", "--scale", "0.05", "--reps", "1",
                                           "--out", str(out)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    assert str(bad) in lines[0] and "(fee_uplift).council" in lines[0]
    assert "unknown council 'C'" in lines[0] and "A, B" in lines[0]
    assert not out.exists()


def test_every_intervention_takes_council_or_says_why_not():
    for name, cls in REGISTRY.items():
        assert (COUNCIL_ARG in cls.Args.model_fields) != bool(cls.region_wide), name


@pytest.mark.parametrize("which", sorted(n for n, c in REGISTRY.items() if c.region_wide))
def test_region_wide_interventions_refuse_council_and_say_why(region, which):
    entry = {"which": which, "council": "A", **{
        "demand_shock": {"onset_factor": 1.2}, "direct_payments_expansion": {"share": 0.3},
        "international_recruitment": {"change": -0.5},
        "market_entry_grants": {"service": "homecare", "grant": 1000},
        "wage_shock": {"nlw_rise": 0.05}}[which]}
    (problem,) = problems_of(region, entry)
    assert problem.key == f"interventions[0] ({which}).council"
    assert "cannot be aimed at a council" in problem.message
    assert REGISTRY[which].region_wide in problem.message


@pytest.mark.parametrize("entry, words", [
    ({"which": "provider_of_last_resort", "hours_per_week": 100, "council": ["A", "B"]},
     "belongs to one council"),
    ({"which": "reablement_expansion", "extra_capacity": 0.5, "success_share": 0.6,
      "council": "A"}, "one share for the whole region"),
])
def test_arguments_that_cannot_be_aimed_say_so(region, entry, words):
    (problem,) = problems_of(region, entry)
    assert words in problem.message


def test_the_resolved_scenario_records_council_only_when_given(region):
    entries = ({"which": "section_18_3"}, {"which": "section_18_3", "council": "B"})
    plain = [spec.plain() for spec in aimed(region, *entries).interventions]
    assert COUNCIL_ARG not in plain[0]  # as before councils could be named
    assert plain[1][COUNCIL_ARG] == "B"


def test_a_scenario_checked_against_other_councils_fails_when_built(region, params):
    """Scenario files are checked against the run's councils when loaded; one checked
    against another region fails clearly when its model is built."""
    scenario = aimed(region, {"which": "section_18_3", "council": "B"})
    with pytest.raises(InputError, match="unknown council"):
        CareMarketModel(params, scenario, 0, 2, SCALE)

