"""ABC-SMC calibration with pyabc, one generation at a time into a resumable database.

Priors are uniform over the parameters' plausible ranges (``space.py``). The distance is
pyabc's ``PNormDistance`` (p = 2) with each target weighted by one over its standard
deviation, so it counts standard deviations; checks (``fit: false``) weigh nothing, and
a run whose figure cannot be computed (e.g. a ratio over zero) is infinitely far. Each
generation's threshold is the ``quantile`` of the last one's distances (pyabc's
``QuantileEpsilon``; the first from a sample of the prior).

Every generation is a fresh ``ABCSMC`` loaded from the folder's database (``abc.db``) and
run for one generation, so an uninterrupted calibration and one resumed after a stop go
through the same steps, and with ``SeededFutureSampler`` give the same posterior whatever
the number of workers. A stop loses at most the generation in progress.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyabc

from ..executors import describe_executor
from ..fileio import writing
from ..manifest import now
from ..results import new_run_dir
from ..runner import default_executor
from .manifest import finish_manifest, start_manifest, write_manifest
from .outputs import write_outputs
from .plan import DB_FILE, CalibrationPlan
from .sampler import InlineExecutor, SeededFutureSampler
from .simulator import TargetSimulator

log = logging.getLogger(__name__)

ABC_ID = 1  # the one ABC-SMC run in a folder's database
PYABC_LOGGERS = ("ABC", "Redis", "Epsilon", "Distance", "Acceptor")


@dataclass(frozen=True)
class Generation:
    """What one generation did."""

    t: int
    epsilon: float
    accepted: int
    simulations: int
    ess: float
    seconds: float


Progress = Callable[[Generation, int], None]


class FiniteDistance(pyabc.PNormDistance):
    """``PNormDistance``, with a figure that could not be computed infinitely far."""

    def __call__(self, x, x_0, t=None, par=None) -> float:
        distance = super().__call__(x, x_0, t, par)
        return float(distance) if np.isfinite(distance) else np.inf


def database_url(folder: Path) -> str:
    """The SQLAlchemy address of a calibration folder's pyabc database."""
    return f"sqlite:///{(Path(folder) / DB_FILE).resolve()}"


def simulator(plan: CalibrationPlan) -> TargetSimulator:
    """The model as the calibration sees it."""
    return TargetSimulator(plan.params, plan.space, plan.targets, plan.weeks, plan.scale,
                           plan.seed, plan.check)


def build_abc(plan: CalibrationPlan, sampler: pyabc.sampler.Sampler) -> pyabc.ABCSMC:
    """pyabc's ABC-SMC for a plan: priors, distance, threshold and population size."""
    prior = pyabc.Distribution(**{d.name: pyabc.RV("uniform", d.low, d.width)
                                  for d in plan.space.dimensions})
    weights = {t.name: (1.0 / t.sd if t.fit else 0.0) for t in plan.targets.targets}
    return pyabc.ABCSMC(simulator(plan), prior, FiniteDistance(p=2, fixed_weights=weights),
                        population_size=plan.particles,
                        eps=pyabc.QuantileEpsilon(alpha=plan.quantile), sampler=sampler)


def open_folder(plan: CalibrationPlan) -> Path:
    """The folder a plan writes to: the one it resumes, or a new one under ``plan.out``."""
    return plan.resume or new_run_dir(plan.out, plan.inputs_key)


def calibrate(plan: CalibrationPlan, command: Sequence[str] = (),
              executor: Executor | None = None, progress: Progress | None = None,
              folder: Path | None = None) -> Path:
    """Run (or continue) a calibration and write its folder.

    Args:
        plan: from ``plan_calibration`` (inputs checked).
        command: the command line, recorded in the manifest.
        executor: any ``concurrent.futures.Executor`` for the simulations (not shut
            down), e.g. from ``sim.executors.open_executor``; default the project's process
            pool with ``plan.jobs`` workers, or this process when ``plan.jobs`` is 1. With
            one, ``plan.jobs`` simulations are kept submitted.
        progress: called as ``progress(generation, generations)`` after each generation.
        folder: from ``open_folder(plan)``; opened here when not given.

    Returns:
        The calibration folder.

    Raises:
        InputError: another process is writing the folder (nothing is written).
    """
    for name in PYABC_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    folder = folder or open_folder(plan)
    with writing(folder, "--resume" if plan.resume else "--out"):
        _calibrate(plan, command, executor, progress, folder)
    return folder


def _calibrate(plan: CalibrationPlan, command: Sequence[str], executor: Executor | None,
               progress: Progress | None, folder: Path) -> None:
    manifest = start_manifest(plan, folder, command)
    manifest["executor"] = describe_executor(executor, plan.jobs)
    started = time.perf_counter()
    try:
        with _workers(plan, executor) as (pool, max_jobs):
            sampler = SeededFutureSampler(pool, plan.seed, max_jobs)
            if plan.resume is None:
                build_abc(plan, sampler).new(database_url(folder), plan.targets.observed())
            _generations(plan, folder, manifest, sampler, progress)
        write_outputs(plan, folder, database_url(folder), simulator(plan))
    except BaseException as exc:
        finish_manifest(manifest, folder, started, exc)
        raise
    finish_manifest(manifest, folder, started, None)


@contextlib.contextmanager
def _workers(plan: CalibrationPlan, executor: Executor | None
             ) -> Iterator[tuple[Executor, int]]:
    """The executor and how many jobs to keep submitted."""
    if executor is not None:
        yield executor, plan.jobs
    elif plan.jobs == 1:
        yield InlineExecutor(), 1
    else:
        pool = default_executor(plan.jobs)
        try:
            yield pool, plan.jobs
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()


def _generations(plan: CalibrationPlan, folder: Path, manifest: dict,
                 sampler: SeededFutureSampler, progress: Progress | None) -> None:
    url = database_url(folder)
    done = pyabc.History(url, _id=ABC_ID).max_t + 1
    if done:
        log.info("continuing %s from generation %d", folder, done)
    for t in range(done, plan.generations):
        started = time.perf_counter()
        abc = build_abc(plan, sampler)
        abc.load(url, ABC_ID)
        abc.run(max_nr_populations=1)
        generation = _report(abc.history, t, time.perf_counter() - started)
        manifest["generations"].append({**asdict(generation), "finished": now()})
        write_manifest(folder, manifest)
        if progress is not None:
            progress(generation, plan.generations)


def _report(history: pyabc.History, t: int, seconds: float) -> Generation:
    populations = history.get_all_populations().set_index("t")
    weights = history.get_weighted_distances(t)["w"].to_numpy()
    ess = float(weights.sum() ** 2 / (weights ** 2).sum())
    return Generation(t, float(populations.loc[t, "epsilon"]),
                      int(populations.loc[t, "particles"]),
                      int(populations.loc[t, "samples"]), ess, seconds)
