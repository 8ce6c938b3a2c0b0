"""ABC-SMC calibration: recovery of known parameters from synthetic figures, resuming after
an interruption (with the same posterior whatever the number of workers), the folder's
files, and carrying the posterior into a run (``--posterior``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import cli
from sim.calibration.abc import calibrate, open_folder
from sim.calibration.plan import plan_calibration
from sim.calibration.posterior import read_posterior
from sim.calibration.sampler import InlineExecutor
from sim.calibration.synthetic import synthetic_targets
from sim.errors import InputError
from sim.fileio import FolderLock
from sim.parameters import load_parameters
from sim.results import read_results

#: Known values. Each parameter has a figure that identifies it: requests (how often
#: people ask), unmet need (hours needed at each level) and the homecare fee.
TRUTH = {"pathway.request_hazard": 1.25, "need.hours_needed": 0.9,
         "commissioner.fee_homecare_hourly": 27.5}
FIGURES = ["requests", "unmet_need_hours", "council_fee_homecare"]
WEEKS, SCALE = 13, 0.05
CLEARLY_NARROWER = 0.7  # the 90% interval's width as a share of the prior's, at most


def quarter(params, weeks: int) -> str:
    """The first ``weeks`` weeks of the run, as a targets file's period."""
    start = params["run.start_date"]
    return f"{start} to {start + dt.timedelta(days=7 * weeks - 1)}"


def test_recovers_known_parameters_from_synthetic_figures(tmp_path, params):
    targets = synthetic_targets(tmp_path / "synthetic.yaml", params, TRUTH, FIGURES,
                                quarter(params, WEEKS), WEEKS, SCALE)
    plan = plan_calibration(targets, paths=list(TRUTH), particles=25, generations=4,
                            scale=SCALE, seed=7, out=tmp_path / "out")
    folder = calibrate(plan)
    table = pd.read_csv(folder / "parameters.csv").set_index("path")
    for path, truth in TRUTH.items():
        row = table.loc[path]
        assert row.posterior_p5 <= truth <= row.posterior_p95, (path, row.to_dict())
        assert row.interval_share_of_prior < CLEARLY_NARROWER, (path, row.to_dict())
    fit = pd.read_csv(folder / "fit.csv")
    assert fit.within.all(), fit


def tiny_plan(folder: Path, params, **options):
    truth = {"need.hours_needed": 1.1, "commissioner.fee_homecare_hourly": 26.0}
    targets = folder / "synthetic.yaml"
    if not targets.exists():
        synthetic_targets(targets, params, truth, ["unmet_need_hours", "council_fee_homecare"],
                          quarter(params, 4), weeks=4, scale=0.02)
    return plan_calibration(targets, paths=list(truth), particles=6, generations=3,
                            scale=0.02, seed=11, out=folder / "out", **options)


class StopAfter(InlineExecutor):
    """Runs jobs here, and is stopped (as by Ctrl-C) at the given job."""

    def __init__(self, jobs: int):
        self.left = jobs

    def submit(self, fn, /, *args, **kwargs):
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt
        return super().submit(fn, *args, **kwargs)


def test_an_interrupted_calibration_resumes_to_the_same_posterior(tmp_path, params):
    plan = tiny_plan(tmp_path, params)
    whole = pd.read_csv(calibrate(plan) / "posterior.csv")
    stopped = tiny_plan(tmp_path, params)
    folder = open_folder(stopped)
    with pytest.raises(KeyboardInterrupt):  # stopped during the second generation
        calibrate(stopped, executor=StopAfter(25), folder=folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and 0 < len(manifest["generations"]) < 3
    assert not (folder / "posterior.csv").exists()
    with pytest.raises(InputError, match="interrupted, not completed"):
        read_posterior(folder, params)
    resumed = tiny_plan(tmp_path, params, jobs=2, resume=folder)  # another number of workers
    assert calibrate(resumed) == folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "completed" and len(manifest["generations"]) == 3
    pd.testing.assert_frame_equal(pd.read_csv(folder / "posterior.csv"), whole)


def test_a_calibration_folder_another_process_writes_is_refused(tmp_path, params):
    plan = tiny_plan(tmp_path, params)
    folder = open_folder(plan)
    before = sorted(p.name for p in folder.iterdir())
    with FolderLock(folder), pytest.raises(InputError, match="being written by another run"):
        calibrate(plan, folder=folder)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_resume_refuses_other_inputs(tmp_path, params):
    folder = tmp_path / "not_it"
    plan = tiny_plan(tmp_path, params)
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"kind": "calibration",
                                                      "inputs_key": "other"}))
    with pytest.raises(InputError, match="made from other inputs"):
        plan_calibration(plan.targets.file, paths=plan.space.paths, particles=6,
                         scale=0.02, seed=11, resume=folder)


def test_calibrate_then_run_with_the_posterior(tmp_path):
    params = load_parameters()
    targets = synthetic_targets(tmp_path / "synthetic.yaml", params,
                                {"commissioner.fee_homecare_hourly": 26.0},
                                ["council_fee_homecare"], quarter(params, 4), weeks=4,
                                scale=0.02)
    runner = CliRunner()
    done = runner.invoke(cli.main, ["calibrate", str(targets), "--params",
                                    "commissioner.fee_homecare_hourly", "--particles", "6",
                                    "--generations", "2", "--scale", "0.02",
                                    "--out", str(tmp_path / "calib")])
    assert done.exit_code == 0, done.output
    assert "Generation 2/2" in done.stderr and "council_fee_homecare" in done.stdout
    folder = next((tmp_path / "calib").iterdir())
    for name in ("posterior.csv", "simulated.csv", "parameters.csv", "fit.csv",
                 "calibrated.yaml", "figures/fit.png", "figures/posterior.svg"):
        assert (folder / name).is_file(), name
    overlay = yaml.safe_load((folder / "calibrated.yaml").read_text())
    leaf = overlay["parameters"]["commissioner.fee_homecare_hourly"]
    assert leaf["status"] == "calibrated" and folder.name in leaf["source"]["title"]
    calibrated = load_parameters(folder / "params")  # usable with `run --params`
    assert calibrated["commissioner.fee_homecare_hourly"] == pytest.approx(leaf["value"])
    assert calibrated.spec("commissioner.fee_homecare_hourly").status == "calibrated"

    done = runner.invoke(cli.main, ["run", "--sweep", "commissioner.block_price_discount=0.1",
                                    "--reps", "3", "--years", "1", "--scale", "0.02",
                                    "--no-report", "--posterior", str(folder),
                                    "--out", str(tmp_path / "runs")])
    assert done.exit_code == 0, done.output
    run_dir = next((tmp_path / "runs").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    draws = {d["rep"]: d["values"]["commissioner.fee_homecare_hourly"]
             for d in manifest["posterior"]["draws"]}
    assert manifest["reproduce"].endswith(f"--posterior {folder}")
    assert len(set(draws.values())) > 1  # replications differ...
    weekly = read_results(run_dir).timeseries.query("metric == 'council_fee_homecare' "
                                                    "and week == 0")
    for row in weekly.itertuples():  # ...and every scenario of a replication shares its draw
        assert row.value == pytest.approx(draws[row.rep])
