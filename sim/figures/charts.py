"""The figures of a run, each a function of ``RunData`` returning a matplotlib Figure.

Titles, units and labels come from the metric registry (``sim.metrics``); every number
comes from the results folder: weekly values from ``timeseries.parquet``, whole-run totals
from ``summary.csv`` and ``deltas.csv``.

With more than ``MAX_OVERLAID`` scenarios besides the baseline, each chart takes a form
that stays readable for the whole scenario library: fan and difference charts become
small multiples (one panel per scenario, the baseline as a grey reference); the
cost-outcome plane numbers its means, with a key of the scenarios' labels; council spend
becomes one row of stacked horizontal bars per scenario; and each market panel picks out
the ``MARKET_HIGHLIGHTS`` scenarios furthest from the baseline, the others thin and grey.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from ..compare import COUNCIL_COST, OUTCOME
from ..metrics import BY_NAME, METRICS
from ..summary import PERIOD_ALL
from .data import RunData, percentiles
from .style import (
    GRID_PANEL,
    PANEL_DATE_TICKS,
    PANEL_LINE_WIDTH,
    PANEL_TITLE_CHARS,
    POINTS_PER_INCH,
    REFERENCE,
    REFERENCE_BAND,
    REFERENCE_BAND_ALPHA,
    SCENARIO,
    SCENARIO_BAND_ALPHA,
    STARTS_LOOK,
    WIDE,
    band,
    date_axis,
    house_style,
    legend_above_caption,
    looks,
    mark_starts,
    new_figure,
    overlaid,
    panel_grid,
    panel_line,
    panel_title,
    reference_band,
    scenario_grid_size,
    scenario_labels,
    shared_value_axis,
    source,
    stress_tests,
    value_axis,
    weekly_line,
    weekly_unit,
    wrap,
)

MARKET_METRICS = ("care_home_beds", "care_home_occupancy", "provider_entries",
                  "provider_exits", "provider_failures", "workforce_vacancy_rate",
                  "workforce_vacancy_rate_care_homes", "workforce_vacancy_rate_homecare")
MARKET_COLUMNS = 4
SPEND_COMPONENTS = tuple(m.name for m in METRICS if m.name.startswith(f"{COUNCIL_COST}_"))
PLANE_METRICS = (COUNCIL_COST, OUTCOME)
LEGEND_COLUMNS = 5  # entries a row in the legend of stacked components
COMPONENT_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--", "||", "oo", "**")
COMPONENT_SHADES = ("#4d4d4d", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#bdbdbd",
                    "#D55E00", "#56B4E9", "#F0E442", "#000000")
REP_POINT_SIZE = 18
MEAN_POINT_SIZE = 110
REP_POINT_ALPHA = 0.55
BAR_WIDTH = 0.7
BANDS = "Lines: median; shaded: 5th-95th percentile over replications"
STARTS = "dotted vertical lines: when each scenario's interventions and changes start"
FIGURE_METRICS = (*MARKET_METRICS, *SPEND_COMPONENTS, *PLANE_METRICS)
# many scenarios (more than MAX_OVERLAID)
PANEL_EXTRA = 1.3  # inches of a small multiple beyond its panels: title, legend, caption
PANEL_STARTS = ("dotted vertical lines: when the scenario's interventions and changes "
                "start")
MARKET_HIGHLIGHTS = 4  # scenarios picked out in each market panel
MARKET_LEGEND_HEIGHT = 0.85  # inches under each market panel for its legend
MARKET_LEGEND_SIZE = 7
CONTEXT_COLOUR = "#c8c8c8"
CONTEXT_LINE_WIDTH = 0.6
CLOUD_COLOUR = "#999999"
CLOUD_ALPHA = 0.5
CLOUD_POINT_SIZE = 12
NUMBERED_POINT_SIZE = 55
NUMBER_SIZE = 8
LEADER_MIN = 11.0  # points between a number and its mean beyond which a leader line shows
PLANE_MANY_WIDTH = 12.0
PLANE_MANY_MIN_HEIGHT = 6.5
KEY_CHARS = 72  # a label wraps to this width in the key of the plane
KEY_LINE = 10.5  # points a line of the key takes
KEY_GAP = 3.0  # points between entries of the key
KEY_NUMBER_WIDTH = 14.0  # points for an entry's number
POLICY_FACE = "#404040"
ROW_LABEL_CHARS = 48  # a label wraps to this width beside its bars
SPEND_ROW = 0.36  # inches a row of bars takes (a label of two lines)
SPEND_ROW_LINE = 0.15  # inches a line of a row's label takes
SPEND_EXTRA = 1.9  # inches for titles, legend, axis and caption
NET_MARKER_SIZE = 30


def _legend_right(ax: Axes) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="scenario")


@house_style
def fan_chart(data: RunData, metric: str) -> Figure:
    """Per scenario, the weekly median of a metric and its p5-p95 band over replications,
    with the scenario's start dates marked; with more than ``MAX_OVERLAID`` scenarios
    besides the baseline, one panel per scenario against the baseline."""
    if not overlaid(data):
        return _fan_panels(data, metric)
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
    (scenario_r - baseline_r) and its p5-p95 band, with a zero line; with more than
    ``MAX_OVERLAID`` scenarios besides the baseline, one panel per scenario."""
    if not overlaid(data):
        return _difference_panels(data, metric)
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
    change), present values over the run, and their mean as a larger marker; with more
    than ``MAX_OVERLAID`` scenarios besides the baseline, the means are numbered and a key
    gives the scenarios' labels."""
    if not overlaid(data):
        return _numbered_plane(data)
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
    _plane_axes(ax, data)
    _legend_right(ax)
    return figure


