"""Scenario files (sim/scenario.py): strict validation, inheritance, the baseline."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.calendar import april_weeks, effective_week, run_end, week_dates, week_financial_year
from sim.errors import InputError
from sim.parameters import load_parameters
from sim.scenario import BASELINE, load_scenarios

PARAMS = load_parameters()
START = dt.date(2025, 4, 1)
END = run_end(START, 5 * 52)          # the day after the last simulated day
FEE = "commissioner.fee_homecare_hourly"
SETUP_PARAM = next(p for p in PARAMS.paths() if PARAMS.spec(p).timing == "setup"
                   and PARAMS.spec(p).kind == "number" and not PARAMS.spec(p).dims
                   and not p.startswith("appraisal."))


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _scenario(name: str, changes: str = "", extends: str | None = None, extra: str = "") -> str:
    text = f"name: {name}\nlabel: {name} label\ndescription: What {name} tests.\n"
    if extends:
        text += f"extends: {extends}\n"
    text += extra
    if changes:
        text += "changes:\n" + textwrap.indent(textwrap.dedent(changes), "  ")
    return text


def _change(param: str = FEE, value="28.0", when: str | None = "2026-04-01",
            unit: str | None = None, source: str = "A source") -> str:
    text = f"- param: {param}\n  value: {value}\n"
    if unit:
        text += f"  unit: {unit}\n"
    if when:
        text += f"  from: {when}\n"
    return text + f"  source: {source}\n"


def _load(*files: Path):
    return load_scenarios(list(files), PARAMS, START, END)


def _problems(*files: Path):
    with pytest.raises(InputError) as info:
        _load(*files)
    return info.value.problems


# --- a valid file --------------------------------------------------------------------

def test_a_valid_file_with_a_dated_change(tmp_path):
    text = _scenario("fee_uplift", _change(unit="GBP/hour")).replace(
        "source: A source", "source: {title: Homecare Association, url: 'https://example.org'}")
    baseline, scenario = _load(_write(tmp_path, "fee_uplift", text))
    assert baseline.name == BASELINE and baseline.changes == []
    assert scenario.name == "fee_uplift" and scenario.extends == BASELINE
    assert scenario.label == "fee_uplift label"
    [change] = scenario.changes
    assert change.param == FEE and change.value == 28.0
    assert change.start == dt.date(2026, 4, 1)
    assert "Homecare Association" in change.source and "https://example.org" in change.source
    assert change.file.endswith("fee_uplift.yaml")


def test_a_change_without_a_date_applies_from_the_start(tmp_path):
    _, scenario = _load(_write(tmp_path, "s", _scenario("s", _change(when=None))))
    assert scenario.changes[0].start is None


def test_a_folder_means_every_scenario_file_in_it(tmp_path):
    _write(tmp_path, "a", _scenario("a", _change()))
    _write(tmp_path, "b", _scenario("b", _change(value="29.0")))
    assert [s.name for s in load_scenarios([tmp_path], PARAMS, START, END)] == \
        [BASELINE, "a", "b"]


# --- the baseline --------------------------------------------------------------------

def test_baseline_is_included_and_first_even_without_a_baseline_file(tmp_path):
    scenarios = _load(_write(tmp_path, "z", _scenario("z", _change())))
    assert [s.name for s in scenarios] == [BASELINE, "z"]
    assert scenarios[0].is_baseline and not scenarios[1].is_baseline


def test_a_baseline_file_comes_first_whatever_the_order(tmp_path):
    other = _write(tmp_path, "a", _scenario("a", _change()))
    base = _write(tmp_path, "baseline", _scenario(BASELINE))
    scenarios = _load(other, base)
    assert [s.name for s in scenarios] == [BASELINE, "a"]
    assert scenarios[0].file.endswith("baseline.yaml") and scenarios[0].changes == []


def test_a_baseline_file_with_changes_is_rejected(tmp_path):
    [problem] = _problems(_write(tmp_path, "baseline", _scenario(BASELINE, _change())))
    assert problem.file.endswith("baseline.yaml") and problem.key == "changes"
    assert "defaults" in problem.message


def test_the_repository_scenarios_load():
    folder = Path(__file__).parents[1] / "scenarios"
    scenarios = load_scenarios([folder], PARAMS, START, run_end(START, 10 * 52))
    assert scenarios[0].name == BASELINE and scenarios[0].changes == []
    assert len(scenarios) >= 2


# --- extends -------------------------------------------------------------------------

def test_extends_chain_inherits_the_parents_changes_first(tmp_path):
    grand = _write(tmp_path, "grand", _scenario("grand", _change(value="26.0")))
    parent = _write(tmp_path, "parent", _scenario(
        "parent", _change(param="commissioner.fee_residential_weekly", value="800.0"),
        extends="grand"))
    child = _write(tmp_path, "child", _scenario("child", _change(value="30.0"),
                                                extends="parent"))
    by_name = {s.name: s for s in _load(child, parent, grand)}
    assert [(c.param, c.value) for c in by_name["child"].changes] == [
        (FEE, 26.0), ("commissioner.fee_residential_weekly", 800.0), (FEE, 30.0)]
    assert [c.file for c in by_name["child"].changes] == [str(grand), str(parent), str(child)]
    assert by_name["child"].extends == "parent"
    assert len(by_name["parent"].changes) == 2 and len(by_name["grand"].changes) == 1


def test_extends_baseline_inherits_nothing(tmp_path):
    _, s = _load(_write(tmp_path, "s", _scenario("s", _change(), extends=BASELINE)))
    assert len(s.changes) == 1


def test_circular_extends_is_rejected(tmp_path):
    a = _write(tmp_path, "a", _scenario("a", _change(), extends="b"))
    b = _write(tmp_path, "b", _scenario("b", _change(), extends="a"))
    problems = _problems(a, b)
    assert problems and all(p.key == "extends" and "circular" in p.message for p in problems)
    assert any("a -> b -> a" in p.message for p in problems)


def test_a_scenario_extending_itself_is_circular(tmp_path):
    problems = _problems(_write(tmp_path, "a", _scenario("a", _change(), extends="a")))
    assert "circular" in problems[0].message


def test_extends_an_unknown_scenario(tmp_path):
    [problem] = _problems(_write(tmp_path, "a", _scenario("a", _change(), extends="nope")))
    assert problem.key == "extends" and "'nope'" in problem.message


def test_a_parents_problem_is_reported_once(tmp_path):
    parent = _write(tmp_path, "parent", _scenario("parent", _change(unit="GBP/week")))
    child = _write(tmp_path, "child", _scenario("child", _change(), extends="parent"))
    [problem] = _problems(parent, child)
    assert problem.file.endswith("parent.yaml") and problem.key.endswith(".unit")


def test_two_files_with_the_same_name_are_rejected(tmp_path):
    one = _write(tmp_path, "one", _scenario("same", _change()))
    two = _write(tmp_path, "two", _scenario("same", _change()))
    [problem] = _problems(one, two)
    assert problem.file.endswith("two.yaml") and problem.key == "name"


# --- one problem per file --------------------------------------------------------------

def test_unknown_top_level_key(tmp_path):
    text = _scenario("s", _change(), extra="colour: blue\n")
    [problem] = _problems(_write(tmp_path, "s", text))
    assert problem.key == "colour" and "unknown key" in problem.message
    assert "changes" in problem.message     # lists the valid keys


def test_unknown_key_inside_a_change(tmp_path):
    text = _scenario("s", _change() + "  until: 2027-04-01\n")
    [problem] = _problems(_write(tmp_path, "s", text))
    assert problem.key.startswith("changes[0]") and FEE in problem.key
    assert problem.key.endswith("until") and "unknown key" in problem.message
    assert "from" in problem.message


def test_missing_required_key(tmp_path):
    text = _scenario("s", _change()).replace("label: s label\n", "")
    [problem] = _problems(_write(tmp_path, "s", text))
    assert problem.key == "label" and "missing" in problem.message


def test_a_change_needs_a_source(tmp_path):
    text = _scenario("s", _change().replace("  source: A source\n", ""))
    [problem] = _problems(_write(tmp_path, "s", text))
    assert problem.key.endswith("source") and "missing" in problem.message


@pytest.mark.parametrize("name", ["Fee_Uplift", "fee uplift", "1st", "fee-uplift"])
def test_scenario_names_are_lower_case_identifiers(tmp_path, name):
    text = _scenario("x", _change()).replace("name: x", f"name: '{name}'")
    [problem] = _problems(_write(tmp_path, "s", text))
    assert problem.key == "name"


@pytest.mark.parametrize("typo", ["commissioner.fee_homecare_hour",
                                  "comissioner.fee_homecare_hourly",
                                  "commissioner.fee_homecare_hourli"])
def test_unknown_parameter_path_suggests_the_right_one(tmp_path, typo):
    [problem] = _problems(_write(tmp_path, "s", _scenario("s", _change(param=typo))))
    assert typo in problem.key and "unknown parameter" in problem.message
    assert "did you mean" in problem.message and FEE in problem.message


def test_wrong_unit(tmp_path):
    [problem] = _problems(_write(tmp_path, "s", _scenario("s", _change(unit="GBP/week"))))
    assert problem.key.endswith(".unit")
    assert "GBP/hour" in problem.message and "GBP/week" in problem.message


@pytest.mark.parametrize("value, words", [("lots", "number"), ("-3", "at least 0"),
                                           ("[28, 29]", "number")])
def test_wrong_value(tmp_path, value, words):
    [problem] = _problems(_write(tmp_path, "s", _scenario("s", _change(value=value))))
    assert problem.key.endswith(".value") and words in problem.message


@pytest.mark.parametrize("when", ["2025-03-31", "2001-01-01", END.isoformat(), "2040-04-01"])
def test_date_outside_the_run(tmp_path, when):
    [problem] = _problems(_write(tmp_path, "s", _scenario("s", _change(when=when))))
    assert problem.key.endswith(".from") and "outside the run" in problem.message


@pytest.mark.parametrize("when", [START.isoformat(), (END - dt.timedelta(days=1)).isoformat()])
def test_first_and_last_day_of_the_run_are_inside(tmp_path, when):
    _, s = _load(_write(tmp_path, "s", _scenario("s", _change(when=when))))
    assert s.changes[0].start == dt.date.fromisoformat(when)


def test_a_bad_date_is_rejected(tmp_path):
    [problem] = _problems(_write(tmp_path, "s", _scenario("s", _change(when="next April"))))
    assert problem.key.endswith("from")


def test_a_setup_parameter_cannot_change_after_the_start(tmp_path):
    value = PARAMS[SETUP_PARAM]
    late = _write(tmp_path, "late", _scenario("late", _change(SETUP_PARAM, value, "2026-04-01")))
    [problem] = _problems(late)
    assert SETUP_PARAM in problem.key and problem.key.endswith(".from")
    assert "only read when the run starts" in problem.message


@pytest.mark.parametrize("when", [START.isoformat(), None])
def test_a_setup_parameter_can_change_from_the_start(tmp_path, when):
    text = _scenario("early", _change(SETUP_PARAM, PARAMS[SETUP_PARAM], when))
    _, scenario = _load(_write(tmp_path, "early", text))
    assert scenario.changes[0].param == SETUP_PARAM


def test_duplicate_key_names_its_line(tmp_path):
    text = _scenario("s", _change()).replace("label: s label\n",
                                             "label: s label\nlabel: again\n")
    [problem] = _problems(_write(tmp_path, "s", text))
    assert problem.key == "label" and "duplicate" in problem.message
    assert problem.line == 3 and "line 2" in problem.message
    assert problem.file.endswith("s.yaml")


def test_malformed_yaml_names_its_line(tmp_path):
    [problem] = _problems(_write(tmp_path, "s", "name: s\nlabel: [unclosed\ndescription: x\n"))
    assert "malformed YAML" in problem.message and problem.line is not None
    assert problem.file.endswith("s.yaml")


def test_a_file_that_is_not_a_mapping(tmp_path):
    [problem] = _problems(_write(tmp_path, "s", "- just a list\n"))
    assert problem.file.endswith("s.yaml")


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no such scenario file"):
        load_scenarios([tmp_path / "nope.yaml"], PARAMS, START, END)
    with pytest.raises(InputError, match="no scenario files"):
        load_scenarios([tmp_path], PARAMS, START, END)


# --- every problem at once ------------------------------------------------------------

def test_every_problem_in_every_file_is_reported_at_once(tmp_path):
    files = [
        _write(tmp_path, "unknown_key", _scenario("unknown_key", _change(),
                                                  extra="colour: blue\n")),
        _write(tmp_path, "bad_changes", _scenario(
            "bad_changes",
            _change(param="commissioner.fee_homecare_hour")
            + _change(unit="GBP/week")
            + _change(when="2040-01-01")
            + _change(value="lots"))),
        _write(tmp_path, "duplicate", "name: duplicate\nname: again\n"),
        _write(tmp_path, "malformed", "name: [oops\n"),
        _write(tmp_path, "baseline", _scenario(BASELINE, _change())),
        _write(tmp_path, "fine", _scenario("fine", _change())),
    ]
    problems = _problems(*files)
    by_file = {}
    for problem in problems:
        by_file.setdefault(Path(problem.file).stem, []).append(problem)
    assert set(by_file) == {"unknown_key", "bad_changes", "duplicate", "malformed", "baseline"}
    assert len(by_file["bad_changes"]) == 4
    assert [p.key.split(" ")[0] for p in by_file["bad_changes"]] == [
        "changes[0]", "changes[1]", "changes[2]", "changes[3]"]
    assert len(problems) == len(set(problems)), "no problem reported twice"
    message = str(InputError(problems))
    for stem in by_file:
        assert f"{stem}.yaml" in message


# --- when a dated change takes effect -------------------------------------------------------

def test_a_change_dated_1_april_takes_effect_with_the_new_financial_year():
    """Regression: the week a dated change takes effect and the week the April fee uplift
    runs once followed different rules, so a fee dated 1 April was uplifted a week later."""
    dates = week_dates(START, 20 * 52)
    new_year_weeks = [int(w) for w in np.flatnonzero(april_weeks(dates))]
    dated = [effective_week(START, dt.date(START.year + k, 4, 1)) for k in range(1, 20)]
    assert dated == new_year_weeks


@pytest.mark.parametrize("start", [dt.date(2025, 4, 1), dt.date(2025, 1, 6), dt.date(2024, 4, 3)])
def test_a_dated_change_takes_effect_in_the_first_week_labelled_on_or_after_it(start):
    dates = week_dates(start, 3 * 52)
    for offset in range(1, 3 * 52 * 7 - 7):
        date = start + dt.timedelta(days=offset)
        week = effective_week(start, date)
        middle = dates[week] + dt.timedelta(days=3)
        assert middle >= date
        assert week == 0 or dates[week - 1] + dt.timedelta(days=3) < date


@pytest.mark.parametrize("days, week", [(-30, 0), (0, 0), (1, 0), (3, 0), (4, 1), (10, 1),
                                        (11, 2)])
def test_effective_week(days, week):
    assert effective_week(START, START + dt.timedelta(days=days)) == week


def test_the_first_run_year_has_52_weeks():
    dates = week_dates(START, 60)
    assert [week_financial_year(d) for d in dates].count("2025-26") == 52


# --- expectations of a client group's row ----------------------------------------------

def test_an_expectation_may_name_a_client_groups_row(tmp_path):
    text = _scenario("moves", _change(), extra="expect:\n  people_waiting[autism]: down\n"
                     "  council_spend: up\n")
    _, scenario = _load(_write(tmp_path, "moves", text))
    assert scenario.expect == {"people_waiting[autism]": "down", "council_spend": "up"}


@pytest.mark.parametrize("key, message", [
    ("people_waiting[autistic]", "unknown client group 'autistic'; valid: older_people"),
    ("requests[autism]", "requests is not recorded by client group; those that are: "
                         "council_spend"),
    ("people_wating[autism]", "unknown metric; did you mean people_waiting?"),
])
def test_a_bad_client_group_expectation_is_one_problem_naming_its_key(tmp_path, key, message):
    text = _scenario("moves", _change(), extra=f"expect:\n  {key}: down\n")
    (problem,) = _problems(_write(tmp_path, "moves", text))
    assert problem.key == f"expect.{key}" and message in problem.message
