"""Figures of calibrations and sensitivity analyses, in the house style (``sim.figures``).

Each function returns a matplotlib Figure; ``save_figure`` writes it as PNG and SVG
atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..figures import DEFAULT_FORMATS, save
from ..figures.style import (
    COLOURS,
    WIDE,
    grid_shape,
    house_style,
    legend_above_caption,
    new_figure,
    value_axis,
    wrap,
)
from .space import MULTIPLIER, Space
from .targets import ALL_GROUPS

POSTERIOR_BINS = 20
ROW_HEIGHT = 0.32  # inches a row of a ranked chart takes
PANEL = (3.0, 2.3)  # one parameter's panel
MAX_BARS = 15  # parameters shown in a ranked chart
LABELLED_POINTS = 8  # parameters named in a mu*-sigma plot
LABEL_CHARS = 45
BAND_GREY = "#d9d9d9"
POSTERIOR_COLOUR = COLOURS[1]
TRUTH_COLOUR = COLOURS[2]


def save_figure(figure: Figure, stem: Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` atomically."""
    return save(figure, stem, DEFAULT_FORMATS)


def _height(rows: int) -> float:
    return max(3.0, 1.6 + ROW_HEIGHT * rows)


@house_style
def fit_chart(fit: pd.DataFrame, caption: str) -> Figure:
    """Each target's simulated figure as a share of the observed one: the posterior's
    median and 5th-95th percentiles, one run at the defaults, and the tolerance band."""
    rows = fit.iloc[::-1].reset_index(drop=True)
    figure = new_figure((WIDE[0], _height(len(rows))), caption + " Grey: within "
                        "tolerance of the observed figure; dots and lines: the calibrated "
                        "model's median and 5th-95th percentiles; squares: the default "
                        "parameters.")
    ax = figure.subplots()
    y = np.arange(len(rows))
    observed = rows["observed"].where(rows["observed"] != 0)
    half = rows.attrs.get("fit_sds", 2.0) * rows["sd"] / observed.abs()
    ax.barh(y, 2 * half, left=1 - half, height=0.6, color=BAND_GREY, gid="tolerance")
    ax.axvline(1.0, color="#555555", linewidth=1)
    ax.hlines(y, rows["simulated_p5"] / observed, rows["simulated_p95"] / observed,
              color=POSTERIOR_COLOUR, linewidth=2, gid="interval")
    ax.plot(rows["simulated_p50"] / observed, y, "o", color=POSTERIOR_COLOUR,
            label="calibrated (median, 5th-95th percentile)", gid="median")
    ax.plot(rows["default_run"] / observed, y, "s", markerfacecolor="none",
            color=COLOURS[0], label="default parameters (one run)", gid="default")
    ax.set_yticks(y, [_target_label(r) for r in rows.itertuples()])
    ax.set_xlabel("simulated / observed")
    ax.set_title("Observed figures against the model")
    handles, labels = ax.get_legend_handles_labels()
    legend_above_caption(figure, handles, labels, ncols=2)
    return figure


def _target_label(row) -> str:
    check = "" if row.fitted else " [check]"
    group = "" if row.group == ALL_GROUPS else f", {row.group}"
    return f"{row.target} ({row.period}{group}){check}"


@house_style
def posterior_chart(space: Space, posterior: pd.DataFrame, caption: str,
                    truth: dict[str, float] | None = None) -> Figure:
    """One panel per parameter: the prior (flat over its range), the posterior's weighted
    histogram and median, the default and, for synthetic data, the true value."""
    rows, columns = grid_shape(len(space), columns=3)
    note = " Orange: the true value." if truth else ""
    figure = new_figure((PANEL[0] * columns, PANEL[1] * rows + 0.8), caption + " Bars: "
                        "posterior; dashed: prior (uniform over the plausible range); "
                        "solid line: posterior median; dotted: default." + note)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, d in zip(axes, space.dimensions, strict=False):
        values, weights = posterior[d.path].to_numpy(), posterior["weight"].to_numpy()
        ax.hist(values, bins=np.linspace(d.low, d.high, POSTERIOR_BINS + 1), weights=weights,
                density=True, color=POSTERIOR_COLOUR, alpha=0.6, gid=f"posterior:{d.path}")
        ax.hlines(1 / d.width, d.low, d.high, color=COLOURS[0], linestyles="--",
                  gid=f"prior:{d.path}")
        order = np.argsort(values)
        cumulative = np.cumsum(weights[order]) / weights.sum()
        ax.axvline(values[order][np.searchsorted(cumulative, 0.5)], color=POSTERIOR_COLOUR)
        ax.axvline(d.default, color=COLOURS[0], linestyle=":")
        if truth and d.path in truth:
            ax.axvline(truth[d.path], color=TRUTH_COLOUR, linewidth=2, gid=f"truth:{d.path}")
        ax.set_title(wrap(d.path, LABEL_CHARS), fontsize=8, loc="left")
        ax.set_xlabel("multiplier of the default" if d.kind == MULTIPLIER else d.unit)
        ax.set_yticks([])
    for ax in axes[len(space):]:
        ax.set_visible(False)
    return figure


@house_style
def ranked_chart(indices: pd.DataFrame, method: str, title: str, unit: str,
                 caption: str) -> Figure:
    """The parameters ranked by their effect on one output, with confidence intervals:
    Morris's mu* or Sobol's total and first-order indices."""
    top = indices.sort_values("rank").head(MAX_BARS).iloc[::-1]
    figure = new_figure((WIDE[0], _height(len(top))), caption)
    ax = figure.subplots()
    y = np.arange(len(top))
    if method == "morris":
        ax.barh(y, top["mu_star"], xerr=top["mu_star_conf"], color=POSTERIOR_COLOUR,
                gid="mu_star")
        value_axis(ax, unit, "mu*: the output's change across the parameter's range",
                   axis="x")
    else:
        ax.barh(y + 0.2, top["ST"], height=0.4, xerr=top["ST_conf"], color=POSTERIOR_COLOUR,
                label="total effect (ST)", gid="ST")
        ax.barh(y - 0.2, top["S1"], height=0.4, xerr=top["S1_conf"], color=BAND_GREY,
                label="first order (S1)", gid="S1")
        ax.set_xlabel("share of the output's variance")
        ax.legend(loc="lower right")
    ax.set_yticks(y, [wrap(label, LABEL_CHARS) for label in top["label"]])
    ax.set_title(f"What drives {title}")
    return figure


@house_style
def morris_chart(indices: pd.DataFrame, title: str, unit: str, caption: str) -> Figure:
    """Morris's mu* against sigma: far right matters; high up acts non-linearly or
    through interactions. The parameters that matter most are named."""
    figure = new_figure(WIDE, caption + " Above the dashed line (sigma = mu*) a parameter "
                        "acts non-linearly or through others.")
    ax = figure.subplots()
    ax.scatter(indices["mu_star"], indices["sigma"], color=POSTERIOR_COLOUR, gid="points")
    top = max(indices["mu_star"].max(), indices["sigma"].max(), 1e-12)
    ax.plot([0, top], [0, top], linestyle="--", color="#555555", linewidth=1)
    named = indices[indices["mu_star"] > 0].sort_values("rank").head(LABELLED_POINTS)
    for row in named.itertuples():
        ax.annotate(wrap(row.label, LABEL_CHARS), (row.mu_star, row.sigma), fontsize=7,
                    xytext=(4, 2), textcoords="offset points")
    value_axis(ax, unit, "mu* (mean absolute elementary effect)", axis="x")
    value_axis(ax, unit, "sigma (spread of the elementary effects)")
    ax.set_title(f"Morris screening: {title}")
    return figure
