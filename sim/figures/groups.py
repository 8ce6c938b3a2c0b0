"""Results by client group (the ``BY_GROUP`` metrics, from ``summary_by_group.csv``).

``spend_by_group(data)`` (``council_spend_by_group``, drawn for every run that recorded
results by client group): per scenario, council spend over the whole run stacked by client
group (left), and the people on council-funded long-term support, on an average week of
the run, stacked likewise (right). Groups with neither spend nor people in any scenario (the
working-age groups of a run with ``working_age.enabled`` false) are left out. With more
than ``MAX_OVERLAID`` scenarios besides the baseline, each panel is one row of horizontal
bars per scenario.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from ..dims import CLIENT_GROUPS
from ..metrics import BY_NAME
from ..results import GROUP_COLUMN, SUMMARY_BY_GROUP
from ..summary import PERIOD_ALL
from .charts import ROW_LABEL_CHARS, SPEND_EXTRA, SPEND_ROW, SPEND_ROW_LINE, stacked_bars
from .data import RunData
from .style import house_style, new_figure, overlaid, scenario_labels, source, value_axis, wrap

#: How the client groups (``sim.dims.CLIENT_GROUPS``) read in figures and tables.
GROUP_LABELS = {"older_people": "Older people (65+)",
                "learning_disability": "Learning disability",
                "mental_health": "Mental health", "physical_sensory": "Physical or sensory",
                "autism": "Autism"}
#: The file stem of ``spend_by_group``'s figure.
GROUP_FIGURE = "council_spend_by_group"
#: The panels of ``spend_by_group``: spend, then people supported.
GROUP_PANELS = ("council_spend", "council_funded_long_term")


def group_label(group: str) -> str:
    """A client group's name as readers see it."""
    return GROUP_LABELS.get(group, group.replace("_", " ").capitalize())


def whole_run_by_group(table: pd.DataFrame, metric: str,
                       scenarios: tuple[str, ...]) -> pd.DataFrame:
    """(scenario x client group) whole-run means of a ``BY_GROUP`` metric from
    ``summary_by_group.csv``: a flow's total, a stock's weekly average."""
    rows = table[(table.financial_year == PERIOD_ALL) & (table.metric == metric)]
    return rows.pivot(index="scenario", columns=GROUP_COLUMN, values="mean") \
        .reindex(index=list(scenarios), columns=list(CLIENT_GROUPS))


def groups_with_clients(table: pd.DataFrame, metrics: tuple[str, ...] = GROUP_PANELS
                        ) -> tuple[str, ...]:
    """The client groups with a figure other than 0 in any scenario, period or of
    ``metrics``, in the order of ``CLIENT_GROUPS``."""
    rows = table[table.metric.isin(metrics)]
    present = set(rows[rows["mean"].fillna(0) != 0][GROUP_COLUMN])
    return tuple(g for g in CLIENT_GROUPS if g in present)


@house_style
def spend_by_group(data: RunData) -> Figure:
    """Council spend and people supported by client group, per scenario (stacked bars of
    whole-run means from ``summary_by_group.csv``)."""
    if data.group_summary is None:
        raise ValueError(f"this run has no {SUMMARY_BY_GROUP} (runs before results were "
                         "recorded by client group lack it)")
    groups = groups_with_clients(data.group_summary) or CLIENT_GROUPS[:1]
    horizontal = not overlaid(data)
    figure = _group_figure(data, groups, horizontal)
    panels = figure.subplots(1, 2, sharey=horizontal)
    for ax, metric in zip(panels, GROUP_PANELS, strict=True):
        spec = BY_NAME[metric]
        table = whole_run_by_group(data.group_summary, metric, data.scenarios)[list(groups)]
        stacked_bars(ax, table.fillna(0.0), f"bars:{metric}", horizontal, group_label)
        ax.set_title(f"{spec.label} by client group")
        total = "Whole-run total" if spec.aggregate == "sum" else "Weekly average over the run"
        value_axis(ax, spec.unit, total, axis="x" if horizontal else "y")
    if horizontal:
        labels = scenario_labels(data)
        panels[0].set_yticks(range(len(data.scenarios)),
                             [wrap(labels[s], ROW_LABEL_CHARS) for s in data.scenarios],
                             fontsize="small")
        panels[0].set_ylim(len(data.scenarios) - 0.5, -0.5)  # the baseline on top
    figure.legend(*panels[0].get_legend_handles_labels(), loc="outside upper center",
                  ncols=len(groups), title="client group (primary support reason)")
    return figure


def _group_figure(data: RunData, groups: tuple[str, ...], horizontal: bool) -> Figure:
    """The figure with its caption, sized for a few scenarios or a row each."""
    spend, people = (BY_NAME[m] for m in GROUP_PANELS)
    left_out = [group_label(g) for g in CLIENT_GROUPS if g not in groups]
    absent = (f" Left out, with neither spend nor people in any scenario: "
              f"{', '.join(left_out)}." if left_out else "")
    if len(groups) == 1 and left_out:
        absent += " (The working-age client groups were not simulated in this run.)"
    caption = (f"{source(data)} From {SUMMARY_BY_GROUP}: mean over replications. Left: "
               f"{spend.label.lower()} over the whole run (total, not discounted; the groups "
               f"add up to the county's {spend.label.lower()}). Right: "
               f"{people.label.lower()} on an average week of the run. Groups by primary "
               f"support reason; people aged 65+ with a working-age group's reason stay in "
               f"it.{absent} Units: {spend.unit} (left); {people.unit} (right).")
    if not horizontal:
        return new_figure((11.0, 5.0), caption)
    labels = scenario_labels(data)
    ticks = [wrap(labels[s], ROW_LABEL_CHARS) for s in data.scenarios]
    height = sum(max(SPEND_ROW, (t.count("\n") + 1) * SPEND_ROW_LINE) for t in ticks)
    return new_figure((12.0, height + SPEND_EXTRA), caption)