def _plane_axes(ax: Axes, data: RunData) -> None:
    """The quadrants' names, title and axis labels of the cost-outcome plane."""
    cost, outcome = BY_NAME[COUNCIL_COST], BY_NAME[OUTCOME]
    for x, y, text in ((0.99, 0.02, "cheaper, better outcomes"),
                       (0.01, 0.98, "dearer, worse outcomes"),
                       (0.99, 0.98, "dearer, better outcomes"),
                       (0.01, 0.02, "cheaper, worse outcomes")):
        ax.text(x, y, text, transform=ax.transAxes, ha="right" if x > 0.5 else "left",
                va="top" if y > 0.5 else "bottom", color="#666666", fontsize="small",
                gid="quadrant")
    ax.set_title(f"{cost.label} against {outcome.label.lower()}\n"
                 f"change against {data.baseline}")
    value_axis(ax, outcome.unit, f"{outcome.label} gained, present value", axis="x")
    value_axis(ax, cost.unit, f"Change in {cost.label.lower()}, present value")


def _paired_present_value(data: RunData, metric: str, scenario: str) -> np.ndarray:
    return data.present_value(metric, scenario) - data.present_value(metric, data.baseline)


@house_style
def market_dynamics(data: RunData) -> Figure:
    """Small multiples of the market over time: beds, occupancy, entries, exits, failures
    and vacancy rates; median lines per scenario (flows as running totals). With more
    than ``MAX_OVERLAID`` scenarios besides the baseline, each panel picks out the
    ``MARKET_HIGHLIGHTS`` furthest from the baseline and draws the others thin and grey."""
    if not overlaid(data):
        return _market_highlights(data)
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
    ``deltas.csv``); with more than ``MAX_OVERLAID`` scenarios besides the baseline, one
    row of horizontal bars per scenario."""
    if not overlaid(data):
        return _spend_rows(data)
    spend = BY_NAME[COUNCIL_COST]
    figure = new_figure((11.0, 5.0), f"{source(data)} Whole-run totals, mean over "
                        "replications, not discounted; the components add up to "
                        f"{spend.label.lower()} (net of client contributions). Right: mean "
                        f"paired change against {data.baseline}. Unit: {spend.unit}.")
    left, right = figure.subplots(1, 2, width_ratios=(3, 2))
    totals = _whole_run(data.summary, SPEND_COMPONENTS).reindex(list(data.scenarios))
    stacked_bars(left, totals)
    left.set_title(f"{spend.label}: where the money goes")
    value_axis(left, spend.unit, "Whole-run total")
    figure.legend(*left.get_legend_handles_labels(), loc="outside upper center",
                  ncols=min(len(SPEND_COMPONENTS), LEGEND_COLUMNS), title="component")
    changes = _whole_run(data.deltas, SPEND_COMPONENTS).reindex(list(data.others))
    _change_bars(right, changes, data)
    right.set_title(f"Change against {data.baseline}")
    value_axis(right, spend.unit, "Whole-run change", axis="x")
    return figure


def _whole_run(table, metrics: tuple[str, ...]):
    """Whole-run means (scenario x metric) from ``summary.csv`` or ``deltas.csv`` (whose
    rows are none in a run of the baseline alone)."""
    rows = table[(table.financial_year == PERIOD_ALL) & table.metric.isin(metrics)]
    return rows.pivot(index="scenario", columns="metric", values="mean") \
        .reindex(columns=list(metrics))


def component_label(metric: str) -> str:
    """A spend component's name in a legend: its label after "Council spend: "."""
    return BY_NAME[metric].label.split(": ", 1)[-1]


