"""The benchmark: whole replications of the default baseline, in this process, one by one.

Reports wall seconds per replication (median and range), resident-weeks simulated per
second (the weekly ``residents_with_needs`` metric summed over weeks and replications,
unscaled, divided by the total wall time) and the process's peak resident memory.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import parameters as parameters_module
from .calendar import WEEKS_PER_YEAR
from .errors import InputError
from .metrics import INDEX
from .parameters import load_parameters
from .plan import scale_problems, whole_problems
from .runner import replication_seeds
from .scenario import baseline_scenario

RESIDENTS_METRIC = "residents_with_needs"
BYTES_PER_MB = 1024 * 1024
KB_PER_MB = 1024


@dataclass
class BenchResult:
    """Timings of a benchmark run."""

    years: int
    weeks: int
    scale: float
    reps: int
    seed: int
    wall_s: list[float]
    resident_weeks: float
    peak_rss_mb: float | None
    python: str = field(default_factory=platform.python_version)
    machine: str = field(default_factory=lambda: f"{platform.system()} {platform.machine()}")

    @property
    def median_s(self) -> float:
        """Median wall seconds per replication."""
        return statistics.median(self.wall_s)

    @property
    def resident_weeks_per_s(self) -> float:
        """Resident-weeks simulated per wall second."""
        return self.resident_weeks / sum(self.wall_s)

    def to_dict(self) -> dict:
        """Plain data for JSON, with the derived figures."""
        return {**asdict(self), "median_s": self.median_s, "min_s": min(self.wall_s),
                "max_s": max(self.wall_s), "resident_weeks_per_s": self.resident_weeks_per_s}


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process in MB (None where ``resource`` is missing)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / BYTES_PER_MB if sys.platform == "darwin" else peak / KB_PER_MB


def benchmark(years: int, scale: float, reps: int, seed: int = 0,
              params_dir: Path | str | None = None) -> BenchResult:
    """Time ``reps`` whole replications of the default baseline, serially, in-process.

    Raises:
        InputError: years or reps below 1, or scale not above 0.
    """
    problems = (whole_problems("--years", years) + whole_problems("--reps", reps)
                + scale_problems("--scale", scale))
    if problems:
        raise InputError(problems)
    from .model import simulate

    params = load_parameters(params_dir or parameters_module.DEFAULT_PARAMS_DIR)
    weeks = years * WEEKS_PER_YEAR
    walls, resident_weeks = [], 0.0
    for seed_sequence in replication_seeds(seed, reps):
        started = time.perf_counter()
        values = simulate(params, baseline_scenario(), seed_sequence, weeks, scale)
        walls.append(time.perf_counter() - started)
        resident_weeks += float(np.sum(values[INDEX[RESIDENTS_METRIC]]))
    return BenchResult(years, weeks, scale, reps, seed, walls, resident_weeks, peak_rss_mb())
