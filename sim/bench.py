"""The benchmark: whole replications of the default baseline, in this process, one by one.

Two passes over the same seeds: the baseline, then the baseline with every intervention of
the scenario library's policies switched on at once (so their cost shows). Each reports
wall seconds per replication (median and range), resident-weeks simulated per second (the
weekly ``residents_with_needs`` metric, unscaled, summed over weeks and replications,
divided by the total wall time) and the share of time in each phase of the weekly step;
the run reports the process's peak resident memory.
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import parameters as parameters_module
from .calendar import WEEKS_PER_YEAR
from .errors import InputError, Problem
from .metrics import INDEX
from .parameters import Parameters, load_parameters
from .plan import scale_problems, whole_problems
from .runner import replication_seeds
from .scenario import Scenario, baseline_scenario, load_scenarios, scenario_files

RESIDENTS_METRIC = "residents_with_needs"
BYTES_PER_MB = 1024 * 1024
KB_PER_MB = 1024
#: Share of the default county simulated by each ``--size``.
SIZES = {"small": 0.1, "county": 1.0}
LIBRARY_PASS = "with_library_interventions"


@dataclass
class PassResult:
    """Timings of one pass: a scenario over every replication."""

    scenario: str
    wall_s: list[float]
    resident_weeks: float
    phase_s: dict[str, float]  # summed over replications

    @property
    def median_s(self) -> float:
        """Median wall seconds per replication."""
        return statistics.median(self.wall_s)

    @property
    def resident_weeks_per_s(self) -> float:
        """Resident-weeks simulated per wall second."""
        return self.resident_weeks / sum(self.wall_s)

    @property
    def phase_shares(self) -> dict[str, float]:
        """Each phase's share of the time in the weekly step."""
        total = sum(self.phase_s.values()) or 1.0
        return {name: seconds / total for name, seconds in self.phase_s.items()}

    def to_dict(self) -> dict:
        return {**asdict(self), "median_s": self.median_s, "min_s": min(self.wall_s),
                "max_s": max(self.wall_s), "resident_weeks_per_s": self.resident_weeks_per_s,
                "phase_shares": self.phase_shares}


@dataclass
class BenchResult:
    """Timings of a benchmark run."""

    size: str
    years: int
    weeks: int
    scale: float
    reps: int
    seed: int
    passes: list[PassResult]
    peak_rss_mb: float | None
    python: str = field(default_factory=platform.python_version)
    machine: str = field(default_factory=lambda: f"{platform.system()} {platform.machine()}")

    @property
    def baseline(self) -> PassResult:
        return self.passes[0]

    def to_dict(self) -> dict:
        """Plain data for JSON: the baseline pass's figures at the top level."""
        plain = {k: v for k, v in asdict(self).items() if k != "passes"}
        base = self.baseline.to_dict()
        return {**plain, **{k: base[k] for k in ("wall_s", "median_s", "min_s", "max_s",
                                                 "resident_weeks_per_s", "phase_shares")},
                "passes": [p.to_dict() for p in self.passes]}


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process in MB (None where ``resource`` is missing)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / BYTES_PER_MB if sys.platform == "darwin" else peak / KB_PER_MB


def library_scenario(folder: Path | str, params: Parameters, years: int) -> Scenario:
    """The baseline with every intervention of the library's policies (not its stress
    tests) switched on at once; interventions starting after the horizon are left out.

    Raises:
        InputError: the folder holds no scenario files, or a file is wrong.
    """
    start = params["run.start_date"]
    end = start + dt.timedelta(weeks=years * WEEKS_PER_YEAR) - dt.timedelta(days=1)
    files = [f for f in scenario_files([folder]) if f.stem != "baseline"]
    if not files:
        raise InputError(Problem(str(folder), "", "no scenario files to take interventions "
                                 "from (give --library DIR)"))
    far = dt.date(start.year + 100, 1, 1)  # every date in the library is before this
    policies = [s for s in load_scenarios(files, params, start, far)
                if not s.is_baseline and not s.stress_test]
    specs = {}
    for scenario in policies:
        for spec in scenario.interventions:
            starts = spec.plain().get("from")
            if starts is None or dt.date.fromisoformat(str(starts)) <= end:
                specs[repr(spec.plain())] = spec
    return Scenario(LIBRARY_PASS, "Every library intervention",
                    "The baseline with every intervention of the library's policies on.",
                    file=str(folder), interventions=list(specs.values()))


def time_pass(params: Parameters, scenario: Scenario, weeks: int, scale: float,
              reps: int, seed: int) -> PassResult:
    """Time ``reps`` replications of one scenario, serially, with phase timings."""
    from .model import CareMarketModel

    walls, resident_weeks, phases = [], 0.0, {}
    for seed_sequence in replication_seeds(seed, reps):
        started = time.perf_counter()
        model = CareMarketModel(params, scenario, seed_sequence, weeks, scale)
        model.phase_seconds = phases
        values = model.run()
        walls.append(time.perf_counter() - started)
        resident_weeks += float(values[INDEX[RESIDENTS_METRIC]].sum())
    return PassResult(scenario.name, walls, resident_weeks, phases)


def benchmark(size: str = "county", years: int = 10, reps: int = 3, seed: int = 0,
              scale: float | None = None, library: Path | str | None = None,
              params_dir: Path | str | None = None) -> BenchResult:
    """Time whole replications of the default baseline, then (given ``library``, a
    scenario folder) of the baseline with every library policy's interventions on.

    Args:
        size: a name in ``SIZES`` (the share of the county simulated).
        years, reps, seed: the horizon, replications and base seed.
        scale: a share of the county that overrides ``size``.
        library: the scenario library for the second pass (None: baseline only).
        params_dir: another parameter folder.

    Raises:
        InputError: bad size, years, reps or scale, or a bad library.
    """
    problems = (whole_problems("--years", years) + whole_problems("--reps", reps)
                + (scale_problems("--scale", scale) if scale is not None else []))
    if size not in SIZES:
        problems.append(Problem("--size", "", f"unknown size {size!r}; valid: "
                                f"{', '.join(SIZES)}"))
    if problems:
        raise InputError(problems)
    params = load_parameters(params_dir or parameters_module.DEFAULT_PARAMS_DIR)
    scale = SIZES[size] if scale is None else scale
    weeks = years * WEEKS_PER_YEAR
    scenarios = [baseline_scenario()]
    if library is not None:
        scenarios.append(library_scenario(library, params, years))
    passes = [time_pass(params, s, weeks, scale, reps, seed) for s in scenarios]
    return BenchResult(size, years, weeks, scale, reps, seed, passes, peak_rss_mb())
