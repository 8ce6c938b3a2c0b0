"""Calibration inputs: targets files, the parameters that vary, and the command line's
errors (one line naming the file and key, exit code 1, nothing written)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cli
import sim.calibration.plan as calibration_plan
from sim.calibration import sensitivity_plan
from sim.calibration.space import MULTIPLIER, VALUE, build_space, default_paths
from sim.calibration.targets import SDS_PER_TOLERANCE, load_targets, parse_period
from sim.calibration.weekly import Weekly
from sim.dims import CLIENT_GROUPS
from sim.errors import InputError
from sim.metrics import BY_GROUP, INDEX

ROOT = Path(__file__).resolve().parent.parent
ESSEX = ROOT / "calibration" / "essex.yaml"
START = dt.date(2025, 4, 1)
TARGET = """\
    metric: requests
    period: 2025-26
    value: 26000
    tolerance: 0.3
    source: {title: Essex Provider Hub, url: "https://www.essexproviderhub.org/"}
"""


def targets_file(folder: Path, body: str = TARGET, extra: str = "") -> Path:
    path = folder / "targets.yaml"
    path.write_text(f"name: test\ndescription: A test.\n{extra}targets:\n  requests:\n{body}",
                    encoding="utf-8")
    return path


def problems(call) -> list[str]:
    with pytest.raises(InputError) as caught:
        call()
    return [str(p) for p in caught.value.problems]


def test_the_essex_file_loads_and_covers_the_calibration_band_figures(params):
    targets = load_targets(ESSEX)
    metrics = {t.metric for t in targets.targets}
    # the figures tests/test_calibration_bands.py checks, and more
    assert {"council_funded_long_term", "care_homes_open", "care_home_beds",
            "council_homecare_hours", "council_spend"} <= metrics
    assert len(targets.targets) >= 12
    assert all(t.source["title"] and t.source["url"].startswith("https://")
               for t in targets.targets)
    assert targets.weeks_needed(params["run.start_date"]) == 52
    build_space(list(targets.parameters), params, "essex")  # its parameters can vary


def test_the_essex_figures_about_older_people_read_their_rows():
    by_group = {t.name: t.group for t in load_targets(ESSEX).targets
                if t.metric in BY_GROUP}
    # care_home_share is a figure for adults of all ages: it reads the county's total
    assert by_group == {"long_term_support": "older_people", "care_home_share": None,
                        "spend_care_homes": "older_people", "spend_homecare": "older_people",
                        "council_spend": "older_people"}


def test_a_tolerance_is_two_standard_deviations(tmp_path):
    (target,) = load_targets(targets_file(tmp_path)).targets
    assert target.sd == pytest.approx(0.3 * 26000 / SDS_PER_TOLERANCE)
    assert target.fits(26000 + 2 * target.sd) and not target.fits(26000 + 2.01 * target.sd)


@pytest.mark.parametrize(("text", "first", "last", "is_date"), [
    ("2025-26", dt.date(2025, 4, 1), dt.date(2026, 3, 31), False),
    (dt.date(2026, 3, 31), dt.date(2026, 3, 31), dt.date(2026, 3, 31), True),
    ("2025-04-01 to 2025-06-30", dt.date(2025, 4, 1), dt.date(2025, 6, 30), False),
])
def test_periods(text, first, last, is_date):
    period = parse_period(text)
    assert (period.first, period.last, period.is_date) == (first, last, is_date)


def test_a_period_picks_its_weeks_as_financial_years_do():
    weeks = 104
    assert parse_period("2025-26").mask(START, weeks).nonzero()[0].tolist() == list(range(52))
    assert parse_period("2026-27").mask(START, weeks).sum() == 52
    assert parse_period(dt.date(2025, 4, 9)).mask(START, weeks).nonzero()[0].tolist() == [1]
    assert parse_period("2025-04-01 to 2025-06-30").weeks_needed(START) == 13


def test_simulated_figures_follow_the_metric_kind(tmp_path):
    body = TARGET + "    per_week: true\n"
    path = targets_file(tmp_path, body)
    text = path.read_text(encoding="utf-8") + """\
  stock_at_date:
    metric: people_waiting
    period: 2025-04-09
    value: 5
    sd: 1
    source: {title: t, url: u}
  share:
    metric: council_funded_care_home_residents
    per: council_funded_long_term
    period: 2025-26
    value: 0.5
    sd: 0.1
    source: {title: t, url: u}
