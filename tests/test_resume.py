"""Crash safety: a run killed with SIGKILL, a run whose job fails, resumes, and two runs
writing into the same results folder at once.

Every resumed folder is compared with an uninterrupted run of the same command: the same
files, byte for byte (job arrays value for value), but for the manifest's times and states.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cli
import sim.model

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
#: baseline and two sweep points, 3 replications: 9 jobs of a tiny county for one year
RUN = [SCENARIOS / "baseline.yaml", "--sweep", "commissioner.fee_homecare_hourly=25,27",
       "--reps", "3", "--years", "1", "--scale", "0.02", "--seed", "5", "--no-report"]
NAMES = ["baseline", "sweep_fee_homecare_hourly_25", "sweep_fee_homecare_hourly_27"]
JOBS = 9
TIMEOUT_S = 120
POLL_S = 0.02
#: how a test starts the command line in a process of its own
CAREMARKET = [sys.executable, "-c", "import cli; cli.main()"]
HOLD_LOCK = ("import sys, time\nfrom sim.fileio import FolderLock\n"
             "FolderLock(sys.argv[1]).acquire()\nprint('locked', flush=True)\ntime.sleep(120)")


def invoke(*args) -> object:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def only_run(out: Path) -> Path:
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def states(run_dir: Path) -> dict[tuple[str, int], str]:
    return {(j["scenario"], j["rep"]): j["state"] for j in manifest(run_dir)["jobs"]}


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def job_files(run_dir: Path) -> list[Path]:
    return sorted((run_dir / "jobs").glob("*.npz"))


def assert_same_folder(got: Path, expected: Path) -> None:
    """The same files; each the same bytes (job arrays: the same values), but the
    manifest."""
    assert files(got) == files(expected)
    for name in files(expected):
        if name == "manifest.json":
            continue
        if name.endswith(".npz"):
            with np.load(got / name) as a, np.load(expected / name) as b:
                assert sorted(a.files) == sorted(b.files)
                for key in b.files:
                    np.testing.assert_array_equal(a[key], b[key], err_msg=name)
        else:
            assert (got / name).read_bytes() == (expected / name).read_bytes(), name
    assert manifest(got)["status"] == "completed"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The uninterrupted run, in this process (the killed one runs on two workers)."""
    out = tmp_path_factory.mktemp("reference")
    result = invoke("run", *RUN, "--jobs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    run_dir = only_run(out)
    assert len(job_files(run_dir)) == JOBS and set(states(run_dir).values()) == {"done"}
    return run_dir


def test_a_run_killed_part_way_resumes_to_the_uninterrupted_folder(tmp_path, reference):
    out = tmp_path / "out"
    with open(tmp_path / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen([*CAREMARKET, "run", *map(str, RUN), "--jobs", "2",
                                    "--out", str(out)], stdout=subprocess.DEVNULL,
                                   stderr=stderr, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while (len(list(out.glob("*/jobs/*.npz"))) < 2 and process.poll() is None
               and time.monotonic() < deadline):
            time.sleep(POLL_S)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the command and its pool's workers
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL, (tmp_path / "stderr.txt").read_text()
    run_dir = only_run(out)
    killed = manifest(run_dir)  # readable: written atomically
    assert killed["status"] == "running" and not (run_dir / "summary.csv").exists()
    finished = {p.name for p in job_files(run_dir)}
    assert 2 <= len(finished) < JOBS
    assert all(f"{s}__r{r}.npz" in finished
               for (s, r), state in states(run_dir).items() if state == "done")

    # What a kill mid-write could leave: a temporary file, and (were writes not atomic) a
    # cut-short job file; neither may pass for a finished job.
    missing = sorted({p.name for p in job_files(reference)} - finished)
    (run_dir / "jobs" / f".{missing[0]}.x1y2z3ab.tmp").write_bytes(b"PK\x03\x04 partial")
    (run_dir / "jobs" / missing[-1]).write_bytes(
        (reference / "jobs" / missing[-1]).read_bytes()[:200])

    result = invoke("run", *RUN, "--jobs", "1", "--out", out, "--resume", run_dir)
    assert result.exit_code == 0, result.output
    assert only_run(out) == run_dir
    resumed = manifest(run_dir)
    assert resumed["created"] == killed["created"] and "resumed" in resumed
    reused = {f"{s}__r{r}.npz" for (s, r), state in states(run_dir).items()
              if state == "reused"}
    assert reused == finished and len(reused) + len(missing) == JOBS
    assert_same_folder(run_dir, reference)


def _fail_one(monkeypatch, scenario: str, rep: int) -> list[tuple[str, int]]:
    """Make the model raise for one (scenario, rep) of an in-process run (``--jobs 1``);
    the list records each job that ran."""
    real, ran = sim.model.simulate_arrays, []

    def simulate(params, this, seed, weeks, scale=1.0, check=None):
        ran.append((this.name, seed.spawn_key[0]))
        if (this.name, seed.spawn_key[0]) == (scenario, rep):
            raise ZeroDivisionError("a bad week")
        return real(params, this, seed, weeks, scale, check)

    monkeypatch.setattr(sim.model, "simulate_arrays", simulate)
    return ran


def test_a_failing_job_stops_no_other_and_resume_reruns_only_it(tmp_path, monkeypatch,
                                                                  reference):
    out = tmp_path / "out"
    ran = _fail_one(monkeypatch, NAMES[2], 1)
    result = invoke("run", *RUN, "--jobs", "1", "--out", out)
    assert result.exit_code == 1
    assert len(ran) == JOBS
    run_dir = only_run(out)
    record = manifest(run_dir)
    rerun = f"{record['reproduce']} --resume {shlex.quote(str(run_dir))}"
    assert "--jobs 1" in rerun
    assert errors(result) == [
        f"Error: scenario '{NAMES[2]}' replication 1 (seed 5, spawn key (1,)) failed: "
        "ZeroDivisionError: a bad week"]
    assert f"1 of {JOBS} jobs failed, the others finished; rerun only the failed jobs " \
           f"with: {rerun}" in result.stderr
    assert "Traceback" not in result.stderr

    assert record["status"] == "failed"
    assert record["error"].startswith(f"1 of {JOBS} jobs failed ({NAMES[2]} replication 1)")
    (failed,) = [j for j in record["jobs"] if j["state"] == "failed"]
    assert (failed["scenario"], failed["rep"]) == (NAMES[2], 1)
    assert failed["seed"] == {"entropy": 5, "spawn_key": [1]}
    assert failed["error"] == "ZeroDivisionError: a bad week"
    assert failed["traceback"].splitlines()[-1] == "ZeroDivisionError: a bad week"
    assert failed["file"] is None
    assert sorted(j["state"] for j in record["jobs"]) == ["done"] * (JOBS - 1) + ["failed"]
    assert len(job_files(run_dir)) == JOBS - 1
    assert not any((run_dir / n).exists() for n in ("summary.csv", "timeseries.parquet"))
    assert not (run_dir / ".lock").exists()

    monkeypatch.undo()
    ran = _fail_one(monkeypatch, "no such scenario", 0)  # counts, fails nothing
    result = invoke(*shlex.split(rerun)[1:], "--no-report")  # the printed command, quicker
    assert result.exit_code == 0, result.output
    assert ran == [(NAMES[2], 1)]
    assert states(run_dir) == {**{key: "reused" for key in states(reference)},
                               (NAMES[2], 1): "done"}
    assert_same_folder(run_dir, reference)


def test_a_folder_being_written_cannot_be_resumed_until_its_writer_ends(tmp_path,
                                                                         reference):
    run_dir = tmp_path / reference.name
    shutil.copytree(reference, run_dir)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(run_dir)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = (run_dir / "manifest.json").read_bytes()
        result = invoke("run", *RUN, "--jobs", "1", "--out", tmp_path, "--resume", run_dir)
        assert result.exit_code == 1
        assert errors(result) == [f"Error: --resume: {run_dir} is being written by another "
                                  f"run (pid {holder.pid})"]
        assert (run_dir / "manifest.json").read_bytes() == before
    finally:
        holder.kill()  # SIGKILL: the lock file stays, its lock goes with the process
        holder.wait()
    assert (run_dir / ".lock").exists()
    result = invoke("run", *RUN, "--jobs", "1", "--out", tmp_path, "--resume", run_dir)
    assert result.exit_code == 0, result.output
    assert set(states(run_dir).values()) == {"reused"}
    assert_same_folder(run_dir, reference)


def test_resume_reruns_a_job_file_written_before_results_by_client_group(tmp_path,
                                                                         reference):
    """A job file without ``by_group`` is incomplete: ``--resume`` runs that job again and
    the folder ends as the uninterrupted run's, ``by_group.parquet`` included."""
    run_dir = tmp_path / reference.name
    shutil.copytree(reference, run_dir)
    older = run_dir / "jobs" / f"{NAMES[1]}__r2.npz"
    with np.load(older) as arrays:
        kept = {name: arrays[name] for name in arrays.files if name != "by_group"}
    np.savez(older, **kept)
    result = invoke("run", *RUN, "--jobs", "1", "--out", tmp_path, "--resume", run_dir)
    assert result.exit_code == 0, result.output
    assert states(run_dir) == {**{key: "reused" for key in states(reference)},
                               (NAMES[1], 2): "done"}
    assert_same_folder(run_dir, reference)


def test_two_runs_into_the_same_folder_at_once_get_folders_of_their_own(tmp_path):
    out = tmp_path / "out"
    command = [*CAREMARKET, "run", str(SCENARIOS / "baseline.yaml"), "--reps", "1",
               "--years", "1", "--scale", "0.02", "--jobs", "1", "--no-report",
               "--out", str(out)]
    runs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for _ in range(2)]
    for run in runs:
        _, stderr = run.communicate(timeout=TIMEOUT_S)
        assert run.returncode == 0, stderr
    folders = sorted(out.iterdir())
    assert len(folders) == 2
    for run_dir in folders:
        assert manifest(run_dir)["status"] == "completed"
        assert [p.name for p in job_files(run_dir)] == ["baseline__r0.npz"]
    with np.load(job_files(folders[0])[0]) as a, np.load(job_files(folders[1])[0]) as b:
        np.testing.assert_array_equal(a["metrics"], b["metrics"])


def test_a_lock_is_exclusive_and_removed_on_release(tmp_path):
    from sim.fileio import FolderBusyError, FolderLock

    with FolderLock(tmp_path) as lock:
        assert lock.path.read_text().strip() == str(os.getpid())
        with pytest.raises(FolderBusyError, match=rf"\(pid {os.getpid()}\)"):
            FolderLock(tmp_path).acquire()
    assert not (tmp_path / ".lock").exists()
    with FolderLock(tmp_path):  # free again
        pass
