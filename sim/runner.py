"""One runner: every (scenario x replication) job of an ensemble, on any executor.

Replication *r* of every scenario uses the seed ``SeedSequence(seed).spawn(reps)[r]``
(common random numbers), so results do not depend on how many workers ran them or in which
order. With a ``run_dir``, each job's weekly metrics (county, by district, by council and
by client group) are saved to ``run_dir/jobs/<scenario>__r<rep>.npz`` atomically as soon
as it finishes, by this process (workers, e.g. a Dask cluster's, send their arrays back and
need no access to the folder), and only its status is kept, so memory does not grow with
the number of jobs; a job whose file already exists and holds every array of
``job_shapes`` is reused, which is how an interrupted ensemble resumes (a file lacking one,
e.g. written before results were recorded by client group, is run again).
``run_dir/jobs/ensemble.json`` records what the files were made from, and a folder made
from other inputs is refused.

A job that raises does not stop the others: its error is kept, every other job runs, and
then ``JobFailedError`` lists the failed jobs; running the ensemble again into the same
``run_dir`` runs only them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .dims import CLIENT_GROUPS
from .fileio import child_path, plain, save_arrays, write_json
from .metrics import BY_COUNCIL, BY_DISTRICT, BY_GROUP, BY_NAME, METRICS
from .parameters import Parameters
from .scenario import Scenario
from .summary import scale_back

log = logging.getLogger(__name__)

#: Start method of the default process pool. "spawn" works on every platform, is safe with
#: threads, and is what importing Mesa 3.3 makes the default anyway; set it explicitly.
START_METHOD = "spawn"
JOBS_FOLDER = "jobs"
KEY_FILE = "ensemble.json"
#: Statuses of a ``JobResult``.
RAN, REUSED, FAILED = "ran", "reused", "failed"
#: Lines of a failed job's traceback that are kept (its last ones).
TRACEBACK_LINES = 12

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
    """Where the job (scenario, rep) of an ensemble saves its weekly metrics:
    ``run_dir/jobs/<scenario>__r<rep>.npz``.

    Raises:
        ValueError: ``rep`` is not a whole number of at least 0, or the scenario's name
            would put the file anywhere but directly in ``run_dir/jobs``.
    """
    if isinstance(rep, bool) or not isinstance(rep, (int, np.integer)) or rep < 0:
        raise ValueError(f"a replication is a whole number of at least 0, got {rep!r}")
    return child_path(Path(run_dir) / JOBS_FOLDER, f"{scenario}__r{int(rep)}.npz")


def describe_seed(seed: np.random.SeedSequence) -> str:
    """A replication's seed as what rebuilds it, ``SeedSequence(entropy,
    spawn_key=spawn_key)``: e.g. ``seed 7, spawn key (1,)``."""
    return f"seed {seed.entropy}, spawn key {tuple(seed.spawn_key)}"


def job_shapes(weeks: int, districts: int, councils: int = 1) -> dict[str, tuple[int, ...]]:
    """The arrays a job produces, by name: weekly metrics (metric x week), the
    ``BY_DISTRICT`` metrics (metric x district x week), the ``BY_COUNCIL`` metrics
    (metric x council x week) and the ``BY_GROUP`` metrics (metric x client group of
    ``sim.dims.CLIENT_GROUPS`` x week)."""
    return {"metrics": (len(METRICS), weeks),
            "by_district": (len(BY_DISTRICT), districts, weeks),
            "by_council": (len(BY_COUNCIL), councils, weeks),
            "by_group": (len(BY_GROUP), len(CLIENT_GROUPS), weeks)}


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
    #: assert the weekly invariants (``sim.invariants``); None: as ``CAREMARKET_CHECK``
    #: says in the worker. Results are the same either way.
    check: bool | None = None


@dataclass(frozen=True)
class JobResult:
    """What a job did: ``ran``, ``reused`` or ``failed``; its arrays (``job_shapes``) only
    when not saved to a file; a failed job's ``error`` (exception type and message) and
    the last lines of its ``traceback``."""

    scenario: str
    rep: int
    status: str
    elapsed_s: float
    path: Path | None = None
    arrays: dict[str, np.ndarray] | None = field(default=None, repr=False)
    error: str | None = None
    traceback: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class JobFailure:
    """A job that raised: which one, its seed, its error and its traceback's last lines."""

    scenario: str
    rep: int
    seed: np.random.SeedSequence
    error: str
    traceback: str

    def __str__(self) -> str:
        return (f"scenario {self.scenario!r} replication {self.rep} "
                f"({describe_seed(self.seed)}) failed: {self.error}")


