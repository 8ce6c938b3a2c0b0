"""Regions of several councils sharing one market (issue 5, part 3).

The test region has four districts of equal population and wealth on a west-east line, 28,
32 and 28 km apart: A1 and A2 belong to council A, B1 and B2 to council B. Care homes are
**contested** when they lie within ``placement.max_distance_km`` (40 km) of at least one
district of each council, so that people of both councils look at them from their first
week of waiting (``contested_districts``): here the homes of A2 and B1, not those of A1 and
B2. Nearest districts for a wider homecare search stay within each council (A2 -> A1,
B1 -> B2).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import only_problem

from bench.per_agent import simulate_per_agent
from sim.bench import library_scenario
from sim.errors import InputError
from sim.metrics import BY_COUNCIL, INDEX, METRICS
from sim.model import CareMarketModel, simulate_arrays
from sim.parameters import (
    DEFAULT_PARAMS_DIR,
    Parameters,
    load_parameters,
    parse_assignment,
)
from sim.placement import district_distances
from sim.providers import Setting
from sim.residents import CARE_HOME, Funding, Status, in_states
from sim.scenario import load_scenarios
from sim.working_age import Service as WAService

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SCALE = 0.1
WEEKS = 52
#: the fees that differ between the councils in the fee test
FEES = ("commissioner.fee_residential_weekly", "commissioner.fee_nursing_weekly",
        "commissioner.fee_homecare_hourly")
#: the higher payer's fees: the default x 1.3, above most homes' unit costs (about £810-1000
#: a week residential, £1,190 nursing at the start); the lower payer pays the default, below
TOP_UP = 1.3
#: beds at the start, against the default: demand exceeds beds, so homes fill up and those
#: nearly full refuse placements whose fee is below their cost
TIGHT_BEDS = 0.7

LEAF = "status: assumption, reason: a test region"
REGION = f"""\
districts: {{value: [A1, A2, B1, B2], dims: [district], unit: label, description: d, {LEAF}}}
councils: {{value: [A, B], dims: [council], unit: label, description: d, {LEAF}}}
district_council: {{value: [0, 0, 1, 1], dims: [district], unit: council, description: d,
  {LEAF}, range_scale: [1, 1]}}
population_65plus: {{value: [79500, 79500, 79500, 79500], dims: [district], unit: people,
  description: d, {LEAF}, range_scale: [1, 1], extensive: true}}
affluence: {{value: [1, 1, 1, 1], dims: [district], unit: ratio, description: d, {LEAF},
  range_scale: [1, 1]}}
x_km: {{value: [0, 28, 60, 88], dims: [district], unit: km, description: d, {LEAF},
  range_scale: [1, 1]}}
y_km: {{value: [0, 0, 0, 0], dims: [district], unit: km, description: d, {LEAF},
  range_scale: [1, 1]}}
homecare_travel_share: {{value: [0.18, 0.18, 0.18, 0.18], dims: [district], unit: share,
  description: d, {LEAF}, range_scale: [1, 1]}}