def stacked_bars(ax: Axes, table, gid: str = "bars", horizontal: bool = False,
                  label: Callable[[str], str] = component_label) -> None:
    """One bar per row of ``table`` (scenarios), stacked by column (components, or client
    groups, named in the legend by ``label``), negative parts below (or left of) zero;
    upright with scenario ticks, or horizontal rows."""
    at = np.arange(len(table.index))
    up, down = np.zeros(len(at)), np.zeros(len(at))
    draw = ax.barh if horizontal else ax.bar
    for i, component in enumerate(table.columns):
        sizes = table[component].to_numpy()
        start = np.where(sizes >= 0, up, down)
        draw(at, sizes, BAR_WIDTH, start, color=COMPONENT_SHADES[i],
             hatch=COMPONENT_HATCHES[i], edgecolor="white", linewidth=0.5,
             label=label(component), gid=f"{gid}:{component}")
        up += np.maximum(sizes, 0)
        down += np.minimum(sizes, 0)
    if not horizontal:
        ax.set_xticks(at, table.index, rotation=30, ha="right")
    ax.grid(axis="y" if horizontal else "x", visible=False)


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
    ax.set_yticks(y, [component_label(c) for c in changes.columns])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    if len(changes.index):  # none in a run of the baseline alone
        ax.legend(loc="best", fontsize="small", title="scenario")


# --- many scenarios ---------------------------------------------------------------------

def _panel_titles(data: RunData) -> list[str]:
    labels = scenario_labels(data)
    return [wrap(labels[s], PANEL_TITLE_CHARS) for s in data.others]


def _panel_legend(figure: Figure, handles: list, labels: list[str]) -> None:
    legend_above_caption(figure, handles, labels, ncols=len(labels))


def _starts_handle() -> Line2D:
    return Line2D([], [], color=STARTS_LOOK.colour, linestyle=STARTS_LOOK.linestyle,
                  linewidth=1)


