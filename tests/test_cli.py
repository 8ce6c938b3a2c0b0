"""The command line, through click's CliRunner: runs, bad input, validate, params, bench."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import sim.plan
from sim.errors import InputError
from sim.model import PHASES

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
TINY = ["--years", "2", "--scale", "0.05", "--reps", "2"]
GOOD = """\
name: {name}
label: Fee {name}
description: A test scenario.
changes:
  - param: commissioner.fee_homecare_hourly
    value: 27.0
    unit: GBP/hour
    from: 2025-10-01
    source: a test
"""


def invoke(*args: str):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def test_help_imports_nothing_heavy():
    code = ("import sys, cli\n"
            "for args in (['--help'], ['run', '--help'], ['bench', '--help'],\n"
            "             ['compare', '--help']):\n"
            "    try:\n"
            "        cli.main(args)\n"
            "    except SystemExit:\n"
            "        pass\n"
            "heavy = {'numpy', 'pandas', 'mesa', 'pyarrow', 'sim'}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "Usage: " in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", ["run", "validate", "params", "bench", "compare"])
def test_every_command_has_help(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_cli_defaults_match_the_library():
    assert cli.DEFAULT_SEED == sim.plan.DEFAULT_SEED
    assert cli.DEFAULT_REPS == sim.plan.DEFAULT_REPS
    assert Path(cli.DEFAULT_OUT) == sim.plan.DEFAULT_OUT


def test_run_writes_a_results_folder_and_prints_headlines(tmp_path):
    out = tmp_path / "out"
    fee = SCENARIOS / "homecare_fee_uplift.yaml"
    result = invoke("run", fee, *TINY, "--out", out, "--set",
                    "commissioner.fee_homecare_hourly=25.5")
    assert result.exit_code == 0, result.output
    (run_dir,) = out.iterdir()
    assert f"Results: {run_dir}" in result.stdout
    assert "Elapsed: " in result.stdout
    for text in ("Council spend on care", "People waiting", "homecare_fee_uplift",
                 "year 1 2025-26", "whole run", "change"):
        assert text in result.stdout
    ranking = result.stdout.split("Ranking against baseline by net benefit", 1)[1]
    assert "discounted at 3.5% a year" in ranking
    (line,) = [line for line in ranking.splitlines() if "homecare_fee_uplift" in line]
    assert line.split()[0].isdigit() and line.split()[1] == "homecare_fee_uplift"
    assert "P(cheaper) " in line and "P(better) " in line and "%" in line
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["command"][:3] == ["caremarket", "run", str(fee)]
    assert manifest["overrides"] == {"commissioner.fee_homecare_hourly": 25.5}
    assert "--set commissioner.fee_homecare_hourly=25.5" in manifest["reproduce"]
    assert f"Report: {run_dir / 'report.html'}" in result.stdout
    assert (run_dir / "report.html").stat().st_size > 10_000
    assert {p.suffix for p in (run_dir / "figures").iterdir()} == {".png", ".svg"}


def test_no_report_skips_figures_and_report(tmp_path):
    out = tmp_path / "out"
    result = invoke("run", SCENARIOS / "baseline.yaml", *TINY, "--no-report", "--out", out)
    assert result.exit_code == 0, result.output
    (run_dir,) = out.iterdir()
    assert not (run_dir / "report.html").exists() and not (run_dir / "figures").exists()
    assert "Report:" not in result.stdout


BAD_FILES = {
    "malformed YAML": ("name: bad\nlabel: [unclosed\n", "malformed YAML"),
    "unknown key": (GOOD.format(name="colourful") + "colour: red\n", "[colour]: unknown key"),
    "unknown parameter": (GOOD.format(name="typo").replace("hourly", "hourli"),
                          "did you mean commissioner.fee_homecare_hourly"),
    "wrong unit": (GOOD.format(name="unit").replace("GBP/hour", "GBP/week"),
                   "(commissioner.fee_homecare_hourly).unit]"),
    "date outside the run": (GOOD.format(name="late").replace("2025-10-01", "2040-01-01"),
                             ".from]: 2040-01-01 is outside the run"),
    "duplicate key": (GOOD.format(name="twice").replace("label:", "label: x\nlabel:"),
                      "[label]: duplicate key"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_scenario_file_is_one_clear_error_and_writes_nothing(tmp_path, case):
    text, expected = BAD_FILES[case]
    bad = write(tmp_path, "bad.yaml", text)
    out = tmp_path / "out"
    result = invoke("run", bad, *TINY, "--out", out)
    assert result.exit_code == 1
    assert errors(result) == [line for line in result.stderr.splitlines() if line.strip()]
    (message,) = errors(result)
    assert str(bad) in message and expected in message
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("args, expected", [
    (["--reps", "-2"], "Error: --reps: must be a whole number of at least 1, got -2"),
    (["--years", "0"], "Error: --years: must be from 1 to 100 years"),
    (["--scale", "0"], "Error: --scale: must be above 0"),
    (["--set", "commissioner.fee_homecare_hourly=abc"],
     "Error: --set [commissioner.fee_homecare_hourly]: expected a number in GBP/hour"),
    (["--set", "commissioner.fee_homecare_hourli=26"], "did you mean"),
    (["--set", "commissioner.fee_homecare_hourly"], "expected path=value"),
])
def test_bad_options_are_one_clear_error_and_write_nothing(tmp_path, args, expected):
    out = tmp_path / "out"
    result = invoke("run", SCENARIOS / "baseline.yaml", "--out", out, *args)
    assert result.exit_code == 1
    (message,) = errors(result)
    assert expected in message
    assert not out.exists()


def test_out_pointing_at_a_file_is_refused(tmp_path):
    target = write(tmp_path, "results.txt", "keep me")
    result = invoke("run", SCENARIOS / "baseline.yaml", "--out", target)
    assert result.exit_code == 1
    assert errors(result) == [f"Error: --out: {target} is a file; give a folder for results "
                              "(it is created if missing)"]
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.txt"]


def test_a_missing_scenario_and_bad_options_are_all_reported(tmp_path):
    result = invoke("run", tmp_path / "nope.yaml", "--reps", "0", "--scale", "-1",
                    "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert len(errors(result)) == 3
    assert f"{tmp_path / 'nope.yaml'}: no such scenario file or folder" in result.stderr


def test_a_non_number_option_exits_1(tmp_path):
    result = invoke("run", SCENARIOS, "--reps", "many", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "--reps" in result.stderr and not (tmp_path / "out").exists()


def test_a_failing_model_is_one_error_per_job_and_a_failed_manifest(tmp_path, monkeypatch):
    import shlex

    import sim.model

    def crash(*args, **kwargs):
        raise RuntimeError("model crashed")

    monkeypatch.setattr(sim.model, "simulate_arrays", crash)
    out = tmp_path / "out"
    result = invoke("run", SCENARIOS / "baseline.yaml", "--years", "1", "--reps", "2",
                    "--out", out)
    assert result.exit_code == 1
    assert errors(result) == [f"Error: scenario 'baseline' replication {rep} (seed 20250401, "
                              f"spawn key ({rep},)) failed: RuntimeError: model crashed"
                              for rep in range(2)]
    (run_dir,) = out.iterdir()
    assert f"{run_dir / 'manifest.json'} records what ran" in result.stderr
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert (f"2 of 2 jobs failed; rerun only the failed jobs with: {manifest['reproduce']} "
            f"--resume {shlex.quote(str(run_dir))}") in result.stderr


def test_debug_shows_the_exception(tmp_path):
    bad = write(tmp_path, "bad.yaml", BAD_FILES["unknown key"][0])
    result = invoke("--debug", "run", bad, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    result = invoke("run", bad, "--out", tmp_path / "out", "--debug")
    assert isinstance(result.exception, InputError)


def test_validate_reports_every_problem_in_every_file(tmp_path):
    write(tmp_path, "good.yaml", GOOD.format(name="good"))
    two = GOOD.format(name="two").replace("hourly", "hourli") + "colour: red\n"
    write(tmp_path, "two.yaml", two)
    write(tmp_path, "dup.yaml", BAD_FILES["duplicate key"][0])
    changes_two = (GOOD.format(name="changes") + """\
  - param: commissioner.fee_homecare_hourly
    value: -3
    source: a test
  - param: commissioner.fee_homecare_hourly
    value: 26
    from: 2001-01-01
    source: a test
