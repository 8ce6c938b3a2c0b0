"""Unmet need and people waiting by district (the ``BY_DISTRICT`` metrics), and the table
of shaded change cells that figures by district and by council share (``change_cells``).

Each replication's value is its weekly average over the run, so a district's figure reads
"people waiting on an average week" or "hours of unmet need in an average week". A few
scenarios are drawn as dots with their p5-p95 range over replications, one row per
district; more than ``MAX_OVERLAID`` become a table of shaded cells, one row per scenario
and one column per district, holding each scenario's mean paired change against the
baseline (and the baseline's own level in the column heading).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..metrics import BY_DISTRICT, BY_NAME
from .data import RunData, percentiles
from .style import (
    GRID_PANEL,
    compact,
    house_style,
    looks,
    new_figure,
    overlaid,
    scenario_labels,
    source,
    value_axis,
    wrap,
)

ROW_HEIGHT = 0.32  # inches a district (dots) or a scenario (cells) takes
DOT_SPREAD = 0.7  # share of a district's row the scenarios' dots spread over
CELL_ROW_HEIGHT = 0.42
CELL_COLUMN_WIDTH = 0.72
ROW_LABEL_CHARS = 42
CELL_COLOURS = "PuOr_r"  # diverging; every cell also prints its signed value
CELL_TEXT_SIZE = 6.5
CELL_DECIMALS_BELOW = 10  # cell values smaller than this keep one decimal
DARK_CELL = 0.6  # |change| / largest |change| above which the cell's text is white
TITLE_CHARS_PER_INCH = 9  # a panel's title wraps to the width of its table
MIN_CELL_COLUMNS = 6  # a table of fewer places (e.g. two councils) is as wide as this


def weekly_average(data: RunData, metric: str, scenario: str) -> np.ndarray:
    """Per replication and district, the weekly average over the run (rep x district)."""
    return data.district_values(metric, scenario).mean(axis=-1)


def paired_change(data: RunData, metric: str, scenario: str) -> np.ndarray:
    """Per district, the mean paired change in the weekly average against the baseline."""
    return (weekly_average(data, metric, scenario) -
            weekly_average(data, metric, data.baseline)).mean(axis=0)


def unit_of(metric: str) -> str:
    """The unit of a weekly average: flows per week, stocks on an average week."""
    spec = BY_NAME[metric]
    return f"{spec.unit} per week" if spec.aggregate == "sum" else spec.unit


@house_style
def need_by_district(data: RunData) -> Figure:
    """Unmet need and people waiting by district, each scenario against the baseline."""
    return _dots(data) if overlaid(data) else _change_cells(data)


def _dots(data: RunData) -> Figure:
    units = "; ".join(f"{BY_NAME[m].label.lower()}: {unit_of(m)}" for m in BY_DISTRICT)
    height = len(data.districts) * ROW_HEIGHT * max(1.0, len(data.scenarios) / 3) + 1.6
    figure = new_figure((GRID_PANEL[0] * 3.3, height),
                        f"{source(data)} Each district's weekly average over the run, by "
                        "the resident's district: dots are the median over replications, "
                        f"whiskers the 5th-95th percentile. Units: {units}.")
    axes = figure.subplots(1, len(BY_DISTRICT), sharey=True)
    rows = np.arange(len(data.districts))[::-1]  # the first district at the top
    styles = looks(data.scenarios)
    offsets = np.linspace(-DOT_SPREAD / 2, DOT_SPREAD / 2, len(styles)) \
        if len(styles) > 1 else np.zeros(1)
    for ax, metric in zip(axes, BY_DISTRICT, strict=True):
        for offset, (scenario, look) in zip(offsets, styles.items(), strict=True):
            low, mid, high = percentiles(weekly_average(data, metric, scenario))
            ax.errorbar(mid, rows - offset, xerr=(mid - low, high - mid), fmt=look.marker,
                        color=look.colour, markersize=4, elinewidth=1, capsize=0,
                        label=scenario)
        ax.set_title(BY_NAME[metric].label)
        value_axis(ax, unit_of(metric), axis="x")
        ax.set_xlim(left=0)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(rows, data.districts)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 4),
                  title="scenario")
    return figure


def _change_cells(data: RunData) -> Figure:
    panels = []
    for metric in BY_DISTRICT:
        changes = np.array([paired_change(data, metric, s) for s in data.others])
        base = np.median(weekly_average(data, metric, data.baseline), axis=0)
        title = f"{BY_NAME[metric].label}: change against {data.baseline} ({unit_of(metric)})"
        panels.append((title, changes, [f"{d}\n{compact(b)}" for d, b in
                                        zip(data.districts, base, strict=True)]))
    return change_cells(data, panels,
                        f"{source(data)} Each cell: the scenario's mean paired change "
                        "(scenario minus baseline, replication by replication) in the "
                        "district's weekly average over the run; shading shows size and "
                        "direction, the printed value its sign. Column headings give the "
                        "baseline's weekly average. Rows in run order.")


def change_cells(data: RunData, panels: Sequence[tuple[str, np.ndarray, list[str]]],
                 caption: str) -> Figure:
    """Tables of shaded cells, one panel per (title, changes, column headings): a row per
    scenario compared with the baseline (by its label, in run order), a column per place
    (district or council), each cell a change (scenario x place)."""
    labels = scenario_labels(data)
    rows = [wrap(labels[s], ROW_LABEL_CHARS) for s in data.others]
    panel_height = len(rows) * CELL_ROW_HEIGHT + 1.2
    table_width = max(MIN_CELL_COLUMNS, *(len(columns) for _, _, columns in panels)) * \
        CELL_COLUMN_WIDTH
    figure = new_figure((3.2 + table_width, panel_height * len(panels) + 0.8), caption)
    axes = figure.subplots(len(panels), 1, squeeze=False).ravel()
    for ax, (title, changes, columns) in zip(axes, panels, strict=True):
        _cells(ax, changes, rows, columns)
        ax.set_title(wrap(title, int(table_width * TITLE_CHARS_PER_INCH)))
    return figure


def _cells(ax: Axes, changes: np.ndarray, rows: list[str], columns: list[str]) -> None:
    """A table of shaded cells, each with its signed value printed."""
    largest = float(np.abs(changes).max()) or 1.0
    ax.imshow(changes, cmap=CELL_COLOURS, aspect="auto",
              norm=TwoSlopeNorm(0.0, -largest, largest), gid="cells")
    for (i, j), value in np.ndenumerate(changes):
        text = f"{value:+,.0f}" if abs(value) >= CELL_DECIMALS_BELOW else f"{value:+.1f}"
        ax.text(j, i, text, ha="center", va="center", fontsize=CELL_TEXT_SIZE,
                color="white" if abs(value) > DARK_CELL * largest else "black",
                gid=f"cell:{i}:{j}")
    ax.set_xticks(range(len(columns)), columns, fontsize=CELL_TEXT_SIZE, rotation=0)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), rows, fontsize=CELL_TEXT_SIZE + 0.5)
    ax.grid(False)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