def _fan_panels(data: RunData, metric: str) -> Figure:
    """One panel per scenario: its median and band over the baseline's, in grey."""
    spec = BY_NAME[metric]
    titles = _panel_titles(data)
    figure = new_figure(scenario_grid_size(titles, PANEL_EXTRA),
                        f"{source(data)} {spec.label}: {spec.description}. One panel per "
                        "scenario, in run order. Solid line and shading: the scenario's "
                        "median and 5th-95th percentile over replications; dashed line and "
                        f"grey shading: the same for {data.baseline}; {PANEL_STARTS}. "
                        f"Unit: {weekly_unit(metric)}.")
    axes = panel_grid(figure, len(data.others))
    base_low, base_mid, base_high = percentiles(data.values(metric, data.baseline))
    for ax, scenario, title in zip(axes, data.others, titles):
        reference_band(ax, data, base_low, base_high, f"reference_band:{data.baseline}")
        panel_line(ax, data, base_mid, f"reference:{data.baseline}", REFERENCE,
                   f"_{data.baseline}")
        low, mid, high = percentiles(data.values(metric, scenario))
        band(ax, data, low, high, scenario, SCENARIO, SCENARIO_BAND_ALPHA)
        panel_line(ax, data, mid, f"line:{scenario}", SCENARIO, f"_{scenario}")
        mark_starts(ax, data, scenario, STARTS_LOOK)
        panel_title(ax, title)
        date_axis(ax, PANEL_DATE_TICKS)
    figure.suptitle(spec.label, fontweight="bold")
    shared_value_axis(figure, axes, weekly_unit(metric))
    _panel_legend(figure, [
        Line2D([], [], color=SCENARIO.colour, linewidth=PANEL_LINE_WIDTH),
        Patch(color=SCENARIO.colour, alpha=SCENARIO_BAND_ALPHA, linewidth=0),
        Line2D([], [], color=REFERENCE.colour, linestyle=REFERENCE.linestyle,
               linewidth=PANEL_LINE_WIDTH),
        Patch(color=REFERENCE_BAND, alpha=REFERENCE_BAND_ALPHA, linewidth=0),
        _starts_handle()],
        ["scenario: median", "scenario: 5th-95th percentile", f"{data.baseline}: median",
         f"{data.baseline}: 5th-95th percentile", "interventions and changes start"])
    return figure


def _difference_panels(data: RunData, metric: str) -> Figure:
    """One panel per scenario: its mean paired difference and band, and a zero line."""
    spec = BY_NAME[metric]
    titles = _panel_titles(data)
    figure = new_figure(scenario_grid_size(titles, PANEL_EXTRA),
                        f"{source(data)} {spec.label}, change against {data.baseline}, one "
                        "panel per scenario, in run order. Line: mean paired difference "
                        "(scenario minus baseline, replication by replication, with the "
                        "same random numbers); shaded: 5th-95th percentile; solid black "
                        f"line: no change; {PANEL_STARTS}. Unit: {weekly_unit(metric)}.")
    axes = panel_grid(figure, len(data.others))
    for ax, scenario, title in zip(axes, data.others, titles):
        ax.axhline(0, color="black", linewidth=0.8, label="_zero", gid="zero")
        differences = data.paired(metric, scenario)
        low, _, high = percentiles(differences)
        band(ax, data, low, high, scenario, SCENARIO, SCENARIO_BAND_ALPHA)
        panel_line(ax, data, differences.mean(axis=0), f"line:{scenario}", SCENARIO,
                   f"_{scenario}")
        mark_starts(ax, data, scenario, STARTS_LOOK)
        panel_title(ax, title)
        date_axis(ax, PANEL_DATE_TICKS)
    figure.suptitle(f"{spec.label}: change against {data.baseline}", fontweight="bold")
    shared_value_axis(figure, axes, weekly_unit(metric), f"Change against {data.baseline}")
    _panel_legend(figure, [
        Line2D([], [], color=SCENARIO.colour, linewidth=PANEL_LINE_WIDTH),
        Patch(color=SCENARIO.colour, alpha=SCENARIO_BAND_ALPHA, linewidth=0),
        Line2D([], [], color="black", linewidth=0.8), _starts_handle()],
        ["mean paired difference", "5th-95th percentile", "no change",
         "interventions and changes start"])
    return figure


