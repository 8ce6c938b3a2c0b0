"""What a finished calibration writes into its folder, each file atomically.

- ``posterior.csv``: the last generation's particles: ``weight`` and one column per
  parameter path (the value, or for an array the multiplier of its default);
- ``simulated.csv``: the same particles' simulated target figures (one run each);
- ``parameters.csv``: per parameter, the prior range and the posterior's mean and
  weighted 5th, 50th and 95th percentiles, and the 90% interval's width as a share of the
  prior's;
- ``fit.csv``: per target, its metric(s) and client group (``all``: the county's total),
  the observed figure and its standard deviation, one run at the default parameters, the
  weighted 5th, 50th and 95th percentiles of the particles' simulated figures, the
  median's distance in standard deviations (``z``) and whether it is within ``FIT_SDS`` of
  the observed figure;
- ``calibrated.yaml`` and ``params/`` (``overlay.py``); ``figures/`` (``figures.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..fileio import atomic_path
from .figures import fit_chart, posterior_chart, save_figure
from .overlay import write_overlay
from .plan import CalibrationPlan
from .simulator import TargetSimulator
from .space import Space
from .targets import ALL_GROUPS, FIT_SDS, Targets

POSTERIOR = "posterior.csv"
SIMULATED = "simulated.csv"
PARAMETERS = "parameters.csv"
FIT = "fit.csv"
FIGURES = "figures"
QUANTILES = (0.05, 0.5, 0.95)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                       quantiles: tuple[float, ...] = QUANTILES) -> np.ndarray:
    """Quantiles of weighted values (each value at the middle of its weight's span)."""
    order = np.argsort(values)
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(quantiles, cumulative, values)


def final_population(url: str, space: Space, targets: Targets
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last generation's particles (``weight`` and a column per path) and their
    simulated figures (``weight`` and a column per target)."""
    import pyabc  # slow to import: only where a calibration's database is read

    from .abc import ABC_ID

    population = pyabc.History(url, _id=ABC_ID, create=False).get_population()
    rows, figures = [], []
    for particle in population.particles:
        rows.append({"weight": particle.weight,
                     **dict(zip(space.paths, space.point(particle.parameter), strict=True))})
        figures.append({"weight": particle.weight,
                        **{name: float(particle.sum_stat[name]) for name in targets.names}})
    total = sum(r["weight"] for r in rows)
    for table in (rows, figures):
        for row in table:
            row["weight"] /= total
    return pd.DataFrame(rows), pd.DataFrame(figures)


def parameter_table(space: Space, posterior: pd.DataFrame) -> pd.DataFrame:
    """Prior range and posterior summary of each parameter."""
    rows = []
    for d in space.dimensions:
        low, mid, high = weighted_quantiles(posterior[d.path], posterior["weight"])
        rows.append({"path": d.path, "kind": d.kind, "unit": d.unit, "default": d.default,
                     "prior_low": d.low, "prior_high": d.high,
                     "posterior_mean": float(np.average(posterior[d.path],
                                                        weights=posterior["weight"])),
                     "posterior_p5": low, "posterior_p50": mid, "posterior_p95": high,
                     "interval_share_of_prior": (high - low) / d.width})
    return pd.DataFrame(rows)


def fit_table(targets: Targets, simulated: pd.DataFrame, default_run: dict[str, float]
              ) -> pd.DataFrame:
    """Observed against simulated figures, one row per target."""
    rows = []
    for t in targets.targets:
        finite = np.isfinite(simulated[t.name].to_numpy())
        low, mid, high = (weighted_quantiles(simulated[t.name][finite],
                                             simulated["weight"][finite])
                          if finite.any() else (np.nan,) * 3)
        rows.append({"target": t.name, "metric": t.metric, "per": t.per or "",
                     "group": t.group or ALL_GROUPS, "period": t.period.text, "unit": t.unit,
                     "observed": t.value, "sd": t.sd, "fitted": t.fit,
                     "default_run": default_run[t.name], "simulated_p5": low,
                     "simulated_p50": mid, "simulated_p95": high,
                     "z": (mid - t.value) / t.sd, "within": t.fits(mid),
                     "observed_in": t.observed or "", "source": t.source["title"]})
    table = pd.DataFrame(rows)
    table.attrs["fit_sds"] = FIT_SDS
    return table


def write_csv(table: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def write_outputs(plan: CalibrationPlan, folder: Path, url: str,
                  model: TargetSimulator) -> None:
    """Write every output of a finished calibration into ``folder``."""
    posterior, simulated = final_population(url, plan.space, plan.targets)
    parameters = parameter_table(plan.space, posterior)
    fit = fit_table(plan.targets, simulated, model.at_defaults())
    write_csv(posterior, folder / POSTERIOR)
    write_csv(simulated, folder / SIMULATED)
    write_csv(parameters, folder / PARAMETERS)
    write_csv(fit, folder / FIT)
    caption = (f"Source: caremarket calibration {folder.name} against {plan.targets.file}, "
               f"{plan.particles} particles after {plan.generations} generations, scale "
               f"{plan.scale:g}.")
    save_figure(fit_chart(fit, caption), folder / FIGURES / "fit")
    save_figure(posterior_chart(plan.space, posterior, caption), folder / FIGURES / "posterior")
    write_overlay(plan, folder, parameters)
