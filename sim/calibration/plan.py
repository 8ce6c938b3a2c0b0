"""A calibration plan: every input of ``caremarket calibrate`` checked before anything is
written (the targets file, the parameters to vary, the options, the output folder)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import parameters as parameters_module
from ..calendar import WEEKS_PER_YEAR
from ..errors import InputError, Problem
from ..fileio import sha256_file
from ..parameters import Parameters, load_parameters
from ..plan import (
    MAX_YEARS,
    parameter_files,
    read_manifest,
    scale_problems,
    whole_problems,
)
from .space import Space, build_space, parse_paths, read_paths_file
from .targets import Targets, load_targets

#: Particles in each generation of ABC-SMC (pyabc's population size).
DEFAULT_PARTICLES = 100
#: Generations of ABC-SMC; each lowers the acceptance threshold.
DEFAULT_GENERATIONS = 5
#: Each generation's acceptance threshold is this quantile of the last one's distances.
EPSILON_QUANTILE = 0.5
#: Share of the county simulated by default: large enough that every district has
#: providers (README: use 0.1 or more), small enough for thousands of runs.
DEFAULT_SCALE = 0.1
DEFAULT_SEED = 20250401
DEFAULT_OUT = Path("results") / "calibrations"
DB_FILE = "abc.db"  # pyabc's database of a calibration folder


@dataclass(frozen=True)
class CalibrationPlan:
    """A checked request to calibrate."""

    targets: Targets
    space: Space
    params: Parameters
    params_dir: Path
    particles: int
    generations: int
    seed: int
    scale: float
    weeks: int
    jobs: int
    out: Path
    resume: Path | None = None
    quantile: float = EPSILON_QUANTILE
    #: ``--check``: assert the weekly invariants (None: as ``CAREMARKET_CHECK`` says)
    check: bool | None = None

    @property
    def start(self) -> dt.date:
        return self.params["run.start_date"]

    @property
    def input_files(self) -> list[Path]:
        """Parameter files, then the targets file."""
        return [*parameter_files(self.params_dir), self.targets.file]

    @property
    def inputs_key(self) -> str:
        """A hash of everything the posterior depends on: not the number of generations
        (a finished calibration can be continued) nor of workers (results do not depend on
        it)."""
        text = json.dumps({
            "parameters": self.params.fingerprint(), "space": self.space.plain(),
            "targets": sha256_file(self.targets.file), "particles": self.particles,
            "seed": self.seed, "scale": self.scale, "weeks": self.weeks,
            "quantile": self.quantile,
        }, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def reproduce(self) -> str:
        """The command line that reruns this calibration with every option spelled out."""
        args = ["caremarket", "calibrate", str(self.targets.file),
                "--params", ",".join(self.space.paths),
                "--particles", str(self.particles), "--generations", str(self.generations),
                "--scale", _number(self.scale), "--years", _number(self.weeks / WEEKS_PER_YEAR),
                "--seed", str(self.seed), "--jobs", str(self.jobs)]
        if self.params_dir.resolve() != Path(parameters_module.DEFAULT_PARAMS_DIR).resolve():
            args += ["--params-dir", str(self.params_dir)]
        return shlex.join(args + ["--out", str(self.out)])


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def plan_calibration(targets_file: str | Path, *, paths: str | Sequence[str] | None = None,
                     paths_file: str | Path | None = None,
                     particles: int = DEFAULT_PARTICLES,
                     generations: int = DEFAULT_GENERATIONS, jobs: int = 1,
                     out: str | Path = DEFAULT_OUT, scale: float = DEFAULT_SCALE,
                     years: float | None = None, seed: int = DEFAULT_SEED,
                     params_dir: str | Path | None = None,
                     resume: str | Path | None = None,
                     quantile: float = EPSILON_QUANTILE) -> CalibrationPlan:
    """Check every input of a calibration; create nothing.

    Args:
        targets_file: a targets file (``calibration/*.yaml``).
        paths: parameters to vary (a list, or comma-separated text); default the targets
            file's ``parameters``.
        paths_file: a YAML list of parameters to vary, instead of ``paths``.
        particles: particles a generation.
        generations: generations to reach (a resumed calibration continues to it).
        jobs: worker processes (results do not depend on it).
        out: folder that receives the calibration folder.
        scale: share of the county simulated (results are scaled back).
        years: years simulated; default to the end of the last target's period.
        seed: base seed.
        params_dir: parameter folder; default the package's ``sim/params``.
        resume: an earlier calibration folder of the same inputs to continue.
        quantile: each generation's threshold as a quantile of the last one's distances.

    Raises:
        InputError: listing every problem, each naming its file or option and key.
    """
    problems = (whole_problems("--particles", particles, low=2)
                + whole_problems("--generations", generations)
                + whole_problems("--jobs", jobs) + whole_problems("--seed", seed, low=0)
                + scale_problems("--scale", scale) + _years_problems(years)
                + _quantile_problems(quantile))
    if paths and paths_file:
        problems.append(Problem("--params-file", "", "give --params or --params-file, "
                                "not both"))
    if Path(out).exists() and not Path(out).is_dir():
        problems.append(Problem("--out", "", f"{out} is a file; give a folder (it is created "
                                "if missing)"))
    params_dir = Path(params_dir or parameters_module.DEFAULT_PARAMS_DIR)
    params = load_parameters(params_dir)
    targets = _collect(lambda: load_targets(targets_file), problems)
    space = _space(targets, paths, paths_file, params, problems)
    weeks = _weeks(targets, years, params)
    if targets is not None and weeks is not None:
        _collect(lambda: targets.check_run(params["run.start_date"], weeks), problems)
    if problems:
        raise InputError(problems)
    plan = CalibrationPlan(targets, space, params, params_dir, particles, generations, seed,
                           float(scale), weeks, jobs, Path(out),
                           Path(resume) if resume else None, quantile)
    if resume is not None:
        check_resume(plan)
    return plan


def _collect(call, problems: list[Problem]):
    try:
        return call()
    except InputError as exc:
        problems += exc.problems
        return None


def _space(targets: Targets | None, paths, paths_file, params: Parameters,
           problems: list[Problem]) -> Space | None:
    if paths_file:
        where = str(paths_file)
        chosen = _collect(lambda: read_paths_file(paths_file), problems)
        if chosen is None:
            return None
    elif paths:
        where = "--params"
        chosen = parse_paths(paths) if isinstance(paths, str) else list(paths)
    elif targets is not None and targets.parameters:
        return _collect(lambda: build_space(list(targets.parameters), params,
                                            str(targets.file), "parameters"), problems)
    else:
        if targets is not None:
            problems.append(Problem("--params", "", "name the parameters to calibrate "
                                    "(--params a,b or --params-file), or list them under "
                                    f"`parameters:` in {targets.file}"))
        return None
    return _collect(lambda: build_space(chosen, params, where), problems)


def _years_problems(years) -> list[Problem]:
    if years is None or (not isinstance(years, bool) and isinstance(years, (int, float))
                         and 1 <= years * WEEKS_PER_YEAR and years <= MAX_YEARS):
        return []
    return [Problem("--years", "", f"must be from one week (1/52) to {MAX_YEARS} years, "
                    f"got {years!r}")]


def _quantile_problems(quantile) -> list[Problem]:
    if isinstance(quantile, (int, float)) and 0 < quantile < 1:
        return []
    return [Problem("quantile", "", f"must be between 0 and 1, got {quantile!r}")]


def _weeks(targets: Targets | None, years, params: Parameters) -> int | None:
    if years is not None and not _years_problems(years):
        return round(years * WEEKS_PER_YEAR)
    if targets is None:
        return None
    return targets.weeks_needed(params["run.start_date"])


def check_resume(plan: CalibrationPlan) -> None:
    """Check that ``plan.resume`` is a calibration folder made from the same inputs.

    Raises:
        InputError: it is not, saying what differs or how to rerun it.
    """
    manifest = read_manifest(plan.resume, "--resume", "calibration")
    if manifest.get("kind") != "calibration":
        raise InputError(Problem("--resume", "", f"{plan.resume} is not a calibration folder"))
    if manifest.get("inputs_key") != plan.inputs_key:
        raise InputError(Problem("--resume", "", f"{plan.resume} was made from other inputs "
                                 "(parameters, targets, particles, seed, scale or years "
                                 f"differ); continue it with: {manifest.get('reproduce', '?')} "
                                 f"--resume {plan.resume}"))
    if not (plan.resume / DB_FILE).is_file():
        raise InputError(Problem("--resume", "", f"{plan.resume} has lost its {DB_FILE}, "
                                 "which holds the generations; start again without --resume"))