def _numbered_plane(data: RunData) -> Figure:
    """The cost-outcome plane with each scenario's mean numbered, a key of the numbers
    beside it, and the replications as light grey clouds."""
    cost, outcome = BY_NAME[COUNCIL_COST], BY_NAME[OUTCOME]
    labels, stress = scenario_labels(data), stress_tests(data)
    entries = [wrap(labels[s], KEY_CHARS) for s in data.others]
    key_height = (sum(e.count("\n") + 1 for e in entries) * KEY_LINE
                  + len(entries) * KEY_GAP) / POINTS_PER_INCH + 2.6
    figure = new_figure((PLANE_MANY_WIDTH, max(PLANE_MANY_MIN_HEIGHT, key_height)),
                        f"{source(data)} Numbers mark each scenario's mean (see the key); "
                        "circles: policies, triangles: stress tests; small grey markers: one "
                        f"replication each (scenario minus {data.baseline}, same random "
                        "numbers). Present values over the whole run, discounted at "
                        f"{100 * data.discount_rate:g}% a year. Units: {cost.unit} "
                        f"({cost.label.lower()}); {outcome.unit} ({outcome.label}, "
                        "person-weeks weighted by quality of life).")
    ax, key = figure.subplots(1, 2, width_ratios=(3, 2))
    ax.axhline(0, color="black", linewidth=0.8, gid="zero")
    ax.axvline(0, color="black", linewidth=0.8, gid="zero")
    means = []
    for scenario in data.others:
        gained = _paired_present_value(data, OUTCOME, scenario)
        change = _paired_present_value(data, COUNCIL_COST, scenario)
        marker, face = ("^", "white") if scenario in stress else ("o", POLICY_FACE)
        ax.scatter(gained, change, s=CLOUD_POINT_SIZE, color=CLOUD_COLOUR, marker=marker,
                   alpha=CLOUD_ALPHA, linewidths=0, label=f"_reps {scenario}",
                   gid=f"reps:{scenario}")
        ax.scatter([gained.mean()], [change.mean()], s=NUMBERED_POINT_SIZE, marker=marker,
                   facecolor=face, edgecolors="black", linewidths=0.8, zorder=3,
                   label=f"_{scenario}", gid=f"mean:{scenario}")
        means.append((gained.mean(), change.mean()))
    ax.margins(0.08)
    _plane_axes(ax, data)
    _plane_key(figure, key, entries, data.others)
    _number_points(figure, ax, np.array(means), data.others)
    return figure


def _number_points(figure: Figure, ax: Axes, points: np.ndarray,
                   scenarios: tuple[str, ...]) -> None:
    """Number each mean (1, 2, ... in run order) beside it, where the number covers no
    other number, mean or quadrant name if it can, with a leader line when set apart."""
    figure.draw_without_rendering()  # lays the axes out, so points map to their places
    renderer = figure.canvas.get_renderer()
    scale = POINTS_PER_INCH / figure.dpi  # pixels to points
    at = ax.transData.transform(points) * scale
    frame = np.array(ax.get_window_extent(renderer).extents) * scale
    radius = np.sqrt(NUMBERED_POINT_SIZE) / 2 + 1
    obstacles = [np.array(t.get_window_extent(renderer).extents) * scale
                 for t in ax.texts if t.get_gid() == "quadrant"]
    obstacles += [np.array([x - radius, y - radius, x + radius, y + radius]) for x, y in at]
    crowd = [(np.hypot(*(at - p).T) < 4 * radius).sum() for p in at]
    offsets = np.zeros_like(at)
    for i in sorted(range(len(at)), key=lambda i: (-crowd[i], i)):
        width, height = NUMBER_SIZE * 0.62 * len(str(i + 1)) + 3, NUMBER_SIZE * 1.2
        best, best_cost = None, np.inf
        for candidate in _label_candidates(radius, width, height):
            centre = at[i] + candidate
            box = np.array([centre[0] - width / 2, centre[1] - height / 2,
                            centre[0] + width / 2, centre[1] + height / 2])
            cost = sum(_overlap(box, other) for other in obstacles)
            cost += 1e4 * _overlap_outside(box, frame) + np.hypot(*candidate) * 1e-3
            if cost < best_cost:
                best, best_cost = (candidate, box), cost
            if cost < 1:
                break
        offsets[i] = best[0]
        obstacles.append(best[1])
    for i, scenario in enumerate(scenarios):
        far = np.hypot(*offsets[i]) > LEADER_MIN + radius
        text = ax.annotate(
            str(i + 1), points[i], xytext=offsets[i], textcoords="offset points",
            ha="center", va="center", fontsize=NUMBER_SIZE, fontweight="bold",
            annotation_clip=False, gid=f"number:{scenario}",
            arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 0.6,
                        "shrinkA": 1, "shrinkB": radius - 1} if far else None)
        text.set_in_layout(False)


