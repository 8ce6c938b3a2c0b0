"""Sparse Bernoulli draws have the distribution of one independent draw per row."""

import numpy as np
import pytest

from sim.sampling import bernoulli_rows, thin

DRAWS = 4_000


def test_every_row_is_chosen_with_probability_p_max():
    rng = np.random.default_rng(1)
    hits = np.zeros(500)
    for _ in range(DRAWS):
        rows = bernoulli_rows(500, 0.05, rng)
        assert np.all(np.diff(rows) > 0) and (rows.size == 0 or rows[-1] < 500)
        hits[rows] += 1
    share = hits / DRAWS
    assert share.mean() == pytest.approx(0.05, abs=0.002)
    assert share.std() == pytest.approx(np.sqrt(0.05 * 0.95 / DRAWS), rel=0.15)


def test_thinning_gives_each_row_its_own_probability():
    rng = np.random.default_rng(2)
    probability = np.linspace(0.0, 0.04, 200)
    hits = np.zeros(200)
    for _ in range(DRAWS):
        rows = bernoulli_rows(200, 0.04, rng)
        hits[thin(rows, probability[rows], 0.04, rng)] += 1
    low, high = hits[:50].mean() / DRAWS, hits[150:].mean() / DRAWS
    assert low == pytest.approx(probability[:50].mean(), abs=0.002)
    assert high == pytest.approx(probability[150:].mean(), abs=0.003)
    assert hits[0] == 0


@pytest.mark.parametrize("n, p, expected", [(0, 0.5, 0), (10, 0.0, 0), (7, 1.0, 7)])
def test_edge_cases(n, p, expected):
    assert bernoulli_rows(n, p, np.random.default_rng(0)).size == expected


def test_a_long_table_is_covered_to_its_end():
    rows = bernoulli_rows(2_000_000, 0.001, np.random.default_rng(3))
    assert rows.max() > 1_990_000 and rows.size == pytest.approx(2_000, rel=0.1)
