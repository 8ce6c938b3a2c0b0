"""The manifest of a calibration or sensitivity folder: written first (status
``running``), rewritten after each generation, and at the end ``completed``, ``failed``
(with the error) or ``interrupted``."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..fileio import write_json
from ..manifest import git_info, input_hashes, now, versions
from ..plan import MANIFEST
from .plan import CalibrationPlan

#: Libraries that shape a calibration's or a sensitivity analysis's results.
LIBRARIES = ("pyabc", "SALib")
REPRODUCIBILITY = (
    "Same inputs and seed, same posterior, whatever the number of workers and across "
    "interruptions: each simulation's proposal and model seed come from (seed, generation, "
    "job number), and a generation is built from the jobs up to its n-th acceptance by "
    "number. Not reproducible: the count of simulations each generation records (surplus "
    "runs past the n-th acceptance depend on timing); results can differ across versions "
    "of pyabc, numpy or scipy (see versions).")


def library_versions() -> dict[str, str | None]:
    """``sim.manifest.versions()`` and the versions of pyabc and SALib."""
    return versions(LIBRARIES)


def start_manifest(plan: CalibrationPlan, folder: Path, command: Sequence[str]) -> dict:
    """The manifest of a calibration that starts, or continues (keeping its generations)."""
    previous = read_manifest(folder) if plan.resume is not None else {}
    manifest = {
        "kind": "calibration",
        "status": "running",
        "calibration_id": folder.name,
        "command": list(command),
        "reproduce": plan.reproduce(),
        "working_dir": str(Path.cwd()),
        "created": previous.get("created", now()),
        "resumed": now() if previous else None,
        "finished": None,
        "elapsed_s": None,
        "error": None,
        "versions": library_versions(),
        "git": git_info(),
        "parameters_fingerprint": plan.params.fingerprint(),
        "parameters_dir": str(plan.params_dir),
        "targets_file": str(plan.targets.file),
        "input_files": input_hashes(plan.input_files),
        "inputs_key": plan.inputs_key,
        "settings": {"particles": plan.particles, "generations": plan.generations,
                     "seed": plan.seed, "scale": plan.scale, "weeks": plan.weeks,
                     "start_date": plan.start.isoformat(), "epsilon_quantile": plan.quantile,
                     "jobs": plan.jobs, "distance": "Euclidean, in standard deviations"},
        "space": plan.space.plain(),
        "generations": previous.get("generations", []),
        "reproducibility": REPRODUCIBILITY,
    }
    write_manifest(folder, manifest)
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    """A folder's manifest (empty when it has none)."""
    try:
        return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(folder: Path, manifest: dict) -> None:
    write_json(Path(folder) / MANIFEST, manifest)


def finish_manifest(manifest: dict, folder: Path, started: float,
                    error: BaseException | None) -> None:
    """Record how the work ended and how long it took."""
    if error is None:
        manifest["status"] = "completed"
    elif isinstance(error, KeyboardInterrupt):
        manifest["status"] = "interrupted"
    else:
        manifest["status"] = "failed"
        manifest["error"] = f"{type(error).__name__}: {error}"
    manifest["finished"] = now()
    manifest["elapsed_s"] = round(time.perf_counter() - started, 3)
    write_manifest(folder, manifest)