def _label_candidates(radius: float, width: float, height: float):
    """Places for a label's centre around a point, in points: nearest first, in eight
    directions, moving further out."""
    directions = ((1, 1), (1, 0), (0, 1), (-1, 1), (1, -1), (-1, 0), (0, -1), (-1, -1))
    for distance in (1, 8, 18, 30, 45, 65):
        for dx, dy in directions:
            norm = np.hypot(dx, dy)
            yield np.array([dx * (radius + width / 2 + distance * dx / norm),
                            dy * (radius + height / 2 + distance * dy / norm)])


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """The area two boxes (x0, y0, x1, y1) share."""
    return (max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
            * max(0.0, min(a[3], b[3]) - max(a[1], b[1])))


def _overlap_outside(box: np.ndarray, frame: np.ndarray) -> float:
    """How far a box reaches outside a frame."""
    return (max(0.0, frame[0] - box[0]) + max(0.0, box[2] - frame[2])
            + max(0.0, frame[1] - box[1]) + max(0.0, box[3] - frame[3]))


def _plane_key(figure: Figure, key: Axes, entries: list[str],
               scenarios: tuple[str, ...]) -> None:
    """The numbers' key, top down, and what the markers mean."""
    key.axis("off")
    key.set_title("Scenarios", loc="left")
    down = 0.0
    for number, (entry, scenario) in enumerate(zip(entries, scenarios), start=1):
        place = offset_copy(key.transAxes, figure, x=KEY_NUMBER_WIDTH, y=-down,
                            units="points")
        key.text(0, 1, str(number), transform=place, ha="right", va="top",
                 fontweight="bold", fontsize="small", gid=f"key_number:{scenario}",
                 in_layout=False)
        key.text(0, 1, entry, transform=offset_copy(place, figure, x=5, units="points"),
                 ha="left", va="top", fontsize="small", linespacing=1.15,
                 gid=f"key:{scenario}", in_layout=False)
        down += (entry.count("\n") + 1) * KEY_LINE + KEY_GAP
    key.legend([Line2D([], [], marker="o", linestyle="", markerfacecolor=POLICY_FACE,
                       markeredgecolor="black", markersize=7),
                Line2D([], [], marker="^", linestyle="", markerfacecolor="white",
                       markeredgecolor="black", markersize=7),
                Line2D([], [], marker="o", linestyle="", color=CLOUD_COLOUR,
                       markersize=4)],
               ["policy: mean", "stress test: mean", "one replication"],
               loc="lower left", ncols=3)


def _market_highlights(data: RunData) -> Figure:
    """The market panels, each with the baseline, the scenarios furthest from it, and the
    rest thin and grey."""
    rows = -(-len(MARKET_METRICS) // MARKET_COLUMNS)
    figure = new_figure(
        (GRID_PANEL[0] * MARKET_COLUMNS, (GRID_PANEL[1] + MARKET_LEGEND_HEIGHT) * rows + 1.0),
        f"{source(data)} Lines: median over replications. Of the {len(data.others)} "
        f"scenarios, each panel shows the {MARKET_HIGHLIGHTS} furthest from {data.baseline} "
        "(mean absolute difference of the medians over the run; fewer where fewer differ), "
        f"with {data.baseline}, in the styles of its legend; thin grey lines: the other "
        "scenarios. Provider entries, exits and failures are running totals from the start "
        "of the run. Units: as each panel's axis says.")
    axes = figure.subplots(rows, MARKET_COLUMNS, sharex=True).ravel()
    for ax, metric in zip(axes, MARKET_METRICS):
        spec = BY_NAME[metric]
        running = spec.aggregate == "sum"
        medians = {}
        for scenario in data.scenarios:
            values = data.values(metric, scenario)
            medians[scenario] = np.median(values.cumsum(axis=1) if running else values, axis=0)
        chosen = furthest(medians, data.baseline, data.others, MARKET_HIGHLIGHTS)
        for scenario in data.others:
            if scenario not in chosen:
                ax.plot(data.dates, medians[scenario], color=CONTEXT_COLOUR,
                        linewidth=CONTEXT_LINE_WIDTH, label=f"_{scenario}", zorder=1,
                        gid=f"context:{scenario}")
        for scenario, look in looks((data.baseline, *chosen)).items():
            weekly_line(ax, data, medians[scenario], scenario, look)
        ax.set_title(spec.label, fontsize="medium")
        value_axis(ax, f"{spec.unit}, running total" if running else spec.unit)
        date_axis(ax, PANEL_DATE_TICKS)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=MARKET_LEGEND_SIZE,
                  handlelength=3)
    for ax in axes[len(MARKET_METRICS):]:
        ax.set_visible(False)
    figure.legend([Line2D([], [], color=CONTEXT_COLOUR, linewidth=CONTEXT_LINE_WIDTH * 2)],
                  ["other scenarios"], loc="outside upper center")
    return figure


