"""The figures of a run, each a function of ``RunData`` returning a matplotlib Figure.

Titles, units and labels come from the metric registry (``sim.metrics``); every number
comes from the results folder: weekly values from ``timeseries.parquet``, whole-run totals
from ``summary.csv`` and ``deltas.csv``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..compare import COUNCIL_COST, OUTCOME
from ..metrics import BY_NAME, METRICS
from ..summary import PERIOD_ALL
from .data import RunData, percentiles
from .style import (
    GRID_PANEL,
    PANEL_DATE_TICKS,
    WIDE,
    band,
    date_axis,
    house_style,
    looks,
    mark_starts,
    new_figure,
    source,
    value_axis,
    weekly_line,
    weekly_unit,
)

MARKET_METRICS = ("care_home_beds", "care_home_occupancy", "provider_entries",
                  "provider_exits", "provider_failures", "workforce_vacancy_rate",
                  "workforce_vacancy_rate_care_homes", "workforce_vacancy_rate_homecare")
MARKET_COLUMNS = 4
SPEND_COMPONENTS = tuple(m.name for m in METRICS if m.name.startswith(f"{COUNCIL_COST}_"))
NEED_METRICS = ("unmet_need_hours", "people_waiting")
PLANE_METRICS = (COUNCIL_COST, OUTCOME)
COMPONENT_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--")
COMPONENT_SHADES = ("#4d4d4d", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#bdbdbd",
                    "#D55E00")
REP_POINT_SIZE = 18
MEAN_POINT_SIZE = 110
REP_POINT_ALPHA = 0.55
BAR_WIDTH = 0.7
BANDS = "Lines: median; shaded: 5th-95th percentile over replications"
STARTS = "dotted vertical lines: when each scenario's interventions and changes start"
FIGURE_METRICS = (*MARKET_METRICS, *SPEND_COMPONENTS, *NEED_METRICS, *PLANE_METRICS)


def _legend_right(ax: Axes) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="scenario")


@house_style
def fan_chart(data: RunData, metric: str) -> Figure:
    """Per scenario, the weekly median of a metric and its p5-p95 band over replications,
    with the scenario's start dates marked."""
    spec = BY_NAME[metric]
    figure = new_figure(WIDE, f"{source(data)} {spec.label}: {spec.description}. {BANDS}; "
                              f"{STARTS}. Unit: {weekly_unit(metric)}.")
    ax = figure.add_subplot()
    for scenario, look in looks(data.scenarios).items():
        low, mid, high = percentiles(data.values(metric, scenario))
        band(ax, data, low, high, scenario, look)
        weekly_line(ax, data, mid, scenario, look)
        mark_starts(ax, data, scenario, look)
    ax.set_title(spec.label)
    value_axis(ax, weekly_unit(metric))
    date_axis(ax)
    _legend_right(ax)
    return figure


@house_style
def difference_chart(data: RunData, metric: str) -> Figure:
    """Per scenario, the weekly mean paired difference against the baseline
    (scenario_r - baseline_r) and its p5-p95 band, with a zero line."""
    spec = BY_NAME[metric]
    figure = new_figure(WIDE, f"{source(data)} {spec.label}, change against {data.baseline}: "
                              "lines: mean paired difference (scenario minus baseline, "
                              "replication by replication, with the same random numbers); "
                              f"shaded: 5th-95th percentile; {STARTS}. "
                              f"Unit: {weekly_unit(metric)}.")
    ax = figure.add_subplot()
    ax.axhline(0, color="black", linewidth=0.8, label="_zero", gid="zero")
    styles = looks(data.scenarios)
    for scenario in data.others:
        differences = data.paired(metric, scenario)
        low, _, high = percentiles(differences)
        band(ax, data, low, high, scenario, styles[scenario])
        weekly_line(ax, data, differences.mean(axis=0), scenario, styles[scenario])
        mark_starts(ax, data, scenario, styles[scenario])
    ax.set_title(spec.label)
    value_axis(ax, weekly_unit(metric), f"Change against {data.baseline}")
    date_axis(ax)
    _legend_right(ax)
    return figure


