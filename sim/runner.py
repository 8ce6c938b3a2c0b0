"""One runner: every (scenario x replication) job of an ensemble, on any executor.

Replication *r* of every scenario uses the seed ``SeedSequence(seed).spawn(reps)[r]``
(common random numbers), so results do not depend on how many workers ran them or in which
order. With a ``run_dir``, each job saves its weekly metrics (county, by district and by
council) to ``run_dir/jobs/<scenario>__r<rep>.npz`` atomically and returns only its status,
so memory does not grow with the number of jobs; a job whose file already exists is reused, which is
how an interrupted ensemble resumes. ``run_dir/jobs/ensemble.json`` records what the files
were made from, and a folder made from other inputs is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .fileio import plain, save_arrays, write_json
from .metrics import BY_COUNCIL, BY_DISTRICT, METRICS
from .parameters import Parameters
from .scenario import Scenario
from .summary import scale_back

log = logging.getLogger(__name__)

#: Start method of the default process pool. "spawn" works on every platform, is safe with
#: threads, and is what importing Mesa 3.3 makes the default anyway; set it explicitly.
START_METHOD = "spawn"
JOBS_FOLDER = "jobs"
KEY_FILE = "ensemble.json"

Progress = Callable[[int, int], None]


def replication_seeds(seed: int, reps: int) -> list[np.random.SeedSequence]:
    """The seed of each replication: ``SeedSequence(seed).spawn(reps)``.

    The first ``n`` seeds are the same whatever ``reps`` is, so adding replications keeps
    the earlier ones.
    """
    return np.random.SeedSequence(seed).spawn(reps)


def replication_parameters(params: Parameters, rep: int) -> Parameters:
    """The parameters of replication ``rep``: ``params`` itself, or under a calibration's
    posterior (``sim.calibration.posterior.PosteriorParameters``) its draw for that
    replication, the same for every scenario."""
    for_replication = getattr(params, "for_replication", None)
    return params if for_replication is None else for_replication(rep)


def job_file(run_dir: Path | str, scenario: str, rep: int) -> Path:
    """Where the job (scenario, rep) of an ensemble saves its weekly metrics."""
    return Path(run_dir) / JOBS_FOLDER / f"{scenario}__r{rep}.npz"


def job_shapes(weeks: int, districts: int, councils: int = 1) -> dict[str, tuple[int, ...]]:
    """The arrays a job produces, by name: weekly metrics (metric x week), the
    ``BY_DISTRICT`` metrics (metric x district x week) and the ``BY_COUNCIL`` metrics
    (metric x council x week)."""
    return {"metrics": (len(METRICS), weeks),
            "by_district": (len(BY_DISTRICT), districts, weeks),
            "by_council": (len(BY_COUNCIL), councils, weeks)}


def scenario_digest(scenario: Scenario) -> str:
    """A short hash of what a resolved scenario changes (not of its wording)."""
    changes = [[c.param, plain(c.value), plain(c.start)] for c in scenario.changes]
    interventions = [spec.plain() for spec in scenario.interventions]
    text = json.dumps({"name": scenario.name, "changes": changes,
                       "interventions": interventions}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Job:
    """One replication of one scenario."""

    scenario: Scenario
    rep: int
    seed: np.random.SeedSequence
    params: Parameters
    weeks: int
    scale: float
    path: Path | None = None


@dataclass(frozen=True)
class JobResult:
    """What a job did: ``ran`` or ``reused``; its arrays (``job_shapes``) only when not
    saved to a file."""

    scenario: str
    rep: int
    status: str
    elapsed_s: float
    path: Path | None = None
    arrays: dict[str, np.ndarray] | None = field(default=None, repr=False)


class JobFailedError(RuntimeError):
    """A job raised; ``results`` holds the jobs that finished before it."""

    def __init__(self, scenario: str, rep: int, cause: BaseException,
                 results: dict[tuple[str, int], JobResult]):
        self.scenario, self.rep, self.cause, self.results = scenario, rep, cause, dict(results)
        super().__init__(f"scenario {scenario!r} replication {rep} failed: "
                         f"{type(cause).__name__}: {cause}")


@dataclass
class Ensemble:
    """The jobs of a finished ensemble and how to read their weekly metrics."""

    scenarios: list[Scenario]
    reps: int
    weeks: int
    scale: float
    run_dir: Path | None
    results: dict[tuple[str, int], JobResult]

    @property
    def names(self) -> list[str]:
        """Scenario names, baseline first when it was given first."""
        return [s.name for s in self.scenarios]

    def raw(self, scenario: str, rep: int, name: str = "metrics") -> np.ndarray:
        """A job's array as simulated, not scaled back: ``metrics`` (metric x week),
        ``by_district`` (``BY_DISTRICT`` metric x district x week) or ``by_council``
        (``BY_COUNCIL`` metric x council x week)."""
        result = self.results[(scenario, rep)]
        if result.arrays is not None:
            return result.arrays[name]
        with np.load(result.path, allow_pickle=False) as arrays:
            return arrays[name]

    def county(self, scenario: str, rep: int) -> np.ndarray:
        """Weekly metrics (metric x week) scaled back to the whole county."""
        return scale_back(self.raw(scenario, rep), self.scale)

    def by_district(self, scenario: str, rep: int) -> np.ndarray:
        """The ``BY_DISTRICT`` metrics (metric x district x week) scaled back to the whole
        county (all are extensive)."""
        return self.raw(scenario, rep, "by_district") / self.scale

    def by_council(self, scenario: str, rep: int) -> np.ndarray:
        """The ``BY_COUNCIL`` metrics (metric x council x week) scaled back to the whole
        region (all are extensive)."""
        return self.raw(scenario, rep, "by_council") / self.scale


def run_job(job: Job) -> JobResult:
    """Simulate one job; save its values to ``job.path`` atomically when it has one."""
    from .model import simulate_arrays  # heavy: imported in the worker, when needed

    started = time.perf_counter()
    arrays = simulate_arrays(job.params, job.scenario, job.seed, job.weeks, job.scale)
    expected = job_shapes(job.weeks, job.params.dim_sizes["district"],
                          job.params.dim_sizes["council"])
    for name, array in arrays.items():
        if array.shape != expected[name]:
            raise RuntimeError(f"the model's {name} has shape {array.shape}, "
                               f"expected {expected[name]}")
    elapsed = time.perf_counter() - started
    if job.path is None:
        return JobResult(job.scenario.name, job.rep, "ran", elapsed, arrays=arrays)
    save_arrays(job.path, **arrays)
    return JobResult(job.scenario.name, job.rep, "ran", elapsed, path=job.path)


def run_ensemble(scenarios: list[Scenario], params: Parameters, reps: int, seed: int,
                 weeks: int, scale: float = 1.0, executor: Executor | None = None,
                 jobs: int = 1, run_dir: Path | str | None = None,
                 progress: Progress | None = None) -> Ensemble:
    """Run every (scenario x replication) job.

    Args:
        scenarios: resolved scenarios (the model applies their changes); unique names.
        params: the parameters every scenario starts from (with a posterior,
            ``replication_parameters`` gives each replication its draw).
        reps: replications per scenario (at least 1).
        seed: base seed; replication r uses ``replication_seeds(seed, reps)[r]``.
        weeks: weeks to simulate.
        scale: share of the county simulated (> 0).
        executor: any ``concurrent.futures.Executor`` (e.g. Dask's); it is not shut down.
        jobs: workers of the default process pool when no executor is given; with 1, jobs
            run one after another in this process.
        run_dir: folder for the job files (resumable); None keeps values in memory.
        progress: called as ``progress(done, total)`` after each job.

    Returns:
        The ensemble, whose values are read with ``Ensemble.raw`` or ``Ensemble.county``.

    Raises:
        ValueError: bad arguments, or a ``run_dir`` holding jobs of other inputs.
        JobFailedError: a job raised (jobs still pending are cancelled).
    """
    _check_arguments(scenarios, reps, weeks, scale, jobs)
    if run_dir is not None:
        run_dir = Path(run_dir)
        _claim(run_dir, _ensemble_key(scenarios, params, seed, weeks, scale))
    seeds = replication_seeds(seed, reps)
    shapes = job_shapes(weeks, params.dim_sizes["district"], params.dim_sizes["council"])
    results: dict[tuple[str, int], JobResult] = {}
    pending: list[Job] = []
    for rep in range(reps):
        rep_params = replication_parameters(params, rep)
        for scenario in scenarios:
            path = job_file(run_dir, scenario.name, rep) if run_dir is not None else None
            if path is not None and _complete(path, shapes):
                results[(scenario.name, rep)] = JobResult(scenario.name, rep, "reused", 0.0, path)
            else:
                pending.append(Job(scenario, rep, seeds[rep], rep_params, weeks, scale, path))
    if results:
        log.info("reusing %d job files in %s", len(results), run_dir)
    tick = _ticker(progress, total=len(scenarios) * reps, done=len(results))
    _dispatch(pending, results, tick, executor, jobs)
    return Ensemble(list(scenarios), reps, weeks, scale, run_dir, results)


def _check_arguments(scenarios: list[Scenario], reps: int, weeks: int, scale: float,
                     jobs: int) -> None:
    names = [s.name for s in scenarios]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"scenarios must be given once each, got {names}")
    for what, value in (("reps", reps), ("weeks", weeks), ("jobs", jobs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{what} must be a whole number of at least 1, got {value!r}")
    if not scale > 0:
        raise ValueError(f"scale must be above 0, got {scale!r}")


def _ticker(progress: Progress | None, total: int, done: int) -> Callable[[], None]:
    count = [done]
    if progress is not None:
        progress(done, total)

    def tick() -> None:
        count[0] += 1
        if progress is not None:
            progress(count[0], total)
    return tick


def _dispatch(pending: list[Job], results: dict, tick: Callable[[], None],
              executor: Executor | None, jobs: int) -> None:
    if not pending:
        return
    if executor is not None:
        _run_on(executor, pending, results, tick)
    elif jobs == 1:
        _run_serially(pending, results, tick)
    else:
        with default_executor(min(jobs, len(pending))) as pool:
            _run_on(pool, pending, results, tick)


def default_executor(jobs: int) -> ProcessPoolExecutor:
    """A local process pool with ``jobs`` workers and an explicit start method."""
    return ProcessPoolExecutor(max_workers=jobs,
                               mp_context=multiprocessing.get_context(START_METHOD))


def _run_serially(pending: list[Job], results: dict, tick: Callable[[], None]) -> None:
    for job in pending:
        try:
            result = run_job(job)
        except Exception as exc:
            raise JobFailedError(job.scenario.name, job.rep, exc, results) from exc
        results[(job.scenario.name, job.rep)] = result
        tick()


def _run_on(executor: Executor, pending: list[Job], results: dict,
            tick: Callable[[], None]) -> None:
    futures: dict[Future, Job] = {executor.submit(run_job, job): job for job in pending}
    try:
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:
                raise JobFailedError(job.scenario.name, job.rep, exc, results) from exc
            results[(job.scenario.name, job.rep)] = result
            tick()
    finally:
        _cancel(futures)


def _cancel(futures: Iterable[Future]) -> None:
    for future in futures:
        future.cancel()


def _complete(path: Path, shapes: dict[str, tuple[int, ...]]) -> bool:
    """Whether ``path`` is a finished job file holding arrays of the expected shapes."""
    if not path.exists():
        return False
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return all(arrays[name].shape == shape for name, shape in shapes.items())
    except (OSError, ValueError, KeyError):
        return False


def _ensemble_key(scenarios: list[Scenario], params: Parameters, seed: int, weeks: int,
                  scale: float) -> dict:
    return {"parameters": params.fingerprint(), "seed": seed, "weeks": weeks,
            "scale": scale, "metrics": [m.name for m in METRICS],
            "by_district": list(BY_DISTRICT), "by_council": list(BY_COUNCIL),
            "scenarios": {s.name: scenario_digest(s) for s in scenarios}}


def _claim(run_dir: Path, key: dict) -> None:
    """Record what the job files in ``run_dir`` are made from; refuse other inputs."""
    key_path = run_dir / JOBS_FOLDER / KEY_FILE
    if key_path.exists():
        old = json.loads(key_path.read_text(encoding="utf-8"))
        common = [k for k in key if k != "scenarios" and old.get(k) != key[k]]
        changed = [n for n, d in key["scenarios"].items() if old["scenarios"].get(n, d) != d]
        if common or changed:
            raise ValueError(f"{run_dir} holds jobs made from other inputs "
                             f"(differs in: {', '.join(common + changed)}); use a new folder")
        key = {**key, "scenarios": {**old["scenarios"], **key["scenarios"]}}
    write_json(key_path, key)