class JobFailedError(RuntimeError):
    """Jobs raised, and every other job ran.

    Attributes:
        failures: the failed jobs, in job order.
        results: every job's result, the failed ones with status ``failed``.
        total: the number of jobs in the ensemble.
        rerun: the command that reruns only the failed jobs, set by whoever knows it
            (``sim.results.execute``); the message ends with it.
    """

    def __init__(self, failures: list[JobFailure], results: dict[tuple[str, int], JobResult],
                 total: int, rerun: str | None = None):
        self.failures, self.results, self.total = list(failures), dict(results), total
        self.rerun = rerun
        super().__init__(self.headline)

    @property
    def headline(self) -> str:
        """How many jobs failed, e.g. ``1 of 8 jobs failed``."""
        return f"{len(self.failures)} of {self.total} jobs failed"

    def __str__(self) -> str:
        """One line per failed job, each after the first starting ``Error:`` (the command
        line prints the first with it), then how to rerun them."""
        how = (f"rerun only the failed jobs with: {self.rerun}" if self.rerun else
               "run the ensemble again into the same run_dir to rerun only the failed jobs")
        lines = [str(f) for f in self.failures]
        others = ", the others finished" if len(self.failures) < self.total else ""
        return "\n".join([lines[0], *(f"Error: {line}" for line in lines[1:]),
                          f"{self.headline}{others}; {how}"])


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
        ``by_district`` (``BY_DISTRICT`` metric x district x week), ``by_council``
        (``BY_COUNCIL`` metric x council x week) or ``by_group`` (``BY_GROUP`` metric x
        client group x week)."""
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

    def by_group(self, scenario: str, rep: int) -> np.ndarray:
        """The ``BY_GROUP`` metrics (metric x client group of ``sim.dims.CLIENT_GROUPS`` x
        week) scaled back to the whole county; the groups add up to ``county``'s rows."""
        return scale_back(self.raw(scenario, rep, "by_group"), self.scale,
                          [BY_NAME[m] for m in BY_GROUP])


def run_job(job: Job) -> JobResult:
    """Simulate one job; save its values to ``job.path`` atomically when it has one.

    Raises:
        Exception: whatever the model raised (``attempt_job`` returns it instead).
    """
    from .model import simulate_arrays  # heavy: imported in the worker, when needed

    started = time.perf_counter()
    arrays = simulate_arrays(job.params, job.scenario, job.seed, job.weeks, job.scale,
                             check=job.check)
    expected = job_shapes(job.weeks, job.params.dim_sizes["district"],
                          job.params.dim_sizes["council"])
    for name, array in arrays.items():
        if array.shape != expected[name]:
            raise RuntimeError(f"the model's {name} has shape {array.shape}, "
                               f"expected {expected[name]}")
    elapsed = time.perf_counter() - started
    if job.path is None:
        return JobResult(job.scenario.name, job.rep, RAN, elapsed, arrays=arrays)
    save_arrays(job.path, **arrays)
    return JobResult(job.scenario.name, job.rep, RAN, elapsed, path=job.path)


def attempt_job(job: Job) -> JobResult:
    """``run_job``, returning an exception as a ``failed`` result instead of raising it,
    so that one job's error reaches the ensemble from any executor and stops nothing."""
    started = time.perf_counter()
    try:
        return run_job(job)
    except Exception as exc:
        return failed_result(job, exc, time.perf_counter() - started)


def failed_result(job: Job, exc: BaseException, elapsed_s: float) -> JobResult:
    """The result of a job that raised ``exc``: its type and message, and the last
    ``TRACEBACK_LINES`` lines of its traceback."""
    lines = "".join(traceback.format_exception(exc)).rstrip().splitlines()
    return JobResult(job.scenario.name, job.rep, FAILED, elapsed_s,
                     error=f"{type(exc).__name__}: {exc}",
                     traceback="\n".join(lines[-TRACEBACK_LINES:]))