@house_style
def cost_outcome_plane(data: RunData) -> Figure:
    """Per scenario, one point per replication of (wellbeing-weeks gained, council cost
    change), present values over the run, and their mean as a larger marker."""
    cost, outcome = BY_NAME[COUNCIL_COST], BY_NAME[OUTCOME]
    figure = new_figure((7.5, 5.5), f"{source(data)} Each small marker is one replication "
                        f"(scenario minus {data.baseline}, same random numbers); large "
                        "markers: the mean. Present values over the whole run, discounted at "
                        f"{100 * data.discount_rate:g}% a year. Units: {cost.unit} "
                        f"({cost.label.lower()}); {outcome.unit} ({outcome.label}, "
                        "person-weeks weighted by quality of life).")
    ax = figure.add_subplot()
    ax.axhline(0, color="black", linewidth=0.8, gid="zero")
    ax.axvline(0, color="black", linewidth=0.8, gid="zero")
    styles = looks(data.scenarios)
    for scenario in data.others:
        gained = _paired_present_value(data, OUTCOME, scenario)
        change = _paired_present_value(data, COUNCIL_COST, scenario)
        look = styles[scenario]
        ax.scatter(gained, change, s=REP_POINT_SIZE, color=look.colour, marker=look.marker,
                   alpha=REP_POINT_ALPHA, label=f"_reps {scenario}", gid=f"reps:{scenario}")
        ax.scatter([gained.mean()], [change.mean()], s=MEAN_POINT_SIZE, color=look.colour,
                   marker=look.marker, edgecolors="black", label=scenario,
                   gid=f"mean:{scenario}")
    for x, y, text in ((0.99, 0.02, "cheaper, better outcomes"),
                       (0.01, 0.98, "dearer, worse outcomes"),
                       (0.99, 0.98, "dearer, better outcomes"),
                       (0.01, 0.02, "cheaper, worse outcomes")):
        ax.text(x, y, text, transform=ax.transAxes, ha="right" if x > 0.5 else "left",
                va="top" if y > 0.5 else "bottom", color="#666666", fontsize="small")
    ax.set_title(f"{cost.label} against {outcome.label.lower()}\n"
                 f"change against {data.baseline}")
    value_axis(ax, outcome.unit, f"{outcome.label} gained, present value", axis="x")
    value_axis(ax, cost.unit, f"Change in {cost.label.lower()}, present value")
    _legend_right(ax)
    return figure


def _paired_present_value(data: RunData, metric: str, scenario: str) -> np.ndarray:
    return data.present_value(metric, scenario) - data.present_value(metric, data.baseline)


@house_style
def market_dynamics(data: RunData) -> Figure:
    """Small multiples of the market over time: beds, occupancy, entries, exits, failures
    and vacancy rates; median lines per scenario (flows as running totals)."""
    rows = -(-len(MARKET_METRICS) // MARKET_COLUMNS)
    figure = new_figure((GRID_PANEL[0] * MARKET_COLUMNS, GRID_PANEL[1] * rows + 0.8),
                        f"{source(data)} Lines: median over replications. Provider entries, "
                        "exits and failures are running totals from the start of the run. "
                        "Units: as each panel's axis says.")
    axes = figure.subplots(rows, MARKET_COLUMNS, sharex=True).ravel()
    styles = looks(data.scenarios)
    for ax, metric in zip(axes, MARKET_METRICS):
        spec = BY_NAME[metric]
        running = spec.aggregate == "sum"
        for scenario, look in styles.items():
            values = data.values(metric, scenario)
            values = values.cumsum(axis=1) if running else values
            weekly_line(ax, data, np.median(values, axis=0), scenario, look)
        ax.set_title(spec.label, fontsize="medium")
        value_axis(ax, f"{spec.unit}, running total" if running else spec.unit)
        date_axis(ax, PANEL_DATE_TICKS)
    for ax in axes[len(MARKET_METRICS):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 4),
                  title="scenario")
    return figure


