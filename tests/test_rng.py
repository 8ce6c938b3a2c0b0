"""Keyed random numbers: the small-array path gives the same bits as the array path."""

from __future__ import annotations

import numpy as np
import pytest

from sim import rng
from sim.rng import RandomStreams, combine, mix64


def array_path_uniform(stream, keys: np.ndarray, week: int) -> np.ndarray:
    """The keyed uniform computed with numpy arrays only (the large-array path)."""
    stream.uniform(np.zeros(rng.SMALL + 1, dtype=np.uint64), week)  # sets the week word
    x = mix64(mix64(keys ^ stream._k1) ^ stream._week_word) >> np.uint64(11)
    return (x + 0.5) * (1.0 / float(1 << 53))


@pytest.mark.parametrize("size", [0, 1, 3, rng.SMALL, rng.SMALL + 1, 100])
def test_uniform_is_the_same_whatever_the_array_size(size):
    stream = RandomStreams(7).keyed("process")
    keys = np.arange(size, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(3)
    np.testing.assert_array_equal(stream.uniform(keys, 5), array_path_uniform(stream, keys, 5))


@pytest.mark.parametrize("a, b", [(5, np.arange(7)), (np.arange(3), np.arange(3)),
                                  (np.arange(4), 9), (2**63 + 5, np.arange(2)),
                                  (np.arange(20), 1)])
def test_combine_is_the_same_whatever_the_array_size(a, b):
    words_a = np.atleast_1d(np.asarray(a, dtype=np.uint64))
    words_b = np.atleast_1d(np.asarray(b, dtype=np.uint64))
    golden = np.uint64(0x9E3779B97F4A7C15)
    expected = mix64((words_a * golden) ^ mix64(words_b + golden))
    np.testing.assert_array_equal(combine(a, b), expected)


def test_uniforms_lie_strictly_between_0_and_1_and_differ_by_key_and_week():
    stream = RandomStreams(1).keyed("process")
    keys = np.arange(10_000, dtype=np.uint64)
    week3 = stream.uniform(keys, 3)
    assert 0.0 < week3.min() and week3.max() < 1.0
    assert abs(week3.mean() - 0.5) < 0.01
    assert not np.array_equal(week3, stream.uniform(keys, 4))
    np.testing.assert_array_equal(week3[:5], stream.uniform(keys[:5], 3))


def test_uniform_below_finds_exactly_the_rows_below_a_chance_even_at_the_boundary():
    """The integer test of ``uniform_below`` agrees with comparing the floats: chances
    equal to a drawn uniform (not below it) and the next float up (below it), small and
    large chances."""
    stream = RandomStreams(11).keyed("need")
    keys = np.arange(50_000, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    premixed = stream.premix(keys)
    u = stream.uniform(keys, 9)
    smallest = np.sort(u)[:3]
    chances = [0.0, 0.02, 0.49999, 0.5, 0.9, 1.0, *smallest.tolist(),
               *np.nextafter(smallest, 1.0).tolist()]
    for chance in chances:
        rows, below = stream.uniform_below(premixed, 9, chance)
        np.testing.assert_array_equal(rows, np.flatnonzero(u < chance))
        np.testing.assert_array_equal(below, u[rows])
