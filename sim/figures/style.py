"""The house style: one look for every figure, readable in greyscale.

Figures are plain ``matplotlib.figure.Figure`` objects drawn on the non-interactive Agg
canvas (pyplot, and with it any GUI backend, is never imported). Each scenario keeps one
colour (Okabe-Ito, safe for colour-blind readers), line style and marker in every figure,
so lines stay apart when printed in grey. Every figure carries a caption line under it
naming the run, the replications and what lines and shading mean.

A run of more than ``MAX_OVERLAID`` scenarios besides the baseline (the scenario library
has twenty) cannot be overlaid on one axes and stay readable, so the charts switch to
forms that scale: small multiples (``panel_grid``, one panel per scenario, each against
the baseline drawn as a grey reference), rows of horizontal bars, and numbered points with
a key. There, each panel draws its scenario in ``SCENARIO`` and the baseline in
``REFERENCE``, and scenarios are named by their labels (from ``decision.csv``).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import MONTHLY, AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

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
LEGEND_ROW = 1.9  # height of a row of a legend, in legend font sizes
MAX_OVERLAID = 5  # scenarios besides the baseline drawn on one axes; more: small multiples
GRID_COLUMNS = 4  # panels a row in a small multiple of scenarios
SCENARIO_PANEL = (3.0, 2.2)  # one scenario's panel, below its title
PANEL_TITLE_CHARS = 40  # a scenario's label wraps to this width as a panel title
PANEL_TITLE_SIZE = 8
PANEL_TITLE_LINE = 0.16  # inches a line of panel title takes
PANEL_LINE_WIDTH = 1.4
REFERENCE_BAND_ALPHA = 0.35
SCENARIO_BAND_ALPHA = 0.25


@dataclass(frozen=True)
class Look:
    """How one scenario is drawn in every figure."""

    colour: str
    linestyle: str | tuple
    marker: str


SCENARIO = Look("#0072B2", "-", "")  # the scenario of a panel: blue, dark grey in print
REFERENCE = Look("#555555", "--", "")  # the baseline in a scenario's panel
REFERENCE_BAND = "#bdbdbd"
STARTS_LOOK = Look("#000000", ":", "")


def looks(scenarios: tuple[str, ...]) -> dict[str, Look]:
    """One look per scenario, in run order (the baseline first: solid black circles)."""
    return {name: Look(COLOURS[i % len(COLOURS)], LINESTYLES[i % len(LINESTYLES)],
                       MARKERS[i % len(MARKERS)]) for i, name in enumerate(scenarios)}


def overlaid(data: RunData) -> bool:
    """Whether the run's scenarios are few enough to overlay on one axes."""
    return len(data.others) <= MAX_OVERLAID


def scenario_labels(data: RunData) -> dict[str, str]:
    """Each scenario's label from ``decision.csv`` (the baseline, or a scenario without
    one, by its name)."""
    labels = {name: name for name in data.scenarios}
    if {"scenario", "label"} <= set(data.decision.columns):
        for name, label in zip(data.decision.scenario, data.decision.label):
            if name in labels and isinstance(label, str) and label.strip():
                labels[name] = label.strip()
    return labels


def stress_tests(data: RunData) -> frozenset[str]:
    """The scenarios that are stress tests (``decision.csv``)."""
    if not {"scenario", "stress_test"} <= set(data.decision.columns):
        return frozenset()
    flags = data.decision.stress_test.astype(str).str.lower() == "true"
    return frozenset(data.decision.scenario[flags])


def wrap(text: str, width: int) -> str:
    """Text wrapped to lines of at most ``width`` characters."""
    return textwrap.fill(text, width, break_on_hyphens=False)


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