@house_style
def spend_components(data: RunData) -> Figure:
    """Council spend by component over the whole run: totals per scenario (stacked bars,
    from ``summary.csv``) and each component's change against the baseline (from
    ``deltas.csv``)."""
    spend = BY_NAME[COUNCIL_COST]
    figure = new_figure((11.0, 5.0), f"{source(data)} Whole-run totals, mean over "
                        "replications, not discounted; the components add up to "
                        f"{spend.label.lower()} (net of client contributions). Right: mean "
                        f"paired change against {data.baseline}. Unit: {spend.unit}.")
    left, right = figure.subplots(1, 2, width_ratios=(3, 2))
    totals = _whole_run(data.summary, SPEND_COMPONENTS).reindex(list(data.scenarios))
    _stacked_bars(left, totals)
    left.set_title(f"{spend.label}: where the money goes")
    value_axis(left, spend.unit, "Whole-run total")
    figure.legend(*left.get_legend_handles_labels(), loc="outside upper center",
                  ncols=len(SPEND_COMPONENTS), title="component")
    changes = _whole_run(data.deltas, SPEND_COMPONENTS).reindex(list(data.others))
    _change_bars(right, changes, data)
    right.set_title(f"Change against {data.baseline}")
    value_axis(right, spend.unit, "Whole-run change", axis="x")
    return figure


def _whole_run(table, metrics: tuple[str, ...]):
    """Whole-run means (scenario x metric) from ``summary.csv`` or ``deltas.csv``."""
    rows = table[(table.financial_year == PERIOD_ALL) & table.metric.isin(metrics)]
    return rows.pivot(index="scenario", columns="metric", values="mean")[list(metrics)]


def _stacked_bars(ax: Axes, totals) -> None:
    """One bar per scenario, stacked by component (negative parts stack below zero)."""
    x = np.arange(len(totals.index))
    above, below = np.zeros(len(x)), np.zeros(len(x))
    for i, component in enumerate(totals.columns):
        heights = totals[component].to_numpy()
        bottoms = np.where(heights >= 0, above, below)
        ax.bar(x, heights, BAR_WIDTH, bottom=bottoms, color=COMPONENT_SHADES[i],
               hatch=COMPONENT_HATCHES[i], edgecolor="white", linewidth=0.5,
               label=BY_NAME[component].label.split(": ", 1)[-1], gid=f"bars:{component}")
        above += np.maximum(heights, 0)
        below += np.minimum(heights, 0)
    ax.set_xticks(x, totals.index, rotation=30, ha="right")
    ax.grid(axis="x", visible=False)


def _change_bars(ax: Axes, changes, data: RunData) -> None:
    """Horizontal bars: each component's change, one bar per scenario."""
    styles = looks(data.scenarios)
    height = BAR_WIDTH / max(1, len(changes.index))
    y = np.arange(len(changes.columns))
    for j, scenario in enumerate(changes.index):
        look = styles[scenario]
        ax.barh(y + j * height - BAR_WIDTH / 2 + height / 2, changes.loc[scenario].to_numpy(),
                height, color=look.colour, edgecolor="black", linewidth=0.4,
                hatch=COMPONENT_HATCHES[(j + 1) % len(COMPONENT_HATCHES)], label=scenario,
                gid=f"change:{scenario}")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [BY_NAME[c].label.split(": ", 1)[-1] for c in changes.columns])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.legend(loc="best", fontsize="small", title="scenario")


@house_style
def unmet_need_and_waiting(data: RunData) -> Figure:
    """Unmet need and people waiting over time: median and p5-p95 band per scenario."""
    units = "; ".join(f"{BY_NAME[m].label.lower()}: {weekly_unit(m)}" for m in NEED_METRICS)
    figure = new_figure(WIDE, f"{source(data)} {BANDS}; {STARTS}. Whole county: a split by "
                              "district is not yet recorded by the model. Units: "
                              f"{units}.")
    axes = figure.subplots(1, len(NEED_METRICS))
    styles = looks(data.scenarios)
    for ax, metric in zip(axes, NEED_METRICS):
        for scenario, look in styles.items():
            low, mid, high = percentiles(data.values(metric, scenario))
            band(ax, data, low, high, scenario, look)
            weekly_line(ax, data, mid, scenario, look)
            mark_starts(ax, data, scenario, look)
        ax.set_title(BY_NAME[metric].label)
        value_axis(ax, weekly_unit(metric))
        date_axis(ax)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 4),
                  title="scenario")
    return figure
