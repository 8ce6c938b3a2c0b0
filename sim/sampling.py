"""Sparse Bernoulli draws: which of n rows have an event this week, in O(events) time.

Weekly event probabilities are small (a few per cent at most), so instead of one uniform
draw per resident the rows are first drawn with the largest probability ``p_max`` as a
Bernoulli process (geometric gaps between successes, exact), then each candidate is kept
with its own probability over ``p_max`` (thinning). The result has exactly the
distribution of independent draws with each row's own probability.
"""

from __future__ import annotations

import math

import numpy as np

SPARE_SD = 6  # draw this many standard deviations of gaps beyond the expected number


def bernoulli_rows(n: int, p_max: float, rng: np.random.Generator) -> np.ndarray:
    """Rows ``0..n-1`` each chosen independently with probability ``p_max``, ascending."""
    if n <= 0 or p_max <= 0.0:
        return np.zeros(0, dtype=np.intp)
    if p_max >= 1.0:
        return np.arange(n)
    chunks, last = [], -1
    expected = n * p_max
    while last < n - 1:
        size = int(expected + SPARE_SD * math.sqrt(expected) + 16)
        rows = last + np.cumsum(rng.geometric(p_max, size))
        chunks.append(rows)
        last = int(rows[-1])
    rows = np.concatenate(chunks)
    return rows[rows < n]


def thin(rows: np.ndarray, probability: np.ndarray, p_max: float,
         rng: np.random.Generator) -> np.ndarray:
    """Keep each candidate row with ``probability / p_max`` (``probability`` per row)."""
    return rows[rng.random(rows.size) * p_max < probability]

