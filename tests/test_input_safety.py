"""Input files are data only: no YAML tag runs code, no document can blow up memory or
nest without end, odd values are refused at their line, and scenario names (also those
--sweep derives) are safe file names. The crashes the fuzz tests found stay fixed."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fuzz_strategies import BOMB, END, PARAMS, START

import cli
from sim.calibration.targets import load_targets
from sim.errors import InputError
from sim.parameters import parse_assignment
from sim.scenario import MAX_NAME_LENGTH, NAME_PATTERN, load_scenarios, safe_name
from sim.sweep import sweep_scenarios
from sim.yamlio import MAX_BYTES, MAX_DEPTH, load_yaml

SCENARIO = "name: fuzz\nlabel: Fuzz\ndescription: A test.\n"
TARGETS = ("name: fuzz\ndescription: A test.\nparameters: [pathway.request_hazard]\n"
           "targets:\n  requests:\n    metric: requests\n    period: 2025-26\n"
           "    value: 26000\n    tolerance: 0.3\n"
           "    source: {title: A source, url: 'https://example.org'}\n")
FEE = "commissioner.fee_homecare_hourly"


def _write(folder: Path, text: str, name: str = "input.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(call) -> list:
    with pytest.raises(InputError) as caught:
        call()
    return caught.value.problems


def _scenario_problems(path: Path) -> list:
    return _problems(lambda: load_scenarios([path], PARAMS, START, END))


# --- nothing is executed -----------------------------------------------------------------

def _tagged(marker: Path) -> str:
    return f"x: !!python/object/apply:os.system ['touch {marker}']\n"


def test_a_python_tag_in_a_scenario_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "X"
    path = _write(tmp_path, SCENARIO + _tagged(marker))
    [problem] = _scenario_problems(path)
    assert problem.file == str(path) and problem.line == 4
    assert "not allowed" in problem.message and "python/object/apply" in problem.message
    result = CliRunner().invoke(cli.main, ["validate", str(path)])
    assert result.exit_code == 1 and "not allowed" in result.stderr
    assert not marker.exists()


def test_a_python_tag_in_a_targets_file_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "X"
    path = _write(tmp_path, TARGETS + _tagged(marker))
    [problem] = _problems(lambda: load_targets(path))
    assert problem.file == str(path) and "not allowed" in problem.message
    assert not marker.exists()


def test_a_python_tag_in_a_set_value_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "X"
    [problem] = _problems(lambda: parse_assignment(
        f"{FEE}=!!python/object/apply:os.system ['touch {marker}']", PARAMS))
    assert problem.file == "--set" and problem.key == FEE and "not allowed" in problem.message
    assert not marker.exists()


@pytest.mark.parametrize("text", ["a: !!python/name:os.system\n", "a: !custom 1\n",
                                  "!!python/object/new:os.system [echo]\n"])
def test_every_non_standard_tag_is_refused(tmp_path, text):
    [problem] = _problems(lambda: load_yaml(_write(tmp_path, text)))
    assert "not allowed" in problem.message and "plain data" in problem.message


# --- no document blows up memory or nests without end ------------------------------------

@pytest.mark.parametrize("kind", ["scenario", "targets"])
def test_an_alias_bomb_is_refused_quickly(tmp_path, kind):
    text = (SCENARIO if kind == "scenario" else TARGETS) + BOMB
    path = _write(tmp_path, text)
    load = (lambda: load_scenarios([path], PARAMS, START, END)) if kind == "scenario" \
        else (lambda: load_targets(path))
    started = time.perf_counter()
    [problem] = _problems(load)
    assert time.perf_counter() - started < 2
    assert problem.file == str(path) and problem.line is not None
    assert "aliases" in problem.message and "100,000 values" in problem.message


def test_an_alias_bomb_in_a_set_value_is_refused():
    bomb = "[" + ",".join(["&a [" + ",".join(["1"] * 50) + "]"] + ["*a"] * 3000) + "]"
    [problem] = _problems(lambda: parse_assignment(f"{FEE}={bomb}", PARAMS))
    assert problem.file == "--set" and "aliases" in problem.message


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n"])
def test_a_recursive_alias_is_refused(tmp_path, text):
    [problem] = _problems(lambda: load_yaml(_write(tmp_path, text)))
    assert "recursive" in problem.message and problem.line == 1


def test_deep_nesting_is_refused_at_its_line(tmp_path):
    text = SCENARIO + "x: " + "[" * 5000 + "]" * 5000 + "\n"
    [problem] = _scenario_problems(_write(tmp_path, text))
    assert f"more than {MAX_DEPTH} levels" in problem.message and problem.line == 4


def test_a_file_beyond_the_size_limit_is_refused_without_reading_it_all(tmp_path):
    path = _write(tmp_path, SCENARIO + "description: " + "x" * MAX_BYTES + "\n")
    [problem] = _scenario_problems(path)
    assert f"more than {MAX_BYTES:,} bytes" in problem.message
    [problem] = _problems(lambda: load_yaml("/dev/zero"))
    assert "bytes" in problem.message


# --- odd values are refused at their line ------------------------------------------------

@pytest.mark.parametrize("value, words", [
    ("2026-02-30", "day is out of range"), ("0000-01-01", "year 0"),
    ("!!int abc", "a whole number"), ("!!bool x", "true or false"),
    ("!!timestamp x", "a date"), ("2026-04-01 25:00:00", "hour")])
def test_a_value_yaml_cannot_read_is_refused_at_its_line(tmp_path, value, words):
    [problem] = _scenario_problems(_write(tmp_path, SCENARIO + f"stress_test: {value}\n"))
    assert problem.line == 4 and "cannot read the value" in problem.message
    assert words in problem.message


@pytest.mark.parametrize("text", ["? [a, b]\n: 1\n", "? {a: 1}\n: 1\n"])
def test_a_list_or_mapping_as_a_key_is_refused(tmp_path, text):
    [problem] = _scenario_problems(_write(tmp_path, SCENARIO + text))
    assert "keys must be plain" in problem.message and problem.line == 4


@pytest.mark.parametrize("content", [b"\xff\xfe\x00junk", b"name: \x00\n"])
def test_binary_junk_is_refused(tmp_path, content):
    path = tmp_path / "junk.yaml"
    path.write_bytes(content)
    [problem] = _scenario_problems(path)
    assert problem.file == str(path) and "\n" not in problem.message


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", str(10 ** 400), "1.0e+308"])
def test_non_finite_and_huge_numbers_are_refused_for_whole_number_parameters(tmp_path, value):
    param = next(p for p in PARAMS.paths() if PARAMS.spec(p).kind == "int"
                 and not PARAMS.spec(p).dims)
    text = SCENARIO + f"changes:\n  - {{param: {param}, value: {value}, source: s}}\n"
    [problem] = _scenario_problems(_write(tmp_path, text))
    assert problem.key.startswith("changes[0]") and problem.key.endswith(".value")
    assert len(problem.message) < 300


def test_a_huge_integer_fee_is_refused():
    [problem] = _problems(lambda: parse_assignment(f"{FEE}={10 ** 400}", PARAMS))
    assert "finite" in problem.message and len(problem.message) < 300


def test_a_start_date_beyond_the_calendar_is_refused():
    [problem] = _problems(lambda: parse_assignment("run.start_date=9999-12-31", PARAMS))
    assert "1900-01-01 to 2199-12-31" in problem.message


def test_a_nan_intervention_argument_is_refused(tmp_path):
    text = SCENARIO + "interventions:\n  - {which: block_contract, service: homecare, " \
        "amount: .nan}\n"
    [problem] = _scenario_problems(_write(tmp_path, text))
    assert "amount" in problem.key and "finite" in problem.message


def test_an_unreadable_scenario_path_is_refused(tmp_path):
    [problem] = _problems(lambda: load_scenarios(["a" * 5000], PARAMS, START, END))
    assert "too long" in problem.message and len(problem.file) <= 120


@pytest.mark.parametrize("value, words", [(str(10 ** 400), "finite"),
                                           ("1.0e+308", "too large")])
def test_a_huge_target_value_is_refused(tmp_path, value, words):
    path = _write(tmp_path, TARGETS.replace("26000", value).replace("0.3", "5"))
    problems = _problems(lambda: load_targets(path))
    assert any(words in p.message and p.key.startswith("targets.requests")
               for p in problems)


@pytest.mark.parametrize("period", ["9999-00", "0000-01"])
def test_a_financial_year_beyond_the_calendar_is_refused(tmp_path, period):
    path = _write(tmp_path, TARGETS.replace("2025-26", period))
    [problem] = _problems(lambda: load_targets(path))
    assert problem.key == "targets.requests.period" and "financial year" in problem.message


def test_periods_that_need_a_run_of_centuries_are_refused(tmp_path):
    targets = load_targets(_write(tmp_path, TARGETS.replace("2025-26", "2998-99")))
    [problem] = _problems(lambda: targets.check_run(START, targets.weeks_needed(START)))
    assert problem.key == "targets" and "at most 100 years" in problem.message


# --- scenario names are safe file names --------------------------------------------------

@pytest.mark.parametrize("name", ["a" * (MAX_NAME_LENGTH + 1), "../escape", "a/b", "a.b",
                                  "ünï", "", "Fee"])
def test_unsafe_scenario_names_are_refused(tmp_path, name):
    text = f"name: '{name}'\nlabel: L\ndescription: D.\n"
    [problem] = _scenario_problems(_write(tmp_path, text))
    assert problem.key == "name" and f"at most {MAX_NAME_LENGTH} characters" in \
        problem.message


def test_the_longest_name_is_accepted(tmp_path):
    name = "a" * MAX_NAME_LENGTH
    _, scenario = load_scenarios([_write(tmp_path, f"name: {name}\nlabel: L\n"
                                          "description: D.\n")], PARAMS, START, END)
    assert scenario.name == name


@pytest.mark.parametrize("text", ["fee=25.5", "Ünïcödé/../x", "a" * 300, "7", ""])
def test_safe_name_makes_valid_names(text):
    assert NAME_PATTERN.fullmatch(safe_name(text))


def test_long_derived_names_stay_apart():
    first, second = safe_name("a" * 100 + "1"), safe_name("a" * 100 + "2")
    assert first != second and len(first) == MAX_NAME_LENGTH


def test_sweep_names_are_safe_and_distinct():
    scenarios = sweep_scenarios([f"{FEE}=25.5,0.3,0,1000000,1000001",
                                 "commissioner.fee_residential_weekly=800,900.5",
                                 "run.start_date=2025-04-01,2026-04-06"], PARAMS)
    names = [s.name for s in scenarios]
    assert len(names) == len(set(names)) == 5 * 2 * 2
    assert all(NAME_PATTERN.fullmatch(n) for n in names)
    assert "sweep_fee_homecare_hourly_25p5" in names[0]


def test_a_sweep_of_dates_is_accepted():
    [one, two] = sweep_scenarios(["run.start_date=2025-04-01,2026-04-06"], PARAMS)
    assert one.changes[0].value == dt.date(2025, 4, 1) and two.name.endswith("2026m04m06")
