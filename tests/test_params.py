"""Parameters as data (sim/parameters.py): provenance of every parameter in sim/params,
the loader's checks on bad files, scaling, and ``--set`` assignments."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.dims import FIXED_DIMS
from sim.errors import InputError
from sim.parameters import UNIT_RULES, load_parameters, parse_assignment

PARAMS = load_parameters()
PATHS = PARAMS.paths()
NUMERIC = [p for p in PATHS if PARAMS.spec(p).kind in ("number", "int")]
NUMERIC_SCALARS = [p for p in NUMERIC if not PARAMS.spec(p).dims]


# --- every parameter in sim/params --------------------------------------------------------

def test_the_parameter_files_define_many_parameters_in_every_file():
    files = {Path(PARAMS.spec(p).file).stem for p in PATHS}
    on_disk = {f.stem for f in (Path(__file__).parents[1] / "sim" / "params").glob("*.yaml")}
    assert files == on_disk
    assert len(PATHS) > 100


@pytest.mark.parametrize("path", PATHS)
def test_parameter_has_unit_description_and_provenance(path):
    spec = PARAMS.spec(path)
    assert spec.unit in UNIT_RULES
    assert spec.description and "\n" not in spec.description
    assert path.split(".")[0] == Path(spec.file).stem
    if spec.status == "assumption":
        assert spec.reason and spec.reason.strip()
    else:
        assert spec.source and spec.source.get("title") and spec.source.get("url")
    if spec.source is not None:
        assert str(spec.source["url"]).startswith(("http://", "https://"))


@pytest.mark.parametrize("path", NUMERIC)
def test_numeric_parameter_has_a_plausible_range(path):
    spec = PARAMS.spec(path)
    if spec.dims:
        low, high = spec.range_scale
        assert 0 <= low <= 1 <= high, "the default (scale 1) must lie inside range_scale"
    else:
        low, high = spec.range
        assert low <= high


@pytest.mark.parametrize("path", NUMERIC_SCALARS)
def test_default_lies_inside_its_range(path):
    low, high = PARAMS.spec(path).range
    assert low <= PARAMS[path] <= high


@pytest.mark.parametrize("path", [p for p in PATHS if PARAMS.spec(p).dims])
def test_array_parameter_has_the_shape_of_its_dims(path):
    spec = PARAMS.spec(path)
    shape = tuple(PARAMS.dim_sizes[d] for d in spec.dims)
    assert np.shape(PARAMS[path]) == shape


def test_district_dimension_comes_from_the_district_list():
    assert PARAMS.dim_sizes["district"] == len(PARAMS["county.districts"])
    assert all(PARAMS.dim_sizes[d] == n for d, n in FIXED_DIMS.items())


# --- the loader rejects bad files ------------------------------------------------------

GOOD = """\
group:
  rate:
    value: 0.5
    unit: share
    description: A share of something
    source: {title: A report, url: "https://example.org/report"}
    range: [0.2, 0.8]
  hours:
    value: [0, 8, 16, 32, 80]
    dims: [need_level]
    unit: hours/week
    description: Hours by need level
    status: assumption
    reason: Peer models use these
    range_scale: [0.8, 1.2]
  label:
    value: hello
    unit: label
    description: A label needs no range
    status: assumption
    reason: Any label will do
