"""pyabc's ``ConcurrentFutureSampler`` on our executors, with reproducible random numbers.

pyabc draws each proposal (and its model's randomness) from numpy's global generator in
the worker that simulates it, and its ``ConcurrentFutureSampler`` reseeds that generator
from the operating system in every job, so no two runs agree. ``SeededFutureSampler``
keeps pyabc's sampling loop (jobs numbered in order, the generation built from the jobs up
to the n-th accepted one *by number*, whatever order they finish in) and only replaces
the reseeding: job *j* of generation *t* seeds numpy and ``random`` with
``SeedSequence([seed, t + 1, j])``. A generation is then the same whatever the number of
workers, and so is a calibration resumed after an interruption. What stays unreproducible
is only how many surplus simulations ran past the n-th acceptance (pyabc's count of
simulations), which no result depends on.
"""

from __future__ import annotations

import random
from concurrent.futures import Executor, Future
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import ConcurrentFutureSampler

#: Words of seed state given to numpy's legacy global generator and to ``random``.
SEED_WORDS = 4


def seeded_batch(seed: int, generation: int, simulate_one_pickle: bytes,
                 job_ids: list[int]) -> list[tuple[Any, bool, int]]:
    """Run pyabc's ``simulate_one`` once per job id, each seeded from its id (in a worker)."""
    simulate_one = cloudpickle.loads(simulate_one_pickle)
    results = []
    for job_id in job_ids:
        state = np.random.SeedSequence([seed, generation + 1, job_id]).generate_state(
            SEED_WORDS)
        np.random.seed(state)
        random.seed(int.from_bytes(state.tobytes(), "little"))
        result = simulate_one()
        results.append((result, result.accepted, job_id))
    return results


class _SeededClient:
    """What pyabc submits to: turns its job into a seeded one on a real executor."""

    def __init__(self, executor: Executor, seed: int):
        self.executor, self.seed, self.generation = executor, seed, 0

    def submit(self, _function: Any, simulate_one_pickle: bytes, _batch_size: int,
               job_ids: list[int]) -> Future:
        return self.executor.submit(seeded_batch, self.seed, self.generation,
                                    simulate_one_pickle, list(job_ids))


class SeededFutureSampler(ConcurrentFutureSampler):
    """pyabc's concurrent-futures sampler with a seed per job (see the module docstring).

    Args:
        executor: any ``concurrent.futures.Executor`` (the project's process pool, Dask's,
            or ``InlineExecutor`` to run in this process).
        seed: the calibration's seed.
        max_jobs: jobs kept submitted at once (about the number of workers).
    """

    def __init__(self, executor: Executor, seed: int, max_jobs: int):
        super().__init__(_SeededClient(executor, seed), client_max_jobs=max_jobs,
                         default_pickle=True, batch_size=1)

    def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
        self.client.generation = t
        return super().sample_until_n_accepted(n, simulate_one, t, **kwargs)


class InlineExecutor(Executor):
    """An executor that runs each call at once in this process (one worker, no pool)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, as a pool would
            if isinstance(exc, KeyboardInterrupt):
                raise
            future.set_exception(exc)
        return future
