"""Parameter sweeps: the grid of values runs as scenarios against the baseline."""

import pytest

from sim.errors import InputError
from sim.plan import plan_run
from sim.sweep import parse_sweep, sweep_scenarios

FEE = "commissioner.fee_homecare_hourly"


def test_a_sweep_is_the_product_of_its_values(params):
    points = sweep_scenarios([f"{FEE}=25,27.5", "commissioner.eligibility_threshold=2,3"],
                             params)
    assert [s.name for s in points] == [
        "sweep_fee_homecare_hourly_25_eligibility_threshold_2",
        "sweep_fee_homecare_hourly_25_eligibility_threshold_3",
        "sweep_fee_homecare_hourly_27p5_eligibility_threshold_2",
        "sweep_fee_homecare_hourly_27p5_eligibility_threshold_3"]
    third = points[2]
    assert [(c.param, c.value, c.start) for c in third.changes] == [
        (FEE, 27.5, None), ("commissioner.eligibility_threshold", 2, None)]
    assert third.label == f"{FEE} = 27.5, commissioner.eligibility_threshold = 2"


@pytest.mark.parametrize("text, words", [
    (f"{FEE}", "expected path=v1,v2"),
    ("commissioner.fee_homecare=25,26", "unknown parameter"),
    (f"{FEE}=25,-3", "must be at least 0"),
    (f"{FEE}=25,25", "given twice"),
    ("need.onset_hazard=0.1", "expected a list"),
    ("appraisal.discount_rate=0.015,0.035", "appraisal parameters"),
])
def test_a_bad_sweep_names_the_option_and_parameter(params, text, words):
    with pytest.raises(InputError) as error:
        parse_sweep(text, params)
    assert error.value.problems[0].file == "--sweep"
    assert words in error.value.problems[0].message


def test_a_parameter_swept_twice_is_refused(params):
    with pytest.raises(InputError, match="swept once"):
        sweep_scenarios([f"{FEE}=25", f"{FEE}=26"], params)


def test_no_sweep_adds_no_scenario(params, tmp_path):
    assert sweep_scenarios([], params) == []
    assert [s.name for s in plan_run([], reps=1, years=1, out=tmp_path).scenarios] == \
        ["baseline"]


def test_a_run_plan_adds_the_grid_after_the_baseline_and_reproduces_it(tmp_path):
    plan = plan_run([], sweeps=[f"{FEE}=24,26"], reps=1, years=1, out=tmp_path)
    assert [s.name for s in plan.scenarios] == [
        "baseline", "sweep_fee_homecare_hourly_24", "sweep_fee_homecare_hourly_26"]
    assert f"--sweep {FEE}=24,26" in plan.reproduce()
    other = plan_run([], sweeps=[f"{FEE}=24,27"], reps=1, years=1, out=tmp_path)
    assert other.inputs_key != plan.inputs_key


def test_a_sweep_runs_from_the_command_line_and_is_ranked(tmp_path):
    import pandas as pd
    from click.testing import CliRunner

    import cli

    out = tmp_path / "out"
    tiny = ["--years", "1", "--scale", "0.05", "--reps", "2", "--no-report", "--out", str(out)]
    result = CliRunner().invoke(cli.main, ["run", "--sweep", f"{FEE}=22,30", *tiny])
    assert result.exit_code == 0, result.output
    (run_dir,) = out.iterdir()
    decision = pd.read_csv(run_dir / "decision.csv")
    assert sorted(decision.scenario) == ["sweep_fee_homecare_hourly_22",
                                         "sweep_fee_homecare_hourly_30"]
    cheaper = decision.set_index("scenario").council_cost_change_gbp_mean
    assert cheaper["sweep_fee_homecare_hourly_22"] < 0 < cheaper["sweep_fee_homecare_hourly_30"]
    bad = CliRunner().invoke(cli.main, ["run", "--sweep", f"{FEE}=22,x", *tiny[:-1],
                                        str(tmp_path / "other")])
    assert bad.exit_code == 1 and "Error: --sweep" in bad.stderr
    assert not (tmp_path / "other").exists()