"""


def _write(folder: Path, text: str, name: str = "demo.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def _problems(folder: Path) -> list:
    with pytest.raises(InputError) as info:
        load_parameters(folder)
    return info.value.problems


def test_a_good_file_loads(tmp_path):
    params = load_parameters(_write(tmp_path, GOOD))
    assert params["demo.group.rate"] == 0.5
    np.testing.assert_array_equal(params["demo.group.hours"], [0, 8, 16, 32, 80])
    assert params.spec("demo.group.hours").dims == ("need_level",)
    assert params.spec("demo.group.rate").range == (0.2, 0.8)


def _edit(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


BAD = {
    "missing unit": (_edit("    unit: share\n", ""), "demo.group.rate", "unit"),
    "unknown unit": (_edit("unit: share", "unit: GBP/fortnight"), "demo.group.rate",
                     "GBP/fortnight"),
    "missing description": (_edit("    description: A share of something\n", ""),
                            "demo.group.rate", "description"),
    "missing source": (_edit('    source: {title: A report, url: "https://example.org/report"}\n',
                             ""), "demo.group.rate", "source"),
    "source without url": (_edit('url: "https://example.org/report"', "year: 2024"),
                           "demo.group.rate", "url"),
    "assumption without reason": (_edit("    reason: Peer models use these\n", ""),
                                  "demo.group.hours", "reason"),
    "unknown status": (_edit("status: assumption\n    reason: Peer",
                             "status: guess\n    reason: Peer"), "demo.group.hours", "guess"),
    "missing range": (_edit("    range: [0.2, 0.8]\n", ""), "demo.group.rate", "range"),
    "range the wrong way round": (_edit("range: [0.2, 0.8]", "range: [0.8, 0.2]"),
                                  "demo.group.rate", "range"),
    "range instead of range_scale": (_edit("range_scale: [0.8, 1.2]", "range: [0, 100]"),
                                     "demo.group.hours", "range_scale"),
    "wrong shape for dims": (_edit("value: [0, 8, 16, 32, 80]", "value: [0, 8, 16]"),
                             "demo.group.hours", "5 need_level"),
    "unknown dimension": (_edit("dims: [need_level]", "dims: [planet]"), "demo.group.hours",
                          "planet"),
    "unknown key": (_edit("    range: [0.2, 0.8]\n", "    range: [0.2, 0.8]\n    colour: red\n"),
                    "demo.group.rate", "colour"),
    "misspelt key": (_edit("description: A share", "descripton: A share"),
                     "demo.group.rate", "descripton"),
    "value outside the unit's bounds": (_edit("value: 0.5", "value: 1.5"), "demo.group.rate",
                                        "between 0 and 1"),
    "text for a number": (_edit("value: 0.5", "value: half"), "demo.group.rate", "number"),
    "bad timing": (_edit("    range: [0.2, 0.8]\n", "    range: [0.2, 0.8]\n    timing: never\n"),
                   "demo.group.rate", "timing"),
    "leaf without value": (GOOD + "loose: 3\n", "demo.loose", "value"),
}


@pytest.mark.parametrize("case", BAD)
def test_loader_rejects(tmp_path, case):
    text, path, words = BAD[case]
    problems = _problems(_write(tmp_path, text))
    mine = [p for p in problems if p.key == path]
    assert mine, f"no problem reported for {path}: {problems}"
    assert all(p.file.endswith("demo.yaml") for p in problems)
    assert any(words in p.message for p in mine), [p.message for p in mine]


def test_loader_rejects_a_duplicate_key_with_its_line(tmp_path):
    text = GOOD.replace("  label:\n", "  rate:\n    value: 0.1\n  label:\n", 1)
    problems = _problems(_write(tmp_path, text))
    assert len(problems) == 1
    problem = problems[0]
    assert problem.key == "rate" and "duplicate" in problem.message
    assert problem.file.endswith("demo.yaml")
    assert problem.line == text.splitlines().index("  rate:", 2) + 1
    assert "line 2" in problem.message


def test_loader_rejects_malformed_yaml_with_a_line(tmp_path):
    problems = _problems(_write(tmp_path, "group:\n  rate: [1, 2\n  other: 3\n"))
    assert "malformed YAML" in problems[0].message and problems[0].line is not None


def test_loader_reports_every_problem_in_every_file_at_once(tmp_path):
    _write(tmp_path, _edit("    unit: share\n", ""), "one.yaml")
    _write(tmp_path, _edit("    reason: Peer models use these\n", ""), "two.yaml")
    problems = _problems(tmp_path)
    assert {(Path(p.file).name, p.key) for p in problems} >= {
        ("one.yaml", "one.group.rate"), ("two.yaml", "two.group.hours")}


def test_loader_rejects_an_empty_folder(tmp_path):
    assert "no parameter files" in _problems(tmp_path)[0].message


def test_a_file_that_is_not_a_mapping_is_rejected(tmp_path):
    problems = _problems(_write(tmp_path, "- just\n- a list\n"))
    assert problems[0].file.endswith("demo.yaml")


# --- scaling ------------------------------------------------------------------------

def test_scaled_multiplies_only_extensive_parameters():
    scaled = PARAMS.scaled(0.1)
    extensive = [p for p in PATHS if PARAMS.spec(p).extensive]
    assert extensive, "some parameters must scale with the county"
    for path in PATHS:
        before, after = PARAMS[path], scaled[path]
        if PARAMS.spec(path).extensive:
            np.testing.assert_allclose(after, np.asarray(before) * 0.1, err_msg=path)
        elif isinstance(before, np.ndarray):
            np.testing.assert_array_equal(after, before, err_msg=path)
        else:
            assert after == before, path


@pytest.mark.parametrize("path", ["county.population_65plus", "care_homes.initial_beds",
                                  "care_homes.initial_homes", "homecare.initial_council_hours",
                                  "commissioner.assessment_capacity_per_week",
                                  "commissioner.budget_first_year"])
def test_county_sized_quantities_are_extensive(path):
    assert PARAMS.spec(path).extensive


@pytest.mark.parametrize("path", ["charging.capital_upper_limit",
                                  "commissioner.fee_homecare_hourly",
                                  "economy.national_living_wage", "care_homes.target_occupancy"])
def test_prices_limits_and_rates_are_not_extensive(path):
    assert not PARAMS.spec(path).extensive


def test_scaled_leaves_the_original_alone_and_scale_one_is_identity():
    before = PARAMS["care_homes.initial_beds"]
    PARAMS.scaled(0.5)
    assert PARAMS["care_homes.initial_beds"] == before
    assert PARAMS.scaled(1) is PARAMS


# --- --set assignments --------------------------------------------------------------

@pytest.mark.parametrize("text, path, value", [
    ("commissioner.fee_homecare_hourly=27.5", "commissioner.fee_homecare_hourly", 27.5),
    ("commissioner.fee_homecare_hourly = 28", "commissioner.fee_homecare_hourly", 28.0),
    ("commissioner.eligibility_threshold=2", "commissioner.eligibility_threshold", 2),
    ("commissioner.budget_pressure_rule=true", "commissioner.budget_pressure_rule", True),
])
def test_parse_assignment_accepts(text, path, value):
    got_path, got = parse_assignment(text, PARAMS)
    assert got_path == path and got == value and type(got) is type(value)


def test_parse_assignment_accepts_an_array_of_the_right_shape():
    n = PARAMS.dim_sizes["need_level"]
    _, got = parse_assignment(f"pathway.request_hazard={[0.5] * n}", PARAMS)
    np.testing.assert_array_equal(got, [0.5] * n)


def test_parse_assignment_suggests_the_path_meant():
    with pytest.raises(InputError) as info:
        parse_assignment("commissioner.fee_homecare_hourli=27", PARAMS)
    problem = info.value.problems[0]
    assert problem.file == "--set" and problem.key == "commissioner.fee_homecare_hourli"
    assert "did you mean" in problem.message
    assert "commissioner.fee_homecare_hourly" in problem.message


@pytest.mark.parametrize("text, words", [
    ("commissioner.fee_homecare_hourly=abc", "expected a number"),
    ("commissioner.fee_homecare_hourly=true", "expected a number"),
    ("commissioner.fee_homecare_hourly=[1, 2]", "expected a number"),
    ("commissioner.fee_homecare_hourly=-1", "at least 0"),
    ("commissioner.fee_homecare_hourly=.nan", "finite"),
    ("commissioner.eligibility_threshold=2.5", "whole"),
    ("commissioner.eligibility_threshold=7", "between 0 and 4"),
    ("commissioner.budget_pressure_rule=1", "true or false"),
    ("pathway.request_hazard=[1, 2]", "shaped"),
    ("commissioner.fee_homecare_hourly", "path=value"),
])
def test_parse_assignment_rejects_wrong_types(text, words):
    with pytest.raises(InputError) as info:
        parse_assignment(text, PARAMS)
    assert words in info.value.problems[0].message


def test_a_distribution_that_does_not_sum_to_one_is_refused(params):
    with pytest.raises(InputError) as err:
        parse_assignment("need.onset_level_shares=[0, 0.5, 0.5, 0.5, 0]", params)
    assert "sum to 1" in str(err.value) and "need.onset_level_shares" in str(err.value)
    path, value = parse_assignment("need.onset_level_shares=[0, 0.5, 0.3, 0.2, 0]", params)
    assert value.sum() == pytest.approx(1.0)