"""


def params_folder(folder: Path, **files: str) -> Path:
    """A copy of the default parameter folder with some files replaced (``county=...``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in DEFAULT_PARAMS_DIR.glob("*.yaml"):
        shutil.copy(file, folder / file.name)
    for stem, text in files.items():
        (folder / f"{stem}.yaml").write_text(text)
    if "county" in files and "working_age" not in files:
        _fit_working_age_population(folder)
    return folder


def _fit_working_age_population(folder: Path) -> None:
    """Give each district of the replaced county the same 18-64 population."""
    districts = yaml.safe_load((folder / "county.yaml").read_text())["districts"]["value"]
    working_age = yaml.safe_load((folder / "working_age.yaml").read_text())
    working_age["population_18_64"]["value"] = [60000] * len(districts)
    (folder / "working_age.yaml").write_text(yaml.safe_dump(working_age, sort_keys=False))


def contested_districts(p: Parameters) -> np.ndarray:
    """Districts whose homes are within placement reach of a district of every council."""
    reach = district_distances(p) <= p["placement.max_distance_km"]
    owner = p["county.district_council"]
    return np.all([reach[owner == c].any(axis=0) for c in range(len(p["county.councils"]))],
                  axis=0)


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Parameters:
    return load_parameters(params_folder(tmp_path_factory.mktemp("region"), county=REGION))


def fees_with_higher_payer(p: Parameters, higher: int) -> Parameters:
    """The region in a tight market, one council paying ``TOP_UP`` times the other's fees."""
    values = {"care_homes.initial_beds": p["care_homes.initial_beds"] * TIGHT_BEDS}
    for path in FEES:
        fee = np.full(len(p["county.councils"]), p[path])
        fee[higher] *= TOP_UP
        values[path] = p.check_value(path, fee.tolist(), "test", path)
    return p.with_values(values)


def contested_admissions(p: Parameters, seed: int) -> np.ndarray:
    """Council-funded admissions to contested care homes over the run, by the council that
    funds them."""
    model = CareMarketModel(p, None, seed, WEEKS, SCALE)
    contested = contested_districts(model.p)
    counts = np.zeros(len(model.commissioners), dtype=int)
    admit = model.placement._admit

    def counting(rows, providers, blocks):
        r, t = model.residents, model.providers
        for i, j in zip(rows, providers):
            if t.setting[j] == Setting.CARE_HOME and contested[t.district[j]] and \
                    r.funding[i] == Funding.COUNCIL:
                counts[r.council[i]] += 1
        admit(rows, providers, blocks)

    model.placement._admit = counting
    model.run()
    return counts


# --- the test region ----------------------------------------------------------------------

def test_the_region_has_contested_and_uncontested_homes(region):
    assert region.dim_sizes["council"] == 2
    assert contested_districts(region).tolist() == [False, True, True, False]


def test_the_lower_payer_gets_fewer_placements_in_contested_homes(region):
    """Each council is the higher payer in one run and the lower in the other, from the same
    starting market (same seed): whatever favours one council's area cancels, and the
    placements the councils get as the lower payer are fewer than as the higher payer, in
    every replication and by a clear margin over them (about 100 against 150)."""
    lower = higher = 0
    for seed in (1, 2, 3):
        a_higher = contested_admissions(fees_with_higher_payer(region, 0), seed)
        b_higher = contested_admissions(fees_with_higher_payer(region, 1), seed)
        as_lower, as_higher = a_higher[1] + b_higher[0], a_higher[0] + b_higher[1]
        assert as_lower < as_higher, (seed, a_higher, b_higher)
        lower, higher = lower + as_lower, higher + as_higher
    assert higher >= 100  # a real contest, not a handful of placements
    assert lower < 0.8 * higher


@pytest.fixture(scope="module")
def region_run(region):
    model = CareMarketModel(fees_with_higher_payer(region, 1), None, 3, WEEKS, SCALE)
    model.run()
    return model


def test_every_resident_and_provider_belongs_to_the_council_of_its_district(region_run):
    m = region_run
    r, t = m.residents, m.providers
    assert set(np.unique(r.council).tolist()) == {0, 1}
    np.testing.assert_array_equal(r.council, m.council_of_district[r.district])
    np.testing.assert_array_equal(t.council, m.council_of_district[t.district])
    assert [c.label for c in m.commissioners] == ["A", "B"]
    with pytest.raises(AttributeError, match="2 councils"):
        _ = m.commissioner


def test_council_figures_sum_to_the_region_and_match_the_residents(region_run):
    m = region_run
    data, by_council = m.recorder.data, m.recorder.by_council
    assert by_council.shape == (len(BY_COUNCIL), 2, WEEKS)
    for i, name in enumerate(BY_COUNCIL):
        np.testing.assert_allclose(by_council[i].sum(axis=0), data[INDEX[name]], rtol=1e-9,
                                   atol=1e-6, err_msg=name)
        assert (by_council[i].sum(axis=1) > 0).all(), name  # both councils take part
    # the last week's people, counted from the resident table
    r = m.residents
    council = r.funding == Funding.COUNCIL
    in_home = council & in_states(r.status, CARE_HOME)
    long_term = (council & in_states(r.status, (*CARE_HOME, Status.HOMECARE,
                                                Status.EXTRA_CARE))) | \
        (r.status == Status.DIRECT_PAYMENT)
    c = m.working_age.clients
    supported = c.service != WAService.WAITING
    for name, mask, working_age in (
            ("council_funded_care_home_residents", in_home,
             c.service == WAService.RESIDENTIAL),
            ("council_funded_long_term", long_term, supported)):
        assert by_council[BY_COUNCIL.index(name), :, -1].tolist() == (
            np.bincount(r.council[mask], minlength=2) +
            np.bincount(c.council[working_age], minlength=2)).tolist()
    # each council's books: its weekly spend since April (or the start) adds up to what it
    # has paid
    aprils = np.flatnonzero(m.is_april[:WEEKS])
    april = int(aprils[-1]) if aprils.size else 0
    spend = by_council[BY_COUNCIL.index("council_spend")]
    working_age = m.working_age.commissioning.spend_this_year.sum(axis=1)
    for council in m.commissioners:
        paid = council.spend_this_year + working_age[council.council]
        assert paid == pytest.approx(spend[council.council, april:].sum(), rel=1e-12)


def test_out_of_area_placements_are_counted_from_the_resident_table(region_run):
    m = region_run
    r, t = m.residents, m.providers
    placed = np.flatnonzero(r.provider >= 0)
    away = placed[t.council[r.provider[placed]] != r.council[placed]]
    assert away.size > 0  # people cross the A2-B1 border
    assert m.recorder.data[INDEX["out_of_area_placements"], -1] == away.size
    assert m.recorder.by_council[BY_COUNCIL.index("out_of_area_placements"), :, -1].tolist() \
        == np.bincount(r.council[away], minlength=2).tolist()
    # out-of-area council placements are bought spot (a council's framework is its own area)
    council = away[r.funding[away] == Funding.COUNCIL]
    assert (r.spot[council] | r.block[council]).all()


def test_the_default_county_has_no_out_of_area_placements(params):
    data = simulate_arrays(params, None, 1, 26, 0.05)
    assert not data["metrics"][INDEX["out_of_area_placements"]].any()
    assert METRICS[INDEX["out_of_area_placements"]].kind == "stock"


def test_an_explicit_one_council_region_equals_the_default(params):
    """The default county written as a region: one council named, every district its own,
    and each per-council parameter given as a list of one."""
    per_council = [path for path in params.paths() if params.spec(path).per_council]
    assert set(FEES) <= set(per_council)
    values = {path: params.check_value(path, [params[path]], "test", path)
              for path in per_council}
    values["county.councils"] = params.check_value("county.councils", ["Essex"], "test", "")
    values["county.district_council"] = params.check_value(
        "county.district_council", [0] * params.dim_sizes["district"], "test", "")
    explicit = params.with_values(values)
    assert isinstance(explicit["commissioner.fee_homecare_hourly"], np.ndarray)
    seed = np.random.SeedSequence(5)
    default = simulate_arrays(params, None, seed, 30, 0.05)
    region = simulate_arrays(explicit, None, seed, 30, 0.05)
    for name in ("metrics", "by_district", "by_council"):
        np.testing.assert_array_equal(region[name], default[name], err_msg=name)


def test_the_default_county_split_into_two_councils(params):
    """Essex's north-east (Braintree, Colchester, Maldon, Tendring, Uttlesford) as a second
    council, from Python: both councils work, and their figures add up to the county's."""
    north = [params["county.districts"].index(d) for d in
             ("Braintree", "Colchester", "Maldon", "Tendring", "Uttlesford")]
    owner = np.zeros(params.dim_sizes["district"], dtype=int)
    owner[north] = 1
    split = params.with_values({"county.councils": ("South", "North"),
                                "county.district_council": owner})
    assert split.dim_sizes["council"] == 2 and params.dim_sizes["council"] == 1
    data = simulate_arrays(split, None, 4, 26, 0.05)
    for i, name in enumerate(BY_COUNCIL):
        np.testing.assert_allclose(data["by_council"][i].sum(axis=0),
                                   data["metrics"][INDEX[name]], rtol=1e-9, atol=1e-6)
    assert (data["by_council"][BY_COUNCIL.index("council_spend")].sum(axis=1) > 0).all()
    assert data["metrics"][INDEX["out_of_area_placements"]][-1] > 0


# --- per-council values ---------------------------------------------------------------------

def test_a_per_council_value_is_one_number_for_all_or_a_list(region, params):
    path = "commissioner.fee_homecare_hourly"
    assert parse_assignment(f"{path}=26.5", region) == (path, 26.5)
    _, value = parse_assignment(f"{path}=[26.5, 24]", region)
    assert value.tolist() == [26.5, 24.0]
    model = CareMarketModel(region.with_values({path: value}), None, 0, 1, 0.02)
    assert [c.fee_homecare for c in model.commissioners] == [26.5, 24.0]
    with pytest.raises(InputError) as info:
        parse_assignment(f"{path}=[26.5, 24]", params)  # the default county has one council
    (problem,) = info.value.problems
    assert (problem.file, problem.key) == ("--set", path)
    assert "list of 1" in problem.message


def test_a_dated_change_gives_each_council_its_value(region, tmp_path):
    file = tmp_path / "fees.yaml"
    file.write_text("""\
name: fees
label: Council B cuts its residential fee
description: A per-council dated change.
changes:
  - param: commissioner.fee_residential_weekly
    value: [800, 700]
    from: 2025-06-01
    source: a test
""")
    start = region["run.start_date"]
    (scenario,) = [s for s in load_scenarios([file], region, start, start.replace(
        year=start.year + 1)) if s.name == "fees"]
    model = CareMarketModel(region, scenario, 0, 12, 0.02)
    model.run()
    assert [c.fee_residential for c in model.commissioners] == [800.0, 700.0]


def test_interventions_apply_to_every_council(region):
    """Every library policy's interventions on, in the region: a fee uplift raises both
    councils' fees, block contracts are held by each council in its own area, and every
    council's spend adds up to the region's."""
    scenario = library_scenario(SCENARIOS, region, 2)
    base = CareMarketModel(region, None, 2, 2 * 52, 0.05)
    base.run()
    model = CareMarketModel(region, scenario, 2, 2 * 52, 0.05)
    model.run()
    for c, b in zip(model.commissioners, base.commissioners):
        assert c.fee_homecare > b.fee_homecare
        assert c.assessment_capacity > b.assessment_capacity
    t = model.providers
    reserved = np.bincount(t.council, weights=t.block_reserved, minlength=2)
    assert (reserved > 0).all()
    np.testing.assert_allclose(model.recorder.by_council[BY_COUNCIL.index("council_spend")]
                               .sum(axis=0), model.recorder.data[INDEX["council_spend"]],
                               rtol=1e-9)
    (in_house,) = np.flatnonzero(t.in_house)
    r = model.residents
    assert (r.council[r.provider == in_house] == t.council[in_house]).all()  # its council's


def test_the_per_agent_peer_matches_the_engine_in_a_region(region):
    """The peer's per-council assessment queues and reablement places (bench/per_agent.py)
    against the engine's."""
    p = fees_with_higher_payer(region, 0)
    seed = np.random.SeedSequence(7)
    engine = simulate_arrays(p, None, seed, 26, 0.03)["metrics"]
    peer = simulate_per_agent(p, None, seed, 26, 0.03)
    assert engine[INDEX["assessments"]].sum() > 100
    np.testing.assert_array_equal(peer, engine)


# --- bad input ------------------------------------------------------------------------------

def test_a_district_of_a_council_that_does_not_exist_is_refused(tmp_path):
    county = REGION.replace("value: [0, 0, 1, 1]", "value: [0, 0, 1, 2]")
    file, key, message = only_problem(params_folder(tmp_path, county=county))
    assert (file, key) == ("county.yaml", "county.district_council")
    assert "council index 2 is out of range" in message and "2 councils" in message


def test_a_council_without_districts_is_refused(tmp_path):
    county = REGION.replace("value: [0, 0, 1, 1]", "value: [0, 0, 0, 0]")
    file, key, message = only_problem(params_folder(tmp_path, county=county))
    assert (file, key) == ("county.yaml", "county.district_council")
    assert "B" in message and "owns no district" in message


def test_a_per_council_list_of_the_wrong_length_is_refused(tmp_path):
    text = (DEFAULT_PARAMS_DIR / "commissioner.yaml").read_text()
    assert "  value: 25.0\n" in text
    commissioner = text.replace("  value: 25.0\n", "  value: [25.0, 26.0, 27.0]\n", 1)
    file, key, message = only_problem(params_folder(tmp_path, county=REGION,
                                                commissioner=commissioner))
    assert (file, key) == ("commissioner.yaml", "commissioner.fee_homecare_hourly")
    assert "list of 2" in message and "got 3" in message
