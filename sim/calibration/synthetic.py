"""Synthetic targets: figures simulated at known parameter values, to check that a
calibration recovers them (``tests/test_calibrate_abc.py``, docs/calibration.md).

The observed figure is the mean of ``runs`` model runs at the truth, with seeds unlike any
a calibration uses; its standard deviation is one run's spread (what a single run of a
calibration is compared with), at least ``min_relative_sd`` of the figure, so a figure the
model computes exactly still gets some slack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import yaml

from ..parameters import Parameters
from .simulator import TargetSimulator
from .space import build_space
from .targets import load_targets

SYNTHETIC_RUNS = 6
MIN_RELATIVE_SD = 0.02
#: Seeds of the runs at the truth start here (calibrations use their own seeds).
TRUTH_SEED = 900
SOURCE = {"title": "synthetic: simulated at known parameter values",
          "url": "https://example.org/synthetic"}


def synthetic_targets(path: Path | str, params: Parameters, truth: Mapping[str, float],
                      metrics: Sequence[str], period: str, weeks: int, scale: float,
                      runs: int = SYNTHETIC_RUNS,
                      min_relative_sd: float = MIN_RELATIVE_SD) -> Path:
    """Write a targets file of ``metrics`` over ``period`` simulated at ``truth`` (values of
    scalars, multipliers of arrays) and return its path."""
    path = Path(path)
    entries = {m: {"metric": m, "period": period, "value": 1.0, "sd": 1.0, "source": SOURCE}
               for m in metrics}
    _write(path, entries)
    space = build_space(list(truth), params, "truth")
    model = [TargetSimulator(params, space, load_targets(path), weeks, scale, TRUTH_SEED + k)
             for k in range(runs)]
    figures = [m.at(space.point(truth)) for m in model]
    for metric in metrics:
        values = np.array([f[metric] for f in figures])
        entries[metric]["value"] = float(values.mean())
        entries[metric]["sd"] = float(max(values.std(ddof=1),
                                          min_relative_sd * abs(values.mean())))
    _write(path, entries)
    return path


def _write(path: Path, entries: dict) -> None:
    path.write_text(yaml.safe_dump({"name": "synthetic", "description": "Figures simulated "
                                    "at known parameter values.", "targets": entries}),
                    encoding="utf-8")