""")
    write(tmp_path, "changes.yaml", changes_two)
    result = invoke("validate", tmp_path)
    assert result.exit_code == 1
    lines = errors(result)
    assert sum("dup.yaml" in line for line in lines) == 1
    assert sum("two.yaml" in line for line in lines) == 1  # schema first: colour
    assert sum("changes.yaml" in line for line in lines) == 2
    assert not any("good.yaml" in line for line in lines)


def test_validate_ok(tmp_path):
    result = invoke("validate", SCENARIOS / "baseline.yaml", SCENARIOS / "homecare_fee_uplift.yaml")
    assert result.exit_code == 0
    assert result.stdout.startswith("OK: 2 files, 2 scenarios (baseline included)")
    files = len(list(SCENARIOS.glob("*.yaml")))
    result = invoke("validate", SCENARIOS)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"OK: {files} files, {files} scenarios")


def test_params_lists_and_filters():
    result = invoke("params", "commissioner.fee_homecare")
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["path", "value", "unit", "status", "source"]
    assert any(row.startswith("commissioner.fee_homecare_hourly ") and "GBP/hour" in row
               for row in rows)
    missing = invoke("params", "nothing_like_this")
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: PREFIX")


def test_bench_prints_and_writes_json(tmp_path):
    target = tmp_path / "bench.json"
    result = invoke("bench", "--years", "1", "--scale", "0.05", "--reps", "1",
                    "--json", target)
    assert result.exit_code == 0, result.output
    assert "wall time per replication" in result.stdout
    assert "resident-weeks per second" in result.stdout
    figures = json.loads(target.read_text())
    assert figures["reps"] == 1 and figures["weeks"] == 52
    assert figures["resident_weeks_per_s"] > 0 and len(figures["wall_s"]) == 1
    assert [p["scenario"] for p in figures["passes"]] == ["baseline",
                                                          "with_library_interventions"]
    for one in figures["passes"]:
        assert set(one["phase_shares"]) == set(PHASES)
        assert sum(one["phase_shares"].values()) == pytest.approx(1.0)
    assert "time by phase" in result.stdout


def test_bench_library_pass_switches_on_every_library_policy(params):
    from sim.bench import library_scenario

    scenario = library_scenario(SCENARIOS, params, years=10)
    used = {spec.which for spec in scenario.interventions}
    assert {"fee_uplift", "block_contract", "reablement_expansion",
            "extra_care_housing"} <= used
    assert not used & {"largest_provider_failure", "demand_shock", "wage_shock"}


def test_bench_rejects_bad_options(tmp_path):
    result = invoke("bench", "--reps", "0")
    assert result.exit_code == 1 and "Error: --reps" in result.stderr
    result = invoke("bench", "--size", "huge")
    assert result.exit_code == 1 and "--size" in result.stderr
    result = invoke("bench", "--years", "1", "--library", tmp_path)
    assert result.exit_code == 1 and str(tmp_path) in result.stderr
    result = invoke("bench", "--per-agent", "0")
    assert result.exit_code == 1 and "Error: --per-agent" in result.stderr


def test_bench_per_agent_prints_how_much_faster_the_engine_is(tmp_path):
    target = tmp_path / "bench.json"
    result = invoke("bench", "--years", "1", "--scale", "0.02", "--reps", "1",
                    "--baseline-only", "--per-agent", "4", "--json", target)
    assert result.exit_code == 0, result.output
    assert "per-agent peer (identical metrics)" in result.stdout
    peer = json.loads(target.read_text())["per_agent"]
    assert peer["identical"] and peer["weeks"] == 4 and peer["ratio"] > 1