"""
    path.write_text(text, encoding="utf-8")
    targets = load_targets(path)
    county = np.zeros((len(INDEX), 60))
    county[INDEX["requests"]] = np.arange(60)
    county[INDEX["people_waiting"], 1] = 7
    county[INDEX["council_funded_care_home_residents"]] = 2
    county[INDEX["council_funded_long_term"]] = 8
    figures = targets.simulated(Weekly(county, np.zeros((len(BY_GROUP), len(CLIENT_GROUPS),
                                                        60))), START)
    assert figures["requests"] == pytest.approx(np.arange(52).mean())  # an average week
    assert figures["stock_at_date"] == 7
    assert figures["share"] == pytest.approx(0.25)


@pytest.mark.parametrize(("body", "key", "words"), [
    (TARGET + "    colour: red\n", "targets.requests.colour", "valid keys here"),
    (TARGET.replace("requests", "requestz"), "targets.requests.metric",
     "did you mean requests"),
    (TARGET.replace("2025-26", "2025-27"), "targets.requests.period", "financial year"),
    (TARGET.replace("2025-26", "sometime"), "targets.requests.period", "2025-26"),
    (TARGET.replace("    tolerance: 0.3\n", ""), "targets.requests", "one uncertainty"),
    (TARGET + "    sd: 10\n", "targets.requests", "one uncertainty"),
    (TARGET.replace("    source: {title: Essex Provider Hub, url: "
                    "\"https://www.essexproviderhub.org/\"}\n", ""),
     "targets.requests.source", "missing"),
    (TARGET.replace("26000", "2.6e4"), "targets.requests.value", "write 1500000"),
    (TARGET.replace("requests\n", "people_waiting\n") + "    per_week: true\n",
     "targets.requests.per_week", "for flows"),
])
def test_a_bad_targets_file_names_file_and_key(tmp_path, body, key, words):
    path = targets_file(tmp_path, body)
    found = problems(lambda: load_targets(path))
    assert any(str(path) in p and f"[{key}]" in p and words in p for p in found), found


def test_a_period_outside_the_run_is_an_error(tmp_path):
    targets = load_targets(targets_file(tmp_path, TARGET.replace("2025-26", "2026-27")))
    found = problems(lambda: targets.check_run(START, 52))
    assert "[targets.requests.period]" in found[0] and "ends after the run" in found[0]


def test_scalars_vary_by_value_and_arrays_by_multiplier(params):
    space = build_space(["commissioner.fee_homecare_hourly", "pathway.request_hazard"],
                        params, "test")
    assert [d.kind for d in space.dimensions] == [VALUE, MULTIPLIER]
    changed = space.apply(params, [27.0, 2.0])
    assert changed["commissioner.fee_homecare_hourly"] == 27.0
    assert np.allclose(changed["pathway.request_hazard"], 2 * params["pathway.request_hazard"])
    shares = build_space(["pathway.care_home_probability"], params, "test")
    clipped = shares.apply(params, [1e6])["pathway.care_home_probability"]
    assert clipped.max() == 1.0  # a share stays a share


@pytest.mark.parametrize(("path", "words"), [
    ("pathway.request_hazrd", "did you mean pathway.request_hazard"),
    ("run.horizon_years", "describes the run"),
    ("need.initial_level_shares", "distribution summing to one"),
    ("pathway.reablement_min_need", "not a number"),
])
def test_parameters_that_cannot_vary_say_why(params, path, words):
    found = problems(lambda: build_space([path], params, "--params"))
    assert found == [f"--params [{path}]: " + found[0].split(": ", 1)[1]]
    assert words in found[0]


def test_a_parameter_listed_in_a_targets_file_is_refused_at_its_key(params):
    """The file is the file (not "file [parameters]", a fuzz finding) and the key names
    the list and the path."""
    found = problems(lambda: build_space(["appraisal.discount_rate"], params, "t.yaml",
                                         "parameters"))
    assert found[0].startswith("t.yaml [parameters.appraisal.discount_rate]: describes the run")


def test_the_default_sensitivity_set_is_assumptions_that_can_vary(params):
    paths = default_paths(params)
    assert len(paths) > 50
    assert all(params.spec(p).status == "assumption" for p in paths)
    assert not any(p.startswith(("interventions.", "run.", "appraisal.")) for p in paths)


def test_cli_defaults_match_the_library():
    assert cli.CALIBRATE_PARTICLES == calibration_plan.DEFAULT_PARTICLES
    assert cli.CALIBRATE_GENERATIONS == calibration_plan.DEFAULT_GENERATIONS
    assert cli.CALIBRATE_SCALE == calibration_plan.DEFAULT_SCALE
    assert Path(cli.CALIBRATE_OUT) == calibration_plan.DEFAULT_OUT
    assert cli.SENSITIVITY_YEARS == sensitivity_plan.DEFAULT_YEARS
    assert cli.SENSITIVITY_SCALE == sensitivity_plan.DEFAULT_SCALE
    assert Path(cli.SENSITIVITY_OUT) == sensitivity_plan.DEFAULT_OUT


def invoke(*args) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli.main, [str(a) for a in args])
    return result.exit_code, [line for line in result.stderr.splitlines()
                              if line.startswith("Error: ")]


@pytest.mark.parametrize(("args", "expected"), [
    (["--params", "pathway.request_hazrd"],
     ("Error: --params [pathway.request_hazrd]: unknown parameter; did you mean "
     "pathway.request_hazard")),
    (["--particles", "1"], "Error: --particles: must be a whole number of at least 2"),
])
def test_calibrate_rejects_bad_options_and_writes_nothing(tmp_path, args, expected):
    out = tmp_path / "out"
    code, errors = invoke("calibrate", ESSEX, "--out", out, *args)
    assert code == 1 and errors[0].startswith(expected), errors
    assert not out.exists()


def test_calibrate_rejects_a_bad_targets_file_in_one_line(tmp_path):
    path = targets_file(tmp_path, TARGET.replace("metric: requests", "metric: request"))
    code, errors = invoke("calibrate", path, "--params", "pathway.request_hazard",
                          "--out", tmp_path / "out")
    assert code == 1
    assert errors == [(f"Error: {path} [targets.requests.metric]: unknown metric 'request'; "
                      "did you mean requests? see sim/metrics.py for the registry")]
    assert not (tmp_path / "out").exists()


def test_calibrate_needs_parameters_to_vary(tmp_path):
    code, errors = invoke("calibrate", targets_file(tmp_path), "--out", tmp_path / "out")
    assert code == 1 and "name the parameters to calibrate" in errors[0]


@pytest.mark.parametrize(("args", "expected"), [
    (["--metrics", "council_spnd"], "Error: --metrics [council_spnd]: unknown metric"),
    (["--params", "workforce.turnover"], ("Error: --params [workforce.turnover]: unknown "
     "parameter")),
    (["--method", "sobol", "--n", "10"], "Error: --n: Sobol's design needs a power of two"),
    (["--scenario", "no_such_scenario"], "Error: no_such_scenario: no such scenario"),
])
def test_sensitivity_rejects_bad_options_and_writes_nothing(tmp_path, args, expected):
    out = tmp_path / "out"
    code, errors = invoke("sensitivity", "--out", out, *args)
    assert code == 1 and errors[0].startswith(expected), errors
    assert not out.exists()


def test_run_rejects_a_folder_that_is_not_a_calibration(tmp_path):
    out = tmp_path / "out"
    code, errors = invoke("run", "--sweep", "commissioner.fee_homecare_hourly=26",
                          "--posterior", tmp_path, "--out", out)
    assert code == 1
    assert errors == [(f"Error: --posterior: {tmp_path} is not a calibration folder (no "
                      "manifest.json); give a folder written by caremarket calibrate")]
    assert not out.exists()
