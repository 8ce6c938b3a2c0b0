"""The house style: one look for every figure, readable in greyscale.

Figures are plain ``matplotlib.figure.Figure`` objects drawn on the non-interactive Agg
canvas (pyplot, and with it any GUI backend, is never imported). Each scenario keeps one
colour (Okabe-Ito, safe for colour-blind readers), line style and marker in every figure,
so lines stay apart when printed in grey. Every figure carries a caption line under it
naming the run, the replications and what lines and shading mean.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ..metrics import BY_NAME
from .data import RunData

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "svg.fonttype": "none",  # text stays text in SVG: searchable and editable
    "svg.hashsalt": "caremarket",  # stable ids, so rebuilt SVGs are identical
}
COLOURS = ("#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
MARKS_PER_LINE = 8  # markers along a weekly line
BAND_ALPHA = 0.15
START_LINE_ALPHA = 0.7
CAPTION_FONT_SIZE = 7.5
CAPTION_WIDTH_CHARS = 150  # at the widest figure; narrower figures wrap sooner
CAPTION_LINE_HEIGHT = 1.45  # in font sizes
POINTS_PER_INCH = 72
WIDE = (9.0, 4.8)
DATE_TICKS = 10
PANEL_DATE_TICKS = 6
GRID_PANEL = (3.0, 2.4)  # one panel of a small multiple


@dataclass(frozen=True)
class Look:
    """How one scenario is drawn in every figure."""

    colour: str
    linestyle: str | tuple
    marker: str


def looks(scenarios: tuple[str, ...]) -> dict[str, Look]:
    """One look per scenario, in run order (the baseline first: solid black circles)."""
    return {name: Look(COLOURS[i % len(COLOURS)], LINESTYLES[i % len(LINESTYLES)],
                       MARKERS[i % len(MARKERS)]) for i, name in enumerate(scenarios)}


def house_style(chart: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw ``chart`` with the house style's settings."""
    @functools.wraps(chart)
    def styled(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(RC):
            return chart(*args, **kwargs)
    return styled


def new_figure(size: tuple[float, float], caption: str) -> Figure:
    """An Agg figure with a caption line at the bottom and room above it for the axes."""
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    width_chars = int(CAPTION_WIDTH_CHARS * size[0] / WIDE[0])
    text = textwrap.fill(caption, width_chars)
    lines = text.count("\n") + 1
    height = lines * CAPTION_FONT_SIZE * CAPTION_LINE_HEIGHT / (size[1] * POINTS_PER_INCH)
    figure.text(0.01, height / 2, text, fontsize=CAPTION_FONT_SIZE, va="center",
                ha="left", color="#333333", gid="caption")
    figure.get_layout_engine().set(rect=(0, height, 1, 1 - height))
    return figure


def source(data: RunData) -> str:
    """The start of every caption: which run, how many replications."""
    return f"Source: caremarket run {data.run_id}, {data.reps} replications."


def weekly_unit(metric: str) -> str:
    """The unit of a metric's weekly values: flows are amounts per week."""
    spec = BY_NAME[metric]
    return f"{spec.unit} per week" if spec.aggregate == "sum" else spec.unit


def value_axis(ax: Axes, unit: str, label: str | None = None, axis: str = "y") -> None:
    """Label an axis with its unit (from the registry) and format its ticks to suit."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if unit.startswith("ratio"):
        target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        unit = f"{unit}, shown as %"
    else:
        target.set_major_formatter(FuncFormatter(
            lambda value, _pos: compact(value, money=unit.startswith("GBP"))))
    target.set_label_text(f"{label} ({unit})" if label else unit)


def compact(value: float, money: bool = False) -> str:
    """A tick label: 950 / 12,500 / 3.45m / 1.2bn, with £ for money."""
    sign, size = ("-" if value < 0 else ""), abs(value)
    for scale, suffix in ((1e9, "bn"), (1e6, "m")):
        if size >= scale:
            text = f"{size / scale:,.2f}".rstrip("0").rstrip(".") + suffix
            break
    else:
        text = f"{size:,.0f}" if size >= 1000 or size == 0 else f"{size:.3g}"
    return f"{sign}{'£' if money else ''}{text}"


def date_axis(ax: Axes, max_ticks: int = DATE_TICKS) -> None:
    """Dates on the x axis, labelled concisely."""
    locator = AutoDateLocator(maxticks=max_ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def weekly_line(ax: Axes, data: RunData, values: np.ndarray, scenario: str, look: Look,
                legend: bool = True) -> None:
    """A weekly line in a scenario's look, labelled with its name for the legend."""
    ax.plot(data.dates, values, color=look.colour, linestyle=look.linestyle,
            marker=look.marker, markevery=max(1, len(values) // MARKS_PER_LINE),
            label=scenario if legend else f"_{scenario}", gid=f"line:{scenario}")


def band(ax: Axes, data: RunData, low: np.ndarray, high: np.ndarray, scenario: str,
         look: Look) -> None:
    """A shaded band between two weekly series (not in the legend)."""
    ax.fill_between(data.dates, low, high, color=look.colour, alpha=BAND_ALPHA,
                    linewidth=0, label=f"_band {scenario}", gid=f"band:{scenario}")


def mark_starts(ax: Axes, data: RunData, scenario: str, look: Look) -> None:
    """Vertical lines at the dates a scenario's interventions and changes start."""
    first, last = data.dates[0], data.dates[-1]
    for start in data.starts[scenario]:
        if first <= np.datetime64(start, "D") <= last:
            ax.axvline(np.datetime64(start, "D"), color=look.colour, linestyle=":",
                       linewidth=1, alpha=START_LINE_ALPHA, label=f"_start {scenario}",
                       gid=f"start:{scenario}")
