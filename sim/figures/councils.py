"""Results by council of a region of several councils (the ``BY_COUNCIL`` metrics).

``council_chart(data, metric)`` (``<metric>_by_council``, drawn only when the run's region has
several councils): with a few scenarios, a small multiple of one panel per council, each
with every scenario's weekly median and p5-p95 band over replications on the council's own
scale (councils differ in size); with more than ``MAX_OVERLAID`` scenarios besides the
baseline, a table of shaded cells, one row per scenario and one column per council, of the
mean paired change in the council's figure over the whole run (flows: the total; stocks:
the average), with the baseline's own figure in the column heading. Spend counts for the
council that pays, people for the council of their district; the councils add up to the
region.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..metrics import BY_COUNCIL, BY_NAME
from .charts import BANDS, PANEL_EXTRA, STARTS
from .data import RunData, percentiles
from .districts import change_cells
from .style import (
    PANEL_DATE_TICKS,
    band,
    compact,
    date_axis,
    house_style,
    legend_above_caption,
    looks,
    mark_starts,
    new_figure,
    overlaid,
    panel_grid,
    panel_title,
    scenario_grid_size,
    shared_value_axis,
    source,
    weekly_line,
    weekly_unit,
)

LEGEND_COLUMNS = 4
#: whose figure each ``BY_COUNCIL`` metric is
COUNTED_BY = {"council_spend": "by the council that pays"}
BY_DISTRICT_COUNCIL = "by the council of the person's district"


def counted_by(metric: str) -> str:
    """Which council a ``BY_COUNCIL`` metric's figures count for."""
    return COUNTED_BY.get(metric, BY_DISTRICT_COUNCIL)


def whole_run(data: RunData, metric: str, scenario: str) -> np.ndarray:
    """Per replication and council, the figure over the whole run: a flow's total, a
    stock's weekly average (replication x council)."""
    values = data.council_values(metric, scenario)
    return values.sum(axis=-1) if BY_NAME[metric].aggregate == "sum" else values.mean(axis=-1)


def whole_run_unit(metric: str) -> str:
    """The unit of a figure over the whole run."""
    spec = BY_NAME[metric]
    return f"{spec.unit}, total over the run" if spec.aggregate == "sum" else \
        f"{spec.unit}, weekly average"


@house_style
def council_chart(data: RunData, metric: str) -> Figure:
    """A ``BY_COUNCIL`` metric by council: a panel per council with every scenario's fan,
    or with many scenarios a table of each scenario's change by council."""
    if metric not in BY_COUNCIL:
        raise ValueError(f"{metric} is not recorded by council; those that are: "
                         f"{', '.join(BY_COUNCIL)}")
    return _council_fans(data, metric) if overlaid(data) else _council_cells(data, metric)


def _council_fans(data: RunData, metric: str) -> Figure:
    spec = BY_NAME[metric]
    figure = new_figure(scenario_grid_size(list(data.councils), PANEL_EXTRA),
                        f"{source(data)} {spec.label} {counted_by(metric)}: one panel per "
                        "council, each on its own scale; the councils add up to the "
                        f"region. {BANDS}; {STARTS}. Unit: {weekly_unit(metric)}.")
    axes = panel_grid(figure, len(data.councils), sharey=False)
    styles = looks(data.scenarios)
    for i, (ax, council) in enumerate(zip(axes, data.councils, strict=True)):
        for scenario, look in styles.items():
            low, mid, high = percentiles(data.council_values(metric, scenario)[:, i])
            band(ax, data, low, high, scenario, look)
            weekly_line(ax, data, mid, scenario, look, legend=i == 0)
            mark_starts(ax, data, scenario, look)
        panel_title(ax, council)
        date_axis(ax, PANEL_DATE_TICKS)
    figure.suptitle(f"{spec.label} by council", fontweight="bold")
    shared_value_axis(figure, axes, weekly_unit(metric))
    handles, labels = axes[0].get_legend_handles_labels()
    legend_above_caption(figure, handles, labels, ncols=min(len(labels), LEGEND_COLUMNS))
    return figure


def _council_cells(data: RunData, metric: str) -> Figure:
    spec = BY_NAME[metric]
    base = whole_run(data, metric, data.baseline)
    changes = np.array([(whole_run(data, metric, s) - base).mean(axis=0)
                        for s in data.others])
    columns = [f"{c}\n{compact(b)}" for c, b in
               zip(data.councils, np.median(base, axis=0), strict=True)]
    title = f"{spec.label} by council: change against {data.baseline} ({whole_run_unit(metric)})"
    return change_cells(data, [(title, changes, columns)],
                        f"{source(data)} Each cell: the scenario's mean paired change "
                        "(scenario minus baseline, replication by replication) in the "
                        f"council's {spec.label.lower()} over the whole run "
                        f"({whole_run_unit(metric)}), {counted_by(metric)}; shading shows "
                        "size and direction, the printed value its sign. Column headings "
                        "give the baseline's figure. Rows in run order.")
