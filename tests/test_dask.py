"""Jobs on a real Dask cluster (two worker processes, started once for the module): the
same results, bit for bit, as the local process pool and a serial run, for ``run``,
``calibrate`` and ``sensitivity``; and clear errors for a bad ``--address``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import cli
import sim.executors
from sim.calendar import run_end
from sim.calibration.abc import calibrate
from sim.calibration.plan import plan_calibration
from sim.calibration.synthetic import synthetic_targets
from sim.errors import InputError
from sim.executors import DaskExecutor, describe_executor, open_executor
from sim.runner import job_shapes, run_ensemble
from sim.scenario import load_scenarios

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "stress_largest_provider_failure.yaml"  # fails in week 27
WEEKS, SCALE, SEED = 30, 0.02, 5
TINY_RUN = ["--years", "1", "--scale", "0.02", "--reps", "1", "--seed", "3", "--no-report"]
CALIBRATED = {"need.hours_needed": 1.1, "commissioner.fee_homecare_hourly": 26.0}
UNREACHABLE = "tcp://127.0.0.1:1"
ESSEX_TARGETS = ROOT / "calibration" / "essex.yaml"


@pytest.fixture(scope="module")
def dask_executor():
    with open_executor("dask", jobs=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def address(dask_executor) -> str:
    return dask_executor.client.scheduler.address


def invoke(*args) -> object:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_the_cluster_has_two_single_threaded_worker_processes(dask_executor):
    assert isinstance(dask_executor, DaskExecutor)
    assert sorted(dask_executor.client.nthreads().values()) == [1, 1]
    assert describe_executor(dask_executor, 2) == "local Dask cluster of 2 worker processes"


def test_ensemble_on_dask_equals_the_local_pool_and_a_serial_run(dask_executor, params):
    start = params["run.start_date"]
    scenarios = load_scenarios([SCENARIO], params, start, run_end(start, WEEKS))
    runs = [run_ensemble(scenarios, params, reps=2, seed=SEED, weeks=WEEKS, scale=SCALE,
                         executor=executor, jobs=jobs)
            for executor, jobs in ((dask_executor, 1), (None, 2), (None, 1))]
    for name in ("baseline", scenarios[-1].name):
        for rep in range(2):
            for array in job_shapes(WEEKS, 1):
                on_dask, pooled, serial = (run.raw(name, rep, array) for run in runs)
                assert np.array_equal(on_dask, pooled) and np.array_equal(on_dask, serial)
    assert not np.array_equal(runs[0].raw("baseline", 0), runs[0].raw(scenarios[-1].name, 0))


def test_run_command_on_a_local_dask_cluster_writes_the_serial_results(tmp_path):
    on_dask = invoke("run", SCENARIO, *TINY_RUN, "--executor", "dask", "--jobs", "2",
                     "--out", tmp_path / "dask")
    assert on_dask.exit_code == 0, on_dask.output
    assert "Starting a local Dask cluster of 2 worker processes" in on_dask.stderr
    serial = invoke("run", SCENARIO, *TINY_RUN, "--jobs", "1", "--out", tmp_path / "serial")
    assert serial.exit_code == 0, serial.output
    dask_dir, serial_dir = (next((tmp_path / kind).iterdir()) for kind in ("dask", "serial"))
    files = sorted(p.name for p in (dask_dir / "jobs").glob("*.npz"))
    assert len(files) == 2 and files == sorted(p.name for p in
                                               (serial_dir / "jobs").glob("*.npz"))
    for name in files:
        with np.load(dask_dir / "jobs" / name) as a, np.load(serial_dir / "jobs" / name) as b:
            assert sorted(a.files) == sorted(b.files)
            assert all(np.array_equal(a[key], b[key]) for key in a.files), name
    assert (dask_dir / "summary.csv").read_bytes() == (serial_dir / "summary.csv").read_bytes()


def tiny_calibration(folder: Path, params, jobs: int):
    start = params["run.start_date"]
    targets = folder / "synthetic.yaml"
    if not targets.exists():
        synthetic_targets(targets, params, CALIBRATED,
                          ["unmet_need_hours", "council_fee_homecare"],
                          f"{start} to {start + dt.timedelta(days=27)}", weeks=4, scale=0.02)
    return plan_calibration(targets, paths=list(CALIBRATED), particles=6, generations=2,
                            scale=0.02, seed=11, jobs=jobs, out=folder / f"out{jobs}")


def test_calibration_on_dask_gives_the_serial_posterior(dask_executor, tmp_path, params):
    """Against a serial calibration: test_calibrate_abc.py shows the local pool gives the
    serial posterior (a pool is slow to start here: each worker imports pyabc)."""
    on_dask = calibrate(tiny_calibration(tmp_path, params, jobs=2), executor=dask_executor)
    serial = calibrate(tiny_calibration(tmp_path, params, jobs=1))
    posterior = pd.read_csv(on_dask / "posterior.csv")
    assert len(posterior) == 6
    pd.testing.assert_frame_equal(posterior, pd.read_csv(serial / "posterior.csv"))
    executors = [json.loads((folder / "manifest.json").read_text())["executor"]
                 for folder in (on_dask, serial)]
    assert executors == ["local Dask cluster of 2 worker processes", "serial"]


def test_sensitivity_at_an_address_equals_a_serial_analysis(address, tmp_path):
    analysis = ["sensitivity", "--metrics", "unmet_need_hours", "--params",
                ",".join(CALIBRATED), "--n", "2", "--years", "0.25", "--scale", "0.02"]
    on_dask = invoke(*analysis, "--executor", "dask", "--address", address,
                     "--out", tmp_path / "dask")
    assert on_dask.exit_code == 0, on_dask.output
    assert f"Connecting to the Dask scheduler at {address}" in on_dask.stderr
    serial = invoke(*analysis, "--out", tmp_path / "serial")
    assert serial.exit_code == 0, serial.output
    dask_dir, serial_dir = (next((tmp_path / kind).iterdir()) for kind in ("dask", "serial"))
    for table in ("outputs.csv", "indices.csv"):
        assert (dask_dir / table).read_bytes() == (serial_dir / table).read_bytes(), table
    manifest = json.loads((dask_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["executor"] == f"Dask scheduler {address}"


def test_an_address_needs_the_dask_executor(tmp_path):
    done = invoke("run", SCENARIO, *TINY_RUN, "--address", "tcp://127.0.0.1:8786",
                  "--out", tmp_path / "out")
    assert done.exit_code == 1
    assert "--address needs --executor dask" in done.stderr
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sim.executors, "CONNECT_TIMEOUT_S", 1)
    for command in (["run", SCENARIO, *TINY_RUN], ["calibrate", ESSEX_TARGETS],
                    ["sensitivity", "--n", "2"]):
        done = invoke(*command, "--executor", "dask", "--address", UNREACHABLE,
                      "--out", tmp_path / "out")
        assert done.exit_code == 1 and "Traceback" not in done.output, done.output
        errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
        assert errors == [f"Error: --address [{UNREACHABLE}]: no Dask scheduler answers "
                          f"there (Timed out trying to connect to {UNREACHABLE} after 1 s); "
                          "give the address the scheduler printed, e.g. tcp://HOST:8786"]
        assert not (tmp_path / "out").exists()


def test_workers_of_another_caremarket_are_refused(address, monkeypatch):
    monkeypatch.setattr(sim.executors, "caremarket_version", lambda: "0.0.0-elsewhere")
    with pytest.raises(InputError, match=r"--address .*same caremarket.*caremarket \d"):
        with open_executor("dask", address):
            pass


def test_without_dask_installed_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with pytest.raises(InputError, match=r'--executor \[dask\]: .*pip install '
                                         r'"caremarket\[dask\]"'):
        with open_executor("dask", jobs=1):
            pass
