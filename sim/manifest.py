"""Provenance of a run: versions, git commit, input hashes, and the manifest document.

A results folder without its manifest cannot be trusted or reproduced; the manifest is
written first (status ``running``, every job ``pending``), rewritten as jobs finish, and
when the run ends (``completed`` or ``failed``, with the error).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .fileio import plain, sha256_file, write_json
from .invariants import checking
from .plan import MANIFEST, RunPlan
from .runner import replication_seeds

PACKAGE = "caremarket"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("numpy", "pandas", "mesa", "pyarrow", "scipy", "pydantic")
GIT_TIMEOUT_S = 10


def caremarket_version() -> str:
    """The installed version, or the working tree's pyproject version."""
    pyproject = PACKAGE_ROOT / "pyproject.toml"
    if pyproject.is_file():
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            pass
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def versions(extra: Sequence[str] = ()) -> dict[str, str | None]:
    """Versions of caremarket, Python and the libraries that shape results (and of the
    ``extra`` libraries named)."""
    found: dict[str, str | None] = {"caremarket": caremarket_version(),
                                    "python": platform.python_version()}
    for name in (*LIBRARIES, *extra):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(PACKAGE_ROOT), *args], capture_output=True,
                              text=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_info() -> dict[str, Any]:
    """The commit of the repository holding this code, if it runs from a git checkout.

    Returns ``{"commit": None, "dirty": None}`` when the code is installed elsewhere.
    """
    top = _git("rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != PACKAGE_ROOT:
        return {"commit": None, "dirty": None}
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": _git("rev-parse", "HEAD"), "dirty": None if status is None else bool(status)}


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def input_hashes(files: list[Path]) -> dict[str, str]:
    """SHA-256 of each input file, keyed by its path (relative to the working folder)."""
    return {_display(f): sha256_file(f) for f in files}


def now() -> str:
    """The local time, ISO 8601 with its UTC offset, to the second."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def new_manifest(plan: RunPlan, run_id: str, command: list[str]) -> dict[str, Any]:
    """The manifest of a run that is starting (status ``running``)."""
    manifest = {
        "status": "running",
        "run_id": run_id,
        "command": list(command),
        "reproduce": plan.reproduce(),
        "working_dir": str(Path.cwd()),
        "created": now(),
        "finished": None,
        "elapsed_s": None,
        "error": None,
        "versions": versions(),
        "platform": f"{platform.system()} {platform.machine()}",
        "git": git_info(),
        "parameters_fingerprint": plan.params.fingerprint(),
        "parameters_dir": _display(plan.params_dir),
        "overrides": plain(plan.overrides),
        "input_files": input_hashes(plan.input_files),
        "inputs_key": plan.inputs_key,
        "seed": plan.seed,
        "seed_scheme": "numpy.random.SeedSequence(seed).spawn(reps)[rep]",
        "reps": plan.reps,
        "years": plan.years,
        "weeks": plan.weeks,
        "start_date": plan.start.isoformat(),
        "scale": plan.scale,
        "jobs_workers": plan.jobs,
        "invariants_checked": checking(plan.check),
        "scenarios": [s.name for s in plan.scenarios],
        "jobs": job_records(plan),
        "python_executable": sys.executable,
        "pid": os.getpid(),
    }
    if hasattr(plan.params, "posterior"):  # caremarket run --posterior
        _record_posterior(manifest, plan)
    return manifest


def job_records(plan: RunPlan) -> list[dict[str, Any]]:
    """A ``pending`` record of each job, in job order (replication, then scenario), with
    the seed that reproduces it: ``SeedSequence(entropy, spawn_key=spawn_key)``."""
    return [{"scenario": s.name, "rep": rep,
             "seed": {"entropy": seed.entropy, "spawn_key": list(seed.spawn_key)},
             "state": "pending", "elapsed_s": None, "file": None, "error": None,
             "traceback": None}
            for rep, seed in enumerate(replication_seeds(plan.seed, plan.reps))
            for s in plan.scenarios]


def _record_posterior(manifest: dict[str, Any], plan: RunPlan) -> None:
    """Add a calibration posterior (``sim.calibration.posterior``) to a run's manifest:
    each replication's draw, the posterior's files, and the option to reproduce it."""
    manifest["posterior"] = plan.params.record(plan.reps)
    manifest["input_files"].update(input_hashes(plan.params.posterior.files))
    manifest["reproduce"] += " " + shlex.join(plan.params.reproduce_options())


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` atomically."""
    write_json(run_dir / MANIFEST, manifest)