def furthest(medians: dict[str, np.ndarray], baseline: str, scenarios: tuple[str, ...],
             count: int) -> tuple[str, ...]:
    """The ``count`` scenarios whose weekly medians are furthest from the baseline's (mean
    absolute difference; ties in run order); scenarios equal to the baseline never."""
    distance = {s: float(np.abs(medians[s] - medians[baseline]).mean()) for s in scenarios}
    ranked = sorted(scenarios, key=lambda s: -distance[s])
    return tuple(s for s in ranked if distance[s] > 0)[:count]


def _spend_rows(data: RunData) -> Figure:
    """Council spend by component, one row per scenario: whole-run totals (left) and the
    change of each component against the baseline with the net change (right)."""
    spend = BY_NAME[COUNCIL_COST]
    labels = scenario_labels(data)
    rows = list(data.scenarios)
    ticks = [wrap(labels[s], ROW_LABEL_CHARS) for s in rows]
    height = sum(max(SPEND_ROW, (t.count("\n") + 1) * SPEND_ROW_LINE) for t in ticks)
    figure = new_figure((12.0, height + SPEND_EXTRA),
                        f"{source(data)} One row per scenario, in run order. Left: whole-run "
                        "totals, mean over replications, not discounted; the components add "
                        f"up to {spend.label.lower()} (net of client contributions). Right: "
                        f"each component's mean paired change against {data.baseline} "
                        "(increases right of zero, savings left); diamonds: the net change "
                        f"in {spend.label.lower()}. Unit: {spend.unit}.")
    left, right = figure.subplots(1, 2, sharey=True)
    y = np.arange(len(rows))
    totals = _whole_run(data.summary, SPEND_COMPONENTS).reindex(rows)
    stacked_bars(left, totals, "bars", horizontal=True)
    left.set_yticks(y, ticks, fontsize="small")
    left.set_title(f"{spend.label}: where the money goes")
    value_axis(left, spend.unit, "Whole-run total", axis="x")
    figure.legend(*left.get_legend_handles_labels(), loc="outside upper center",
                  ncols=min(len(SPEND_COMPONENTS), LEGEND_COLUMNS), title="component")
    changes = _whole_run(data.deltas, SPEND_COMPONENTS).reindex(rows)
    stacked_bars(right, changes.fillna(0.0), "change", horizontal=True)
    net = _whole_run(data.deltas, (COUNCIL_COST,)).reindex(rows)[COUNCIL_COST]
    for i, scenario in enumerate(rows):
        if scenario == data.baseline:
            right.text(0, i, f"  {data.baseline}: the reference", va="center",
                       color="#666666", fontsize="small", gid="reference")
        elif not pd.isna(net[scenario]):
            right.scatter([net[scenario]], [i], s=NET_MARKER_SIZE, marker="D",
                          color="black", edgecolors="white", linewidths=0.6, zorder=3,
                          clip_on=False, gid=f"net:{scenario}")
    right.axvline(0, color="black", linewidth=0.8)
    for ax in (left, right):  # room for the bars' ends and the diamonds
        ax.use_sticky_edges = False
        ax.margins(x=0.03)
    if not (totals.fillna(0.0).to_numpy() < 0).any():
        left.set_xlim(left=0)
    right.set_title(f"Change against {data.baseline}")
    value_axis(right, spend.unit, "Whole-run change", axis="x")
    left.set_ylim(len(rows) - 0.5, -0.5)  # the baseline on top; no empty rows
    return figure