def run_ensemble(scenarios: list[Scenario], params: Parameters, reps: int, seed: int,
                 weeks: int, scale: float = 1.0, executor: Executor | None = None,
                 jobs: int = 1, run_dir: Path | str | None = None,
                 progress: Progress | None = None,
                 on_job: Callable[[JobResult], None] | None = None,
                 check: bool | None = None) -> Ensemble:
    """Run every (scenario x replication) job; one that raises stops no other.

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
        on_job: called with each job's result as it is known: reused ones first, then
            each job (done or failed) as it finishes.
        check: assert the weekly invariants in every job (``sim.invariants``; None: as
            the environment variable ``CAREMARKET_CHECK`` says where the job runs).

    Returns:
        The ensemble, whose values are read with ``Ensemble.raw`` or ``Ensemble.county``.

    Raises:
        ValueError: bad arguments, a scenario name that cannot name a file in
            ``run_dir/jobs``, or a ``run_dir`` holding jobs of other inputs.
        JobFailedError: jobs raised; every other job ran (and saved its file).
    """
    _check_arguments(scenarios, reps, weeks, scale, jobs)
    if run_dir is not None:
        run_dir = Path(run_dir)
        for scenario in scenarios:  # refuse a name that would escape before writing
            job_file(run_dir, scenario.name, reps - 1)
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
                results[(scenario.name, rep)] = JobResult(scenario.name, rep, REUSED, 0.0, path)
            else:
                pending.append(Job(scenario, rep, seeds[rep], rep_params, weeks, scale, path,
                                   check))
    if results:
        log.info("reusing %d job files in %s", len(results), run_dir)
    for result in list(results.values()):
        if on_job is not None:
            on_job(result)
    tick = _ticker(progress, total=len(scenarios) * reps, done=len(results))

    def record(result: JobResult) -> None:
        results[(result.scenario, result.rep)] = result
        if on_job is not None:
            on_job(result)
        tick()

    _dispatch(pending, record, executor, jobs)
    _raise_failures(scenarios, seeds, results)
    return Ensemble(list(scenarios), reps, weeks, scale, run_dir, results)


def _raise_failures(scenarios: list[Scenario], seeds: list[np.random.SeedSequence],
                    results: dict[tuple[str, int], JobResult]) -> None:
    """Raise ``JobFailedError`` listing the failed jobs in job order, if any failed."""
    order = {s.name: i for i, s in enumerate(scenarios)}
    failures = sorted((JobFailure(r.scenario, r.rep, seeds[r.rep], r.error or "",
                                  r.traceback or "")
                       for r in results.values() if r.status == FAILED),
                      key=lambda f: (f.rep, order[f.scenario]))
    if failures:
        raise JobFailedError(failures, results, total=len(scenarios) * len(seeds))


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


def _dispatch(pending: list[Job], record: Callable[[JobResult], None],
              executor: Executor | None, jobs: int) -> None:
    """Run every pending job and ``record`` each result (done or failed) as it comes."""
    if not pending:
        return
    if executor is not None:
        _run_on(executor, pending, record)
    elif jobs == 1:
        for job in pending:
            record(attempt_job(job))
    else:
        with default_executor(min(jobs, len(pending))) as pool:
            _run_on(pool, pending, record)


def default_executor(jobs: int) -> ProcessPoolExecutor:
    """A local process pool with ``jobs`` workers and an explicit start method."""
    return ProcessPoolExecutor(max_workers=jobs,
                               mp_context=multiprocessing.get_context(START_METHOD))


def _run_on(executor: Executor, pending: list[Job],
            record: Callable[[JobResult], None]) -> None:
    """Run jobs on an executor; workers send their arrays back and this process writes the
    job files, so workers (e.g. a Dask cluster's) need no access to the results folder."""
    futures: dict[Future, Job] = {executor.submit(attempt_job, replace(job, path=None)): job
                                  for job in pending}
    try:
        for future in as_completed(futures):
            job = futures[future]
            record(_saved(_outcome(future, job), job))
    finally:  # an interrupt: drop the jobs not started
        _cancel(futures)


def _saved(result: JobResult, job: Job) -> JobResult:
    """A worker's result with its arrays written (atomically) to ``job.path`` here."""
    if result.status != RAN or job.path is None:
        return result
    try:
        save_arrays(job.path, **result.arrays)
    except OSError as exc:
        return failed_result(job, exc, result.elapsed_s)
    return replace(result, path=job.path, arrays=None)


def _outcome(future: Future, job: Job) -> JobResult:
    """A finished future's result; the executor's own failure (a worker that died, a job
    that could not be sent) as the job's failure."""
    try:
        return future.result()
    except Exception as exc:
        return failed_result(job, exc, 0.0)


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
    except Exception:  # cut short, not a zip, not ours: whatever fails, it is not finished
        return False


def _ensemble_key(scenarios: list[Scenario], params: Parameters, seed: int, weeks: int,
                  scale: float) -> dict:
    return {"parameters": params.fingerprint(), "seed": seed, "weeks": weeks,
            "scale": scale, "metrics": [m.name for m in METRICS],
            "by_district": list(BY_DISTRICT), "by_council": list(BY_COUNCIL),
            "by_group": list(BY_GROUP), "client_groups": list(CLIENT_GROUPS),
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
