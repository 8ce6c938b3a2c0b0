"""The calibrated parameters as files: ``calibrated.yaml`` and ``params/``.

``calibrated.yaml`` is an overlay: only the calibrated parameters, each a parameter leaf
(value, unit, description, range) marked ``status: calibrated``, whose ``source`` names the
calibration folder, with the posterior's summary. Its value is the posterior median (of
the multiplier, for an array). ``params/`` is the whole parameter folder the calibration
started from with those leaves replaced (the files holding them rewritten, the others
copied as they are), for ``caremarket run --params <folder>/params``
(a point estimate; ``--posterior`` carries the whole posterior into a run instead). Both
are written to temporary names and moved into place, and ``params/`` is loaded and checked
before it is.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..fileio import plain, write_text
from ..parameters import load_parameters
from ..plan import parameter_files
from ..yamlio import load_yaml
from .plan import CalibrationPlan
from .space import MULTIPLIER

OVERLAY = "calibrated.yaml"
PARAMS_FOLDER = "params"
HEADER = ("# Written by caremarket calibrate: the posterior median of each calibrated "
          "parameter.\n# Calibration folder: {folder}\n")


def calibrated_leaves(plan: CalibrationPlan, folder: Path, parameters: pd.DataFrame
                      ) -> dict[str, dict[str, Any]]:
    """Each calibrated parameter as a leaf of a parameter file, by path."""
    medians = parameters.set_index("path")["posterior_p50"]
    values = plan.space.values(plan.params, [medians[p] for p in plan.space.paths])
    leaves = {}
    for row in parameters.itertuples():
        spec = plan.params.spec(row.path)
        what = "multiplier of the default" if row.kind == MULTIPLIER else "value"
        leaf = {"value": plain(values[row.path]), "unit": spec.unit,
                "description": spec.description, "status": "calibrated",
                "reason": (f"Posterior median ({what} {row.posterior_p50:.4g}; 90% interval "
                           f"{row.posterior_p5:.4g} to {row.posterior_p95:.4g}) of "
                           f"calibration {folder.name} against {plan.targets.file}."),
                "source": {"title": f"caremarket calibration {folder.name}",
                           "url": folder.resolve().as_uri()}}
        leaf["range_scale" if spec.dims else "range"] = [row.prior_low, row.prior_high]
        for key in ("dims", "extensive", "timing", "per_council"):
            if getattr(spec, key) not in ((), False, "dynamic"):
                leaf[key] = plain(getattr(spec, key))
        leaves[row.path] = leaf
    return leaves


def write_overlay(plan: CalibrationPlan, folder: Path, parameters: pd.DataFrame) -> None:
    """Write ``calibrated.yaml`` and ``params/`` into a calibration folder."""
    leaves = calibrated_leaves(plan, folder, parameters)
    text = HEADER.format(folder=folder.resolve()) + _dump(
        {"calibration": str(folder), "targets": str(plan.targets.file), "parameters": leaves})
    write_text(folder / OVERLAY, text)
    _write_params_folder(plan.params_dir, folder / PARAMS_FOLDER, leaves, folder)


def _dump(tree: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's when installed
    return yaml.dump(tree, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)


def _write_params_folder(source: Path, target: Path, leaves: dict[str, dict],
                         folder: Path) -> None:
    """A copy of the parameter folder ``source`` with ``leaves`` in place, checked, then
    moved to ``target``."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # a new folder's usual permissions, not mkdtemp's
    try:
        files = {file.stem: file for file in parameter_files(source)}
        for group in sorted(files.keys() | {path.split(".", 1)[0] for path in leaves}):
            _write_group(group, files.get(group), staging, leaves, folder)
        load_parameters(staging)  # a calibrated folder that does not load is a bug
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_group(group: str, file: Path | None, staging: Path, leaves: dict[str, dict],
                 folder: Path) -> None:
    """One parameter file of the copy: as it was, or with the group's calibrated leaves
    (a group the folder lacks, e.g. in a region preset laid over the defaults, gets a file
    of its calibrated leaves alone)."""
    mine = {path: leaf for path, leaf in leaves.items() if path.split(".", 1)[0] == group}
    if not mine:  # unchanged: copied as it is, comments and all
        shutil.copyfile(file, staging / file.name)
        return
    tree = load_yaml(file) if file is not None else {}
    for path, leaf in mine.items():
        _replace(tree, path.split(".")[1:], leaf)
    header = f"# {'Copied from ' + str(file) if file else 'Written'} by caremarket calibrate " \
             f"({folder.name}).\n"
    (staging / f"{group}.yaml").write_text(header + _dump(tree), encoding="utf-8")


def _replace(tree: dict, keys: list[str], leaf: dict) -> None:
    node = tree
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = {**node.get(keys[-1], {}), **leaf}
