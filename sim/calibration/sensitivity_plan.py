"""The checked request of ``caremarket sensitivity``: method, parameters, outputs, size.

``plan_sensitivity`` collects every problem with the options, the parameters, the metrics
and the scenario into one ``InputError`` and creates nothing.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import parameters as parameters_module
from ..calendar import WEEKS_PER_YEAR
from ..errors import InputError, Problem
from ..metrics import INDEX
from ..parameters import Parameters, load_parameters
from ..plan import MAX_YEARS, scale_problems, whole_problems
from ..scenario import Scenario
from . import sensitivity as salib
from .space import Space, build_space, default_paths, parse_paths, read_paths_file

DEFAULT_METRICS = ("council_spend", "unmet_need_hours", "provider_exits", "people_waiting")
#: Years simulated by default: the five-year horizon of a market-shaping plan.
DEFAULT_YEARS = 5
DEFAULT_SCALE = 0.1  # as calibrations: every district keeps its providers
DEFAULT_SEED = 20250401
DEFAULT_OUT = Path("results") / "sensitivity"
CHANGE_SUFFIX = "_change"


@dataclass(frozen=True)
class SensitivityPlan:
    """A checked request for a sensitivity analysis."""

    method: str
    space: Space
    metrics: tuple[str, ...]
    scenario: Scenario | None
    params: Parameters
    params_dir: Path
    n: int
    seed: int
    scale: float
    weeks: int
    jobs: int
    out: Path
    scenario_arg: str | None = None
    #: ``--check``: assert the weekly invariants (None: as ``CAREMARKET_CHECK`` says)
    check: bool | None = None

    @property
    def outputs(self) -> list[str]:
        suffix = CHANGE_SUFFIX if self.scenario else ""
        return [m + suffix for m in self.metrics]

    @property
    def runs(self) -> int:
        """Model runs the analysis needs."""
        return salib.design_size(self.method, len(self.space), self.n) * (2 if self.scenario
                                                                         else 1)

    @property
    def key(self) -> str:
        text = json.dumps([self.method, self.space.plain(), self.metrics, self.scenario_arg,
                           self.params.fingerprint(), self.n, self.seed, self.scale,
                           self.weeks])
        return hashlib.sha256(text.encode()).hexdigest()

    def reproduce(self) -> str:
        args = ["caremarket", "sensitivity", "--method", self.method,
                "--metrics", ",".join(self.metrics), "--params", ",".join(self.space.paths),
                "--n", str(self.n), "--scale", f"{self.scale:g}",
                "--years", f"{self.weeks / WEEKS_PER_YEAR:g}", "--seed", str(self.seed),
                "--jobs", str(self.jobs)]
        if self.scenario_arg:
            args += ["--scenario", self.scenario_arg]
        if self.params_dir.resolve() != Path(parameters_module.DEFAULT_PARAMS_DIR).resolve():
            args += ["--params-dir", str(self.params_dir)]
        return shlex.join(args + ["--out", str(self.out)])


def plan_sensitivity(*, method: str = "morris", metrics: str | Sequence[str] | None = None,
                     scenario: str | None = None, paths: str | Sequence[str] | None = None,
                     paths_file: str | Path | None = None, n: int | None = None,
                     out: str | Path = DEFAULT_OUT, scale: float = DEFAULT_SCALE,
                     years: float = DEFAULT_YEARS, seed: int = DEFAULT_SEED, jobs: int = 1,
                     params_dir: str | Path | None = None) -> SensitivityPlan:
    """Check every input of a sensitivity analysis; create nothing.

    Args:
        method: ``morris`` or ``sobol``.
        metrics: metric names (list or comma-separated); default ``DEFAULT_METRICS``.
        scenario: a scenario file or name: the outputs become its paired changes.
        paths: parameters to vary; default every assumption that can vary but those read
            only by interventions (``space.default_paths``).
        paths_file: a YAML list of parameters, instead of ``paths``.
        n: Morris trajectories or Sobol base samples (a power of two); default
            ``MORRIS_TRAJECTORIES`` or ``SOBOL_BASE_SAMPLES``.
        out, scale, years, seed, jobs, params_dir: as ``caremarket run``'s.

    Raises:
        InputError: every problem, each naming its option or file and key.
    """
    problems = _option_problems(method, n, scale, years, seed, jobs)
    params_dir = Path(params_dir or parameters_module.DEFAULT_PARAMS_DIR)
    params = load_parameters(params_dir)
    chosen = _metrics(metrics, problems)
    space = _space(paths, paths_file, params, problems)
    weeks = round(years * WEEKS_PER_YEAR) if not any(p.file == "--years" for p in problems) \
        else WEEKS_PER_YEAR
    loaded = _scenario(scenario, params, years, problems)
    if problems:
        raise InputError(problems)
    if n is None:
        n = salib.MORRIS_TRAJECTORIES if method == "morris" else salib.SOBOL_BASE_SAMPLES
    return SensitivityPlan(method, space, tuple(chosen), loaded, params, params_dir, n, seed,
                           float(scale), weeks, jobs, Path(out), scenario)


def _option_problems(method, n, scale, years, seed, jobs) -> list[Problem]:
    problems = []
    if method not in salib.METHODS:
        problems.append(Problem("--method", "", f"must be one of {', '.join(salib.METHODS)}, "
                                f"got {method!r}"))
    if n is not None:
        problems += whole_problems("--n", n, low=2)
        if method == "sobol" and not problems and n & (n - 1):
            problems.append(Problem("--n", "", f"Sobol's design needs a power of two, got {n}"))
    if (isinstance(years, bool) or not isinstance(years, (int, float))
            or not 0 < years <= MAX_YEARS):
        problems.append(Problem("--years", "", f"must be above 0 and at most {MAX_YEARS}, "
                                f"got {years!r}"))
    return (problems + scale_problems("--scale", scale) + whole_problems("--seed", seed, low=0)
            + whole_problems("--jobs", jobs))


def _metrics(metrics, problems: list[Problem]) -> list[str]:
    chosen = list(DEFAULT_METRICS) if not metrics else \
        parse_paths(metrics) if isinstance(metrics, str) else list(metrics)
    for name in chosen:
        if name not in INDEX:
            problems.append(Problem("--metrics", name, "unknown metric; see sim/metrics.py "
                                    "for the registry (e.g. council_spend, unmet_need_hours)"))
    if len(set(chosen)) != len(chosen):
        problems.append(Problem("--metrics", "", "a metric is given more than once"))
    return chosen


def _space(paths, paths_file, params: Parameters, problems: list[Problem]) -> Space | None:
    try:
        if paths_file:
            return build_space(read_paths_file(paths_file), params, str(paths_file))
        if paths:
            chosen = parse_paths(paths) if isinstance(paths, str) else list(paths)
            return build_space(chosen, params, "--params")
        return build_space(default_paths(params), params, "default parameters")
    except InputError as exc:
        problems += exc.problems
        return None


def _scenario(scenario: str | None, params: Parameters, years: float,
              problems: list[Problem]) -> Scenario | None:
    if scenario is None:
        return None
    from ..api import load_scenario

    try:
        loaded = load_scenario(scenario, params, years=years)
    except InputError as exc:
        problems += exc.problems
        return None
    if loaded.is_baseline:
        problems.append(Problem("--scenario", scenario, "give a scenario other than the "
                                "baseline: its change against the baseline is the output"))
    return loaded
