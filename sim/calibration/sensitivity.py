"""Global sensitivity analysis with SALib: which parameters move which outputs.

Two methods, over the parameters' plausible ranges (``space.py``):

- ``morris``: screening by elementary effects (SALib's Morris trajectories on a grid of
  ``MORRIS_LEVELS`` levels): ``n`` trajectories, ``n x (k + 1)`` evaluations for ``k``
  parameters. ``mu*`` (the mean absolute effect of moving a parameter across
  ``2 / 3`` of its range... in output units) ranks them; ``sigma`` shows non-linearity
  or interactions.
- ``sobol``: variance-based indices on Saltelli's design, built by SALib from
  ``scipy.stats.qmc``'s scrambled Sobol' sequence: ``n x (k + 2)`` evaluations (``n`` a
  power of two). ``S1`` is the share of an output's variance a parameter explains alone,
  ``ST`` with its interactions.

Both report bootstrap confidence intervals (``CONFIDENCE``). ``run_sensitivity`` takes
any ``evaluate(design) -> {output: values}``: the model (``study.py``) or a test function
such as Ishigami's go through the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from .space import Space

METHODS = ("morris", "sobol")
#: Morris trajectories by default (Campolongo et al. 2007 suggest 10 to 20).
MORRIS_TRAJECTORIES = 10
#: Levels of the Morris grid (an even number; the step is levels / (2 (levels - 1))).
MORRIS_LEVELS = 4
#: Base samples of the Saltelli design by default (a power of two).
SOBOL_BASE_SAMPLES = 64
#: Confidence level of the bootstrap intervals, and bootstrap resamples.
CONFIDENCE = 0.95
RESAMPLES = 100
#: A parameter "matters" for an output when its mu* is at least this share of the
#: largest (Morris), or its total index at least ``SOBOL_MATTERS`` (Sobol).
MORRIS_MATTERS = 0.1
SOBOL_MATTERS = 0.05
INDEX_COLUMNS = {"morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
                 "sobol": ("S1", "S1_conf", "ST", "ST_conf")}
RANK_BY = {"morris": "mu_star", "sobol": "ST"}

Evaluate = Callable[[np.ndarray], dict[str, np.ndarray]]


@dataclass(frozen=True)
class SensitivityResult:
    """A design, the outputs at its points and the indices, one row per output and
    parameter (columns ``output, parameter, label, rank`` and the method's indices)."""

    method: str
    space: Space
    design: np.ndarray
    outputs: dict[str, np.ndarray]
    indices: pd.DataFrame


def problem(space: Space) -> dict:
    """SALib's problem definition."""
    return {"num_vars": len(space), "names": space.names, "bounds": space.bounds.tolist()}


def design_size(method: str, k: int, n: int) -> int:
    """Evaluations a design needs for ``k`` parameters."""
    return n * (k + 1) if method == "morris" else n * (k + 2)


def design(method: str, space: Space, n: int, seed: int) -> np.ndarray:
    """The points to evaluate (one row per point, parameters in the space's order)."""
    if method == "morris":
        return morris_sample.sample(problem(space), n, num_levels=MORRIS_LEVELS, seed=seed)
    return sobol_sample.sample(problem(space), n, calc_second_order=False, seed=seed)


def analyse(method: str, space: Space, points: np.ndarray, values: np.ndarray,
            seed: int) -> pd.DataFrame:
    """The indices of one output, one row per parameter."""
    if np.ptp(values) == 0:  # the output does not move: no parameter matters
        zeros = {column: np.zeros(len(space)) for column in INDEX_COLUMNS[method]}
        return pd.DataFrame({"parameter": space.paths, **zeros})
    if method == "morris":
        found = morris_analyze.analyze(problem(space), points, values, RESAMPLES, CONFIDENCE,
                                       num_levels=MORRIS_LEVELS, seed=seed)
    else:
        found = sobol_analyze.analyze(problem(space), values, calc_second_order=False,
                                      num_resamples=RESAMPLES, conf_level=CONFIDENCE, seed=seed)
    return pd.DataFrame({"parameter": space.paths,
                         **{c: np.asarray(found[c], float) for c in INDEX_COLUMNS[method]}})


def run_sensitivity(method: str, space: Space, evaluate: Evaluate, n: int,
                    seed: int) -> SensitivityResult:
    """Build the design, evaluate it and compute every output's indices.

    Args:
        method: ``morris`` or ``sobol``.
        space: the parameters and their ranges.
        evaluate: maps the design (points x parameters) to each output's values.
        n: Morris trajectories, or Sobol base samples.
        seed: seed of the design and of the bootstrap.
    """
    points = design(method, space, n, seed)
    outputs = {name: np.asarray(values, float) for name, values in evaluate(points).items()}
    tables = []
    labels = dict(zip(space.paths, (d.label for d in space.dimensions), strict=True))
    for name, values in outputs.items():
        table = analyse(method, space, points, values, seed)
        table["rank"] = table[RANK_BY[method]].rank(ascending=False, method="first").astype(int)
        table.insert(0, "output", name)
        table.insert(2, "label", table["parameter"].map(labels))
        tables.append(table.sort_values("rank"))
    return SensitivityResult(method, space, points, outputs,
                             pd.concat(tables, ignore_index=True))


def sentence(method: str, output: str, indices: pd.DataFrame,
             describe: Callable[[float], str] = lambda v: f"{v:.3g}") -> str:
    """One sentence naming the parameters that matter for an output, strongest first.

    Args:
        method: ``morris`` or ``sobol``.
        output: the output's name as readers see it.
        indices: that output's rows of ``SensitivityResult.indices``.
        describe: formats a Morris mu* in the output's unit.
    """
    ranked = indices.sort_values("rank")
    score = ranked[RANK_BY[method]].to_numpy()
    if not np.any(score > 0):
        return f"{output}: no parameter moved it over its range."
    threshold = MORRIS_MATTERS * score.max() if method == "morris" else SOBOL_MATTERS
    matter = ranked[score >= threshold]
    if method == "morris":
        named = [f"{r.parameter} (mu* {describe(r.mu_star)})" for r in matter.itertuples()]
        rest = (f"; the other {len(ranked) - len(matter)} move it less than "
                f"{MORRIS_MATTERS:.0%} as much" if len(ranked) > len(matter) else "")
    else:
        named = [f"{r.parameter} (total index {r.ST:.2f}, alone {r.S1:.2f})"
                 for r in matter.itertuples()]
        rest = (f"; the other {len(ranked) - len(matter)} have total indices below "
                f"{SOBOL_MATTERS:g}" if len(ranked) > len(matter) else "")
    if not named:
        return f"{output}: no parameter has a total index of {SOBOL_MATTERS:g} or more."
    return f"{output}: {_join(named)} matter{'s' if len(named) == 1 else ''} most{rest}."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
