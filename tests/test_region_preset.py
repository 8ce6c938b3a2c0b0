"""The East of England region preset (issue 5): loading, consistency, a short run, the
command line, bad presets, and the benchmark sizes built on it.

Runs are small and short: at ``SCALE`` every district gets at least one care home and one
homecare agency (setup gives each district one while there are enough to go round: 840
homes and 594 agencies at full size, over 45 districts).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import only_problem

import cli
from sim.bench import SIZES, bench_setup
from sim.errors import InputError
from sim.metrics import BY_COUNCIL, INDEX
from sim.model import CareMarketModel
from sim.parameters import DEFAULT_PARAMS_DIR, load_parameters
from sim.providers import Setting
from sim.regions import (
    REGIONS_DIR,
    load_region,
    read_region,
    region_folder,
    region_names,
)
from sim.residents import CARE_HOME, Funding, Status, in_states
from sim.working_age import Service as WAService

ROOT = Path(__file__).resolve().parent.parent
REGION = "east_of_england"
COUNCILS = ("Bedford", "Cambridgeshire", "Central Bedfordshire", "Essex", "Hertfordshire",
            "Luton", "Norfolk", "Peterborough", "Southend-on-Sea", "Suffolk", "Thurrock")
SCALE = 0.08
WEEKS = 13
#: ONS Census 2021, people aged 65+ in the East of England (county.yaml's check)
CENSUS_65PLUS = 1_243_000
#: the by-district parameters that Essex's districts keep from the default county
ESSEX_SAME = ("county.population_65plus", "county.affluence", "county.homecare_travel_share")


@pytest.fixture(scope="module")
def region():
    return load_parameters(region=REGION)


@pytest.fixture(scope="module")
def region_run(region):
    model = CareMarketModel(region, None, 3, WEEKS, SCALE)
    model.run()
    return model


def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def essex_rows(region) -> np.ndarray:
    return np.flatnonzero(region["county.district_council"] ==
                          region["county.councils"].index("Essex"))


# --- the preset -----------------------------------------------------------------------------

def test_the_preset_is_shipped_and_loads_three_ways(region):
    assert REGION in region_names()
    meta = read_region(REGION)
    assert meta.label == "East of England" and meta.folder == REGIONS_DIR / REGION
    assert region.dim_sizes["council"] == 11 and region.dim_sizes["district"] == 45
    assert region["county.councils"] == COUNCILS
    for other in (load_region(REGION), load_parameters(REGIONS_DIR / REGION)):
        assert other.fingerprint() == region.fingerprint()


def test_the_preset_does_not_leak_into_the_defaults(params):
    assert params.dim_sizes["council"] == 1 and params.dim_sizes["district"] == 12
    assert all("regions" not in Path(params.spec(p).file).parts for p in params.paths())


def test_every_preset_parameter_has_provenance_and_keeps_the_defaults_shape(region, params):
    overlaid = [p for p in region.paths() if Path(region.spec(p).file).parent.name == REGION]
    assert {"county.population_65plus", "county.x_km", "commissioner.budget_first_year",
            "care_homes.initial_beds"} <= set(overlaid)
    for path in overlaid:
        spec, default = region.spec(path), params.spec(path)
        assert (spec.unit, spec.dims, spec.extensive, spec.per_council) == \
            (default.unit, default.dims, default.extensive, default.per_council), path
        assert spec.source or (spec.status == "assumption" and spec.reason), path
        assert spec.range or spec.range_scale or spec.kind == "label", path


def test_councils_districts_and_populations_are_consistent(region):
    owner = region["county.district_council"]
    population = region["county.population_65plus"]
    districts = region["county.districts"]
    assert len(set(districts)) == len(districts)
    counts = np.bincount(owner, minlength=11)
    assert (counts >= 1).all()
    # each unitary council is one district; the counties hold their lower-tier districts
    assert dict(zip(COUNCILS, counts.tolist())) == {
        "Bedford": 1, "Cambridgeshire": 5, "Central Bedfordshire": 1, "Essex": 12,
        "Hertfordshire": 10, "Luton": 1, "Norfolk": 7, "Peterborough": 1,
        "Southend-on-Sea": 1, "Suffolk": 5, "Thurrock": 1}
    by_council = np.bincount(owner, weights=population, minlength=11)
    assert by_council.sum() == population.sum()
    assert (by_council > 20_000).all()
    assert population.sum() == pytest.approx(CENSUS_65PLUS, rel=0.03)


def test_essex_is_the_default_county(region, params):
    essex = essex_rows(region)
    assert [region["county.districts"][i] for i in essex] == list(params["county.districts"])
    for path in ESSEX_SAME:
        np.testing.assert_array_equal(region[path][essex], params[path], err_msg=path)
    # the same places, moved as a whole onto the region's grid: the same distances
    for axis in ("county.x_km", "county.y_km"):
        shift = region[axis][essex] - params[axis]
        assert (shift == shift[0]).all(), axis
    e = region["county.councils"].index("Essex")
    for path in ("commissioner.budget_first_year", "commissioner.assessment_capacity_per_week",
                 "commissioner.reablement_capacity_per_week"):
        assert region[path][e] == params[path], path


def test_per_council_values_follow_the_population(region):
    population = np.bincount(region["county.district_council"],
                             weights=region["county.population_65plus"])
    budget = region["commissioner.budget_first_year"]
    assert budget.shape == (11,)
    np.testing.assert_allclose(budget / population, budget[3] / population[3], rtol=0.01)


# --- a short run ----------------------------------------------------------------------------

def test_every_council_has_homes_agencies_and_people(region_run):
    m = region_run
    t, r = m.providers, m.residents
    for setting in Setting:
        assert (np.bincount(t.council[t.mask(setting)], minlength=11) >= 1).all(), setting
    np.testing.assert_array_equal(r.council, m.council_of_district[r.district])
    assert [c.label for c in m.commissioners] == list(COUNCILS)


def test_by_council_metrics_cover_every_council_and_add_up(region_run):
    m = region_run
    data, by_council = m.recorder.data, m.recorder.by_council
    assert by_council.shape == (len(BY_COUNCIL), 11, WEEKS)
    for name in ("council_spend", "council_funded_long_term",
                 "council_funded_care_home_residents"):
        assert (by_council[BY_COUNCIL.index(name)] > 0).all(), name  # every council, every week
    for i, name in enumerate(BY_COUNCIL):
        np.testing.assert_allclose(by_council[i].sum(axis=0), data[INDEX[name]], rtol=1e-9,
                                   atol=1e-6, err_msg=name)
    # nobody double-counted: the last week's council-funded care home residents, from the
    # resident table, each in exactly one council
    r, c = m.residents, m.working_age.clients
    in_home = (r.funding == Funding.COUNCIL) & in_states(r.status, CARE_HOME)
    specialist = c.service == WAService.RESIDENTIAL
    assert by_council[BY_COUNCIL.index("council_funded_care_home_residents"), :, -1].tolist() \
        == (np.bincount(r.council[in_home], minlength=11) +
            np.bincount(c.council[specialist], minlength=11)).tolist()
    # spend per person aged 65+ is of one order in every council (a unitary council has one
    # or two care homes at this scale, whose random sizes spread it: about 1.5 times from
    # lowest to highest over two years, 3 times over these few weeks)
    population = np.bincount(m.p["county.district_council"],
                             weights=m.p["county.population_65plus"])
    spend = by_council[BY_COUNCIL.index("council_spend")].sum(axis=1) / population
    assert spend.max() < 5 * spend.min()


def test_out_of_area_placements_are_a_small_share_near_borders(region_run):
    m = region_run
    r, t = m.residents, m.providers
    placed = np.flatnonzero(r.provider >= 0)
    away = placed[t.council[r.provider[placed]] != r.council[placed]]
    assert 0 < away.size < 0.1 * placed.size
    # across a shared border: the resident's district is near the provider's
    distance = m.placement.distance[r.district[away], t.district[r.provider[away]]]
    assert np.median(distance) <= m.p["placement.max_distance_km"]
    assert m.recorder.data[INDEX["out_of_area_placements"], -1] == away.size
    assert (r.status[away] != Status.COMMUNITY).all()


# --- bad presets ----------------------------------------------------------------------------

def copy_preset(folder: Path) -> Path:
    return Path(shutil.copytree(REGIONS_DIR / REGION, folder / "preset"))


def test_an_unknown_region_names_the_valid_ones(tmp_path):
    for name in ("nowhere", tmp_path):
        with pytest.raises(InputError) as info:
            region_folder(name)
        (problem,) = info.value.problems
        assert problem.file == "--region" and REGION in problem.message


def test_a_preset_parameter_that_the_defaults_lack_is_refused(tmp_path):
    preset = copy_preset(tmp_path)
    (preset / "county.yaml").write_text((preset / "county.yaml").read_text().replace(
        "\naffluence:", "\naffluense:"))
    with pytest.raises(InputError) as info:
        load_parameters(preset)
    keys = {(Path(p.file).name, p.key): p.message for p in info.value.problems}
    assert "did you mean county.affluence" in keys["county.yaml", "county.affluense"]
    # and the default's affluence, one per Essex district, no longer fits 45 districts
    assert "missing" in keys["county.yaml", "county.affluence"]


def test_a_preset_cannot_change_a_parameters_unit(tmp_path):
    preset = copy_preset(tmp_path)
    text = (preset / "care_homes.yaml").read_text()
    (preset / "care_homes.yaml").write_text(text.replace("  value: 840\n",
                                                         "  value: 840\n  unit: beds\n"))
    file, key, message = only_problem(preset)
    assert (file, key) == ("care_homes.yaml", "care_homes.initial_homes")
    assert "cannot change" in message and "unit" in message


def test_a_preset_missing_a_by_district_list_is_told_to_give_it(tmp_path):
    preset = copy_preset(tmp_path)
    text = (preset / "county.yaml").read_text()
    start = text.index("\nhomecare_travel_share:")
    (preset / "county.yaml").write_text(text[:start + 1])
    file, key, message = only_problem(preset)
    assert (file, key) == ("county.yaml", "county.homecare_travel_share")
    assert Path(preset / file).exists() and "missing" in message and "county.districts" \
        in message


def test_a_bad_region_file_is_refused(tmp_path):
    preset = copy_preset(tmp_path)
    (preset / "region.yaml").write_text("label: X\nextends: elsewhere\ncolour: red\n")
    with pytest.raises(InputError) as info:
        load_parameters(preset)
    assert {(Path(p.file).name, p.key) for p in info.value.problems} == {
        ("region.yaml", "colour"), ("region.yaml", "description"), ("region.yaml", "extends")}


# --- the command line -----------------------------------------------------------------------

def test_cli_unknown_region_is_one_clear_error():
    result = invoke("params", "county", "--region", "nowhere")
    assert result.exit_code == 1
    (line,) = errors(result)
    assert "--region" in line and "nowhere" in line and REGION in line


def test_cli_region_and_params_together_are_refused():
    result = invoke("validate", ROOT / "scenarios", "--region", REGION, "--params",
                    DEFAULT_PARAMS_DIR)
    assert result.exit_code == 1 and "not both" in errors(result)[0]


def test_cli_params_and_validate_read_the_region():
    result = invoke("params", "county.councils", "--region", REGION)
    assert result.exit_code == 0, result.output
    assert "11 labels: Bedford" in result.stdout
    result = invoke("validate", ROOT / "scenarios", "--region", REGION)
    assert result.exit_code == 0, result.output


def test_cli_run_with_the_region_writes_every_council(tmp_path):
    result = invoke("run", ROOT / "scenarios" / "baseline.yaml", "--region", REGION,
                    "--reps", "1", "--years", "1", "--scale", SCALE, "--no-report",
                    "--out", tmp_path)
    assert result.exit_code == 0, result.output
    (run_dir,) = tmp_path.iterdir()
    councils = pd.read_parquet(run_dir / "by_council.parquet")
    assert sorted(councils.council.unique()) == sorted(COUNCILS)
    people = councils.query("metric == 'council_funded_long_term'").groupby("council").value
    assert (people.mean() > 0).all()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert REGION in json.dumps(manifest)


# --- benchmark sizes ------------------------------------------------------------------------

def test_bench_sizes_small_and_county_are_unchanged():
    assert bench_setup("small").scale == 0.1 and bench_setup("county").scale == 1.0
    assert bench_setup("county").region is None


@pytest.mark.parametrize("size, counties", [("region", 10), ("large", 40)])
def test_bench_region_sizes_scale_the_preset_to_counties_worth(size, counties, params, region):
    setup = bench_setup(size)
    assert setup.region == REGION and SIZES[size].counties == counties
    county, whole = params["county.population_65plus"].sum(), \
        region["county.population_65plus"].sum()
    assert setup.scale == pytest.approx(counties * county / whole)
    assert setup.counties == pytest.approx(counties)
    assert setup.population_65plus == pytest.approx(counties * county)


def test_bench_help_lists_every_size():
    result = invoke("bench", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for size in SIZES:
        assert size in text


def test_cli_bench_region_writes_the_preset_and_scale(tmp_path):
    target = tmp_path / "bench.json"
    result = invoke("bench", "--size", "region", "--scale", "0.03", "--years", "1", "--reps",
                    "1", "--baseline-only", "--json", target)
    assert result.exit_code == 0, result.output
    figures = json.loads(target.read_text())
    assert (figures["size"], figures["region"], figures["councils"], figures["districts"]) \
        == ("region", REGION, 11, 45)
    assert figures["scale"] == 0.03
    assert figures["counties"] == pytest.approx(0.03 * 1_259_400 / 318_000)
    assert figures["resident_weeks_per_s"] > 0