def legend_above_caption(figure: Figure, handles: Sequence, labels: Sequence[str],
                         ncols: int) -> None:
    """A figure legend just above the caption, the axes kept clear of it (a figure legend
    placed "outside" would share its margin with a title or with the caption)."""
    rows = -(-len(labels) // ncols)
    left, bottom, width, height = figure.get_layout_engine().get()["rect"]
    size = ((rows * LEGEND_ROW + 0.6) * RC["legend.fontsize"]
            / (POINTS_PER_INCH * figure.get_figheight()))
    legend = figure.legend(handles, labels, loc="lower center", ncols=ncols,
                           bbox_to_anchor=(0.5, bottom), borderaxespad=0.3)
    legend.set_in_layout(False)
    figure.get_layout_engine().set(rect=(left, bottom + size, width, height - size))


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
        target.set_major_formatter(FuncFormatter(lambda value, _pos: percent(value)))
        unit = f"{unit}, shown as %"
    else:
        target.set_major_formatter(FuncFormatter(
            lambda value, _pos: compact(value, money=unit.startswith("GBP"))))
    target.set_label_text(f"{label} ({unit})" if label else unit)


def percent(ratio: float) -> str:
    """A ratio as a percentage tick label, with the decimals it needs: 5% / 12.5%."""
    text = f"{100 * ratio:.2f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('-0', '') else text}%"


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
    locator.intervald[MONTHLY] = [1, 2, 3, 4, 6, 12]  # a narrow panel of three years
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def weekly_line(ax: Axes, data: RunData, values: np.ndarray, scenario: str, look: Look,
                legend: bool = True) -> None:
    """A weekly line in a scenario's look, labelled with its name for the legend."""
    ax.plot(data.dates, values, color=look.colour, linestyle=look.linestyle,
            marker=look.marker, markevery=max(1, len(values) // MARKS_PER_LINE),
            label=scenario if legend else f"_{scenario}", gid=f"line:{scenario}")


def band(ax: Axes, data: RunData, low: np.ndarray, high: np.ndarray, scenario: str,
         look: Look, alpha: float = BAND_ALPHA) -> None:
    """A shaded band between two weekly series (not in the legend)."""
    ax.fill_between(data.dates, low, high, color=look.colour, alpha=alpha,
                    linewidth=0, label=f"_band {scenario}", gid=f"band:{scenario}")


def mark_starts(ax: Axes, data: RunData, scenario: str, look: Look) -> None:
    """Vertical lines at the dates a scenario's interventions and changes start."""
    first, last = data.dates[0], data.dates[-1]
    for start in data.starts[scenario]:
        if first <= np.datetime64(start, "D") <= last:
            ax.axvline(np.datetime64(start, "D"), color=look.colour, linestyle=":",
                       linewidth=1, alpha=START_LINE_ALPHA, label=f"_start {scenario}",
                       gid=f"start:{scenario}")


def grid_shape(count: int, columns: int = GRID_COLUMNS) -> tuple[int, int]:
    """(rows, columns) of a small multiple of ``count`` panels."""
    columns = max(1, min(columns, count))
    return -(-count // columns), columns


def scenario_grid_size(titles: Sequence[str], extra: float) -> tuple[float, float]:
    """The size of a small multiple with one panel per title: each row as tall as a panel
    plus its longest title, and ``extra`` inches for legend and caption."""
    rows, columns = grid_shape(len(titles))
    height = extra
    for row in range(rows):
        lines = max(t.count("\n") + 1 for t in titles[row * columns:(row + 1) * columns])
        height += SCENARIO_PANEL[1] + lines * PANEL_TITLE_LINE
    return SCENARIO_PANEL[0] * columns, height


def panel_grid(figure: Figure, count: int, sharey: bool = True) -> list[Axes]:
    """``count`` panels in rows of ``GRID_COLUMNS``, sharing their date axis and (unless
    ``sharey`` is false) their value axis; unused places are hidden and the panels above
    them keep their date labels."""
    rows, columns = grid_shape(count)
    axes = figure.subplots(rows, columns, sharex=True, sharey=sharey, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i >= count:
            ax.set_visible(False)
        elif i + columns >= count:
            ax.xaxis.set_tick_params(labelbottom=True)
    return list(axes[:count])


def shared_value_axis(figure: Figure, axes: Sequence[Axes], unit: str,
                      label: str | None = None) -> None:
    """One value-axis label for panels sharing a value axis, their ticks formatted to suit."""
    for ax in axes:
        value_axis(ax, unit, label)
    figure.supylabel(axes[0].get_ylabel(), fontsize=RC["axes.labelsize"])
    for ax in axes:
        ax.set_ylabel("")


def panel_title(ax: Axes, text: str) -> None:
    """A scenario's label, wrapped, as a panel's title."""
    ax.set_title(wrap(text, PANEL_TITLE_CHARS), fontsize=PANEL_TITLE_SIZE, loc="left")


def panel_line(ax: Axes, data: RunData, values: np.ndarray, gid: str, look: Look,
               label: str) -> None:
    """A weekly line of a small multiple, without markers."""
    ax.plot(data.dates, values, color=look.colour, linestyle=look.linestyle,
            linewidth=PANEL_LINE_WIDTH, label=label, gid=gid)


def reference_band(ax: Axes, data: RunData, low: np.ndarray, high: np.ndarray,
                   gid: str) -> None:
    """The baseline's band in a scenario's panel: light grey, under everything."""
    ax.fill_between(data.dates, low, high, color=REFERENCE_BAND, alpha=REFERENCE_BAND_ALPHA,
                    linewidth=0, label="_reference band", gid=gid, zorder=0.5)
