"""A run plan: every input of ``caremarket run`` checked before anything is written.

``plan_run`` loads the parameters, applies ``--set`` overrides, loads the scenarios and
checks the options and the output folder, collecting every problem it finds into one
``InputError``. It creates nothing, so bad input never leaves a results folder behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import parameters as parameters_module
from .calendar import WEEKS_PER_YEAR, run_end, week_dates
from .errors import InputError, Problem
from .fileio import child_path
from .parameters import Parameters, load_parameters, parse_assignment
from .regions import is_region_folder, shipped_region
from .runner import job_file, scenario_digest
from .scenario import Scenario, load_scenarios, scenario_files
from .sweep import OPTION, sweep_scenarios

#: Defaults of ``caremarket run`` (documented in the README).
DEFAULT_SEED = 20250401
DEFAULT_REPS = 10
DEFAULT_OUT = Path("results")
START_DATE_PARAM = "run.start_date"
HORIZON_PARAM = "run.horizon_years"
MANIFEST = "manifest.json"
#: The longest run accepted (years): beyond it dates leave the calendar the model knows.
MAX_YEARS = 100


@dataclass(frozen=True)
class RunPlan:
    """A checked request to run an ensemble and write a results folder."""

    targets: tuple[str, ...]
    scenario_files: tuple[Path, ...]
    scenarios: list[Scenario]
    params: Parameters
    params_dir: Path
    overrides: dict[str, Any]
    set_texts: tuple[str, ...]
    seed: int
    reps: int
    years: float
    weeks: int
    scale: float
    jobs: int
    out: Path
    resume: Path | None = None
    sweep_texts: tuple[str, ...] = ()
    #: ``--check``: assert the weekly invariants (None: as ``CAREMARKET_CHECK`` says)
    check: bool | None = None

    @property
    def start(self) -> dt.date:
        """The first day of the run."""
        return self.params[START_DATE_PARAM]

    @property
    def dates(self) -> list[dt.date]:
        """The first day of each simulated week."""
        return week_dates(self.start, self.weeks)

    @property
    def input_files(self) -> list[Path]:
        """Parameter files, then scenario files: what the results were made from."""
        return [*parameter_files(self.params_dir), *self.scenario_files]

    @property
    def inputs_key(self) -> str:
        """A hash of everything that determines the results (not the number of workers)."""
        text = json.dumps({
            "parameters": self.params.fingerprint(),
            "scenarios": {s.name: scenario_digest(s) for s in self.scenarios},
            "seed": self.seed, "reps": self.reps, "weeks": self.weeks, "scale": self.scale,
        }, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def reproduce(self) -> str:
        """The command line that reruns this plan with every option spelled out."""
        args = ["caremarket", "run", *self.targets, "--reps", str(self.reps),
                "--years", _number(self.years), "--seed", str(self.seed),
                "--scale", _number(self.scale), "--jobs", str(self.jobs)]
        for text in self.set_texts:
            args += ["--set", text]
        for text in self.sweep_texts:
            args += ["--sweep", text]
        if self.params_dir.resolve() != Path(parameters_module.DEFAULT_PARAMS_DIR).resolve():
            region = shipped_region(self.params_dir)
            args += ["--region", region] if region else ["--params", str(self.params_dir)]
        return shlex.join(args + ["--out", str(self.out)])


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def parameter_files(params_dir: Path) -> list[Path]:
    """The parameter files in a folder, in load order (a region preset's after the
    package's defaults, which it lies over)."""
    files = sorted(Path(params_dir).glob("*.yaml"))
    if is_region_folder(params_dir):
        return [*parameter_files(parameters_module.DEFAULT_PARAMS_DIR), *files]
    return files


def plan_run(targets: Sequence[str | Path], *, reps: int = DEFAULT_REPS,
             years: float | None = None, seed: int = DEFAULT_SEED, scale: float = 1.0,
             jobs: int = 1, out: str | Path = DEFAULT_OUT, sets: Sequence[str] = (),
             params_dir: str | Path | None = None, resume: str | Path | None = None,
             sweeps: Sequence[str] = ()) -> RunPlan:
    """Check every input of a run; create nothing.

    Args:
        targets: scenario files and folders (every *.yaml in a folder); the baseline is
            always included.
        reps: replications per scenario.
        years: horizon in years; default the parameter ``run.horizon_years``.
        seed: base seed (a whole number, 0 or more).
        scale: share of the county simulated (above 0; results are scaled back).
        jobs: worker processes.
        out: folder that receives the run folder.
        sets: ``path=value`` overrides applied to every scenario, the baseline included.
        params_dir: parameter folder; default the package's ``sim/params``.
        resume: an earlier, unfinished run folder of the same inputs to complete.
        sweeps: ``path=v1,v2,...`` parameter sweeps; the grid's points run as scenarios.

    Raises:
        InputError: listing every problem, each naming its file or option and key.
    """
    problems = _option_problems(reps, years, seed, scale, jobs)
    params_dir = Path(params_dir or parameters_module.DEFAULT_PARAMS_DIR)
    params = load_parameters(params_dir)  # a broken parameter set stops here
    overrides, set_problems = _overrides(sets, params)
    problems += set_problems
    params = params.with_values(overrides)
    years = _horizon(params, years, problems)
    weeks = int(round(years * WEEKS_PER_YEAR))
    files, scenarios = _scenarios(targets, params, weeks, problems)
    scenarios += _sweep_points(sweeps, params, scenarios, problems)
    problems += _file_name_problems(scenarios, reps)
    problems += _out_problems(Path(out))
    if problems:
        raise InputError(problems)
    plan = RunPlan(tuple(str(t) for t in targets), tuple(files), scenarios, params,
                   params_dir, overrides, tuple(sets), seed, reps, years, weeks, float(scale),
                   jobs, Path(out), Path(resume) if resume else None, tuple(sweeps))
    if resume is not None:
        check_resume(plan)
    return plan


def check_scenarios(targets: Sequence[str | Path], *, years: float | None = None,
                    params_dir: str | Path | None = None) -> tuple[list[Path], list[Scenario]]:
    """Check scenario files against the parameters, reporting every problem in every file.

    Args:
        targets: scenario files and folders.
        years: horizon used to check change dates; default ``run.horizon_years``.
        params_dir: parameter folder; default the package's ``sim/params``.

    Returns:
        The files read and the resolved scenarios (baseline first).

    Raises:
        InputError: listing every problem found.
    """
    problems = _years_problems(years)
    params = load_parameters(Path(params_dir or parameters_module.DEFAULT_PARAMS_DIR))
    weeks = int(round(_horizon(params, years, problems) * WEEKS_PER_YEAR))
    files, scenarios = _scenarios(targets, params, weeks, problems)
    if problems:
        raise InputError(problems)
    return files, scenarios


def whole_problems(option: str, value: Any, low: int = 1) -> list[Problem]:
    """A problem naming ``option`` unless ``value`` is a whole number of at least ``low``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= low:
        return []
    return [Problem(option, "", f"must be a whole number of at least {low}, got {value!r}")]


def scale_problems(option: str, value: Any) -> list[Problem]:
    """A problem naming ``option`` unless ``value`` is a number above 0."""
    if (not isinstance(value, bool) and isinstance(value, (int, float)) and value > 0
            and math.isfinite(value)):
        return []
    return [Problem(option, "", "must be above 0 (e.g. 0.1 simulates a tenth of the county), "
                    f"got {value!r}")]


def _years_problems(years: Any) -> list[Problem]:
    """A problem unless ``years`` is None (the default horizon) or a number from 1 to
    ``MAX_YEARS``."""
    if years is None or (not isinstance(years, bool) and isinstance(years, (int, float))
                         and 1 <= years <= MAX_YEARS):
        return []
    return [Problem("--years", "", f"must be from 1 to {MAX_YEARS} years, got {years!r}")]


def _option_problems(reps: Any, years: Any, seed: Any, scale: Any, jobs: Any) -> list[Problem]:
    return (whole_problems("--reps", reps) + _years_problems(years)
            + whole_problems("--seed", seed, low=0) + scale_problems("--scale", scale)
            + whole_problems("--jobs", jobs))


def _overrides(sets: Sequence[str], params: Parameters) -> tuple[dict[str, Any], list[Problem]]:
    overrides: dict[str, Any] = {}
    problems: list[Problem] = []
    for text in sets:
        try:
            path, value = parse_assignment(text, params)
        except InputError as exc:
            problems += exc.problems
            continue
        if path in overrides:
            problems.append(Problem("--set", path, "given more than once; give it once"))
        overrides[path] = value
    return overrides, problems


def _horizon(params: Parameters, years: float | None, problems: list[Problem]) -> float:
    """The run's horizon in years: ``years`` if valid, else the parameter's default."""
    if years is not None and not any(p.file == "--years" for p in problems):
        return years
    default = params[HORIZON_PARAM]
    return int(default) if float(default).is_integer() else default


def _scenarios(targets: Sequence[str | Path], params: Parameters, weeks: int,
               problems: list[Problem]) -> tuple[list[Path], list[Scenario]]:
    files: list[Path] = []
    for target in targets:
        try:
            files += scenario_files([target])
        except InputError as exc:
            problems += exc.problems
    files = list(dict.fromkeys(files))
    start = params[START_DATE_PARAM]
    try:
        return files, load_scenarios(files, params, start, run_end(start, weeks))
    except InputError as exc:
        problems += exc.problems
        return files, []


def _sweep_points(sweeps: Sequence[str], params: Parameters, scenarios: list[Scenario],
                  problems: list[Problem]) -> list[Scenario]:
    try:
        points = sweep_scenarios(sweeps, params)
    except InputError as exc:
        problems += exc.problems
        return []
    taken = {s.name for s in scenarios}
    problems += [Problem(OPTION, s.name, "a scenario file already uses this name")
                 for s in points if s.name in taken]
    return points


def _file_name_problems(scenarios: list[Scenario], reps: Any) -> list[Problem]:
    """A problem for each scenario whose name cannot name its files in the run folder
    (``jobs/<name>__r<rep>.npz``, ``scenarios/<name>.yaml``)."""
    last_rep = max(reps - 1, 0) if isinstance(reps, int) else 0
    problems = []
    for scenario in scenarios:
        try:
            job_file(".", scenario.name, last_rep)
            child_path(".", f"{scenario.name}.yaml")
        except ValueError:
            problems.append(Problem(scenario.file or "scenario", "name",
                                    f"{scenario.name[:60]!r} cannot name a file in the run "
                                    "folder; use letters, digits and underscores (a shorter "
                                    "name)"))
    return problems


def _out_problems(out: Path) -> list[Problem]:
    if out.exists() and not out.is_dir():
        return [Problem("--out", "", f"{out} is a file; give a folder for results "
                        "(it is created if missing)")]
    existing = next((p for p in [out, *out.absolute().parents] if p.exists()), None)
    if existing is None or not existing.is_dir():
        return [Problem("--out", "", f"cannot create {out}: {existing} is not a folder")]
    if not os.access(existing, os.W_OK | os.X_OK):
        return [Problem("--out", "", f"cannot write in {existing}; choose another folder")]
    return []


def read_manifest(folder: Path, option: str, kind: str, hint: str = "") -> dict:
    """The manifest of a ``kind`` folder (``run``, ``calibration``) given with ``option``.

    Raises:
        InputError: the folder has no manifest (with ``hint`` on what to give), or it
            cannot be read.
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise InputError(Problem(option, "", f"{folder} is not a {kind} folder (no "
                                 f"{MANIFEST}){'; ' + hint if hint else ''}"))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"cannot read: {exc}")) from None
    if not isinstance(manifest, dict):
        raise InputError(Problem(str(path), "", f"not a {kind} manifest (expected a JSON "
                                 "object)"))
    return manifest


def check_resume(plan: RunPlan) -> None:
    manifest = read_manifest(plan.resume, "--resume", "run")
    if manifest.get("inputs_key") != plan.inputs_key:
        raise InputError(Problem("--resume", "", f"{plan.resume} was made from other inputs "
                                 "(parameters, scenarios, seed, reps, years or scale differ); "
                                 f"rerun it with: {manifest.get('reproduce', '?')} --resume "
                                 f"{plan.resume}"))
