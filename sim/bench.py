"""The benchmark: whole replications of the default baseline, in this process, one by one.

Two passes over the same seeds: the baseline, then the baseline with every intervention of
the scenario library's policies switched on at once (so their cost shows). Each reports
wall seconds per replication (median and range), resident-weeks simulated per second (the
weekly ``residents_with_needs`` metric, unscaled, summed over weeks and replications,
divided by the total wall time) and the share of time in each phase of the weekly step;
the run reports the process's peak resident memory.

Sizes (``SIZES``) say how many counties' worth of residents to simulate: ``small`` and
``county`` run the parameter folder's county (a tenth of it, all of it); ``region`` and
``large`` run a region of several councils (the East of England preset, ``sim.regions``)
at the scale that gives about 10 and 40 times the county's population aged 65+.
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
from .regions import is_region_folder
from .runner import replication_seeds
from .scenario import Scenario, baseline_scenario, load_scenarios, scenario_files

RESIDENTS_METRIC = "residents_with_needs"
BYTES_PER_MB = 1024 * 1024
KB_PER_MB = 1024
POPULATION = "county.population_65plus"
LIBRARY_PASS = "with_library_interventions"


@dataclass(frozen=True)
class Size:
    """A benchmark size: how many counties' worth of people aged 65+ to simulate, and in
    which region.

    Attributes:
        counties: multiple of the county's population aged 65+ (the parameter folder's
            county; the package's default county when the folder is a region preset).
        region: the region preset to run (``sim.regions``) unless the parameter folder is
            a region already; None runs the parameter folder as it is.
    """

    counties: float
    region: str | None = None


#: Each ``--size``: ``small`` and ``county`` are shares of the county; ``region`` and
#: ``large`` the East of England preset, scaled to 10 and 40 counties' worth of residents.
SIZES = {
    "small": Size(0.1),
    "county": Size(1.0),
    "region": Size(10.0, "east_of_england"),
    "large": Size(40.0, "east_of_england"),
}


@dataclass
class BenchSetup:
    """What a benchmark runs: the parameters, the scale, and how big that is.

    Attributes:
        size: the ``SIZES`` name.
        params: the parameters (a region preset's laid over the defaults for a region).
        scale: the share of ``params``' population simulated.
        region: the region preset's name, or None for a county.
        counties: the simulated population aged 65+ as a multiple of the county's.
    """

    size: str
    params: Parameters
    scale: float
    region: str | None
    counties: float

    @property
    def population_65plus(self) -> float:
        """People aged 65+ simulated at the start."""
        return float(self.params[POPULATION].sum()) * self.scale

    def describe(self) -> str:
        """E.g. ``scale 2.525 of the east_of_england preset (11 councils, 45 districts):
        10 counties' worth``."""
        where = (f"of the {self.region} preset ({self.params.dim_sizes['council']} "
                 f"councils, {self.params.dim_sizes['district']} districts)"
                 if self.region else "of the county")
        return f"scale {self.scale:.4g} {where}: {self.counties:.3g} counties' worth"


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
    region: str | None = None  # the region preset run, or None for a county
    counties: float = 1.0  # the simulated population aged 65+ over the county's
    councils: int = 1
    districts: int = 0
    population_65plus: float = 0.0  # simulated at the start
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


def bench_setup(size: str = "county", scale: float | None = None,
                params_dir: Path | str | None = None, years: int = 1, reps: int = 1
                ) -> BenchSetup:
    """Check the options and choose the parameters and scale of a benchmark.

    The scale is ``SIZES[size].counties`` times the county's population aged 65+ over the
    parameters' (for a county, exactly the multiple), unless ``scale`` is given.

    Args:
        size: a name in ``SIZES``.
        scale: a share of the parameters' population that overrides ``size``'s.
        params_dir: another parameter folder (a county, or a region preset).
        years, reps: checked only (whole numbers, 1 or more).

    Raises:
        InputError: every bad option at once (size, years, reps, scale), or a bad
            parameter folder or region.
    """
    problems = (whole_problems("--years", years) + whole_problems("--reps", reps)
                + (scale_problems("--scale", scale) if scale is not None else []))
    if size not in SIZES:
        problems.append(Problem("--size", "", f"unknown size {size!r}; valid: "
                                f"{', '.join(SIZES)}"))
    if problems:
        raise InputError(problems)
    folder = Path(params_dir or parameters_module.DEFAULT_PARAMS_DIR)
    in_region = is_region_folder(folder)
    county = load_parameters(parameters_module.DEFAULT_PARAMS_DIR if in_region else folder)
    region = folder.name if in_region else SIZES[size].region
    if in_region:
        params = load_parameters(folder)
    elif region is not None:
        params = load_parameters(folder, region=region)
    else:
        params = county
    per_county = float(county[POPULATION].sum()) / float(params[POPULATION].sum())
    if scale is None:
        scale = SIZES[size].counties * per_county
    return BenchSetup(size, params, scale, region, scale / per_county)


def benchmark(size: str = "county", years: int = 10, reps: int = 3, seed: int = 0,
              scale: float | None = None, library: Path | str | None = None,
              params_dir: Path | str | None = None, setup: BenchSetup | None = None
              ) -> BenchResult:
    """Time whole replications of the default baseline, then (given ``library``, a
    scenario folder) of the baseline with every library policy's interventions on.

    Args:
        size: a name in ``SIZES`` (how many counties' worth of residents, and where).
        years, reps, seed: the horizon, replications and base seed.
        scale: a share of the parameters' population that overrides ``size``.
        library: the scenario library for the second pass (None: baseline only).
        params_dir: another parameter folder (a county, or a region preset).
        setup: a ``bench_setup`` already made from these options (not made again).

    Raises:
        InputError: bad size, years, reps or scale, or a bad library.
    """
    if setup is None:
        setup = bench_setup(size, scale, params_dir, years, reps)
    elif problems := whole_problems("--years", years) + whole_problems("--reps", reps):
        raise InputError(problems)
    params, weeks = setup.params, years * WEEKS_PER_YEAR
    scenarios = [baseline_scenario()]
    if library is not None:
        scenarios.append(library_scenario(library, params, years))
    passes = [time_pass(params, s, weeks, setup.scale, reps, seed) for s in scenarios]
    return BenchResult(setup.size, years, weeks, setup.scale, reps, seed, passes,
                       peak_rss_mb(), region=setup.region, counties=setup.counties,
                       councils=params.dim_sizes["council"],
                       districts=params.dim_sizes["district"],
                       population_65plus=setup.population_65plus)
