"""The report's results by client group (``summary_by_group.csv``): tables and a note.

One table per reporting period (year one, the whole run), one row per ``BY_GROUP`` metric
and scenario, one column per client group and one for all groups together (the county's
figure from ``summary.csv``, which the groups add up to). Groups with no figure other than
0 (the working-age groups of a run with ``working_age.enabled`` false) and metrics that are
0 for every group are left out, and the note says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import pandas as pd

from ..dims import CLIENT_GROUPS
from ..figures.groups import group_label, groups_with_clients
from ..metrics import BY_GROUP, BY_NAME
from ..results import GROUP_COLUMN, SUMMARY_BY_GROUP
from ..summary import PERIOD_ALL
from . import text
from .sections import paragraphs, table

ALL_GROUPS = "All groups"
WORKING_AGE_SWITCH = "working_age.enabled"


def group_section(by_group: pd.DataFrame, summary: pd.DataFrame, periods: Sequence[str],
                  reps: int, working_age_enabled: bool | None = None,
                  figure: str = "") -> str:
    """The section "Results by client group": a note, a table per period and ``figure``
    (an embedded figure's HTML).

    Args:
        by_group: ``summary_by_group.csv``.
        summary: ``summary.csv`` (the all-groups column).
        periods: the financial years (or ``all``) to show, as the headline tables.
        reps: replications of the run.
        working_age_enabled: the run's ``working_age.enabled`` (None: not recorded).
        figure: HTML placed after the tables.
    """
    groups = groups_with_clients(by_group, BY_GROUP) or CLIENT_GROUPS[:1]
    shown = by_group[by_group[GROUP_COLUMN].isin(groups)]
    metrics = [m for m in BY_GROUP if (shown[shown.metric == m]["mean"].fillna(0) != 0).any()]
    out = [paragraphs(_notes(groups, metrics, reps, working_age_enabled))]
    for period in periods:
        title = "Whole run" if period == PERIOD_ALL else f"Year 1 ({period})"
        out.append(f"<h3>{escape(title)}</h3>" + _period_table(shown, summary, period,
                                                              groups, metrics))
    return "".join(out) + figure


def _notes(groups: tuple[str, ...], metrics: list[str], reps: int,
           working_age_enabled: bool | None) -> list[str]:
    notes = [f"Each client group's figure, by primary support reason, mean of {reps} "
             f"replication{'' if reps == 1 else 's'} (the 5th, 50th and 95th percentiles are in "
             f"{SUMMARY_BY_GROUP}): flows (spend, unmet need, deaths) are totals over the "
             "period (undiscounted), stocks (people) their weekly average. Working-age "
             "clients who turn 65 stay in their group."]
    if len(groups) > 1:
        notes.append(f"{ALL_GROUPS}: the county's figure (summary.csv), which the groups "
                     "add up to.")
    else:
        why = (f" ({WORKING_AGE_SWITCH} is false)" if working_age_enabled is False else "")
        notes.append("The working-age client groups (learning disability, mental health, "
                     f"physical or sensory, autism) were not simulated in this run{why}: "
                     "every figure is older people's.")
    dropped = [BY_NAME[m].label for m in BY_GROUP if m not in metrics]
    if dropped:
        notes.append(f"Left out, 0 for every group and scenario: {'; '.join(dropped)}.")
    return notes


def _period_table(by_group: pd.DataFrame, summary: pd.DataFrame, period: str,
                  groups: tuple[str, ...], metrics: list[str]) -> str:
    """One period's table: a row per metric and scenario, a column per group."""
    rows = by_group[by_group.financial_year == period]
    values = rows.set_index(["metric", "scenario", GROUP_COLUMN])["mean"]
    county = summary[summary.financial_year == period].set_index(["metric", "scenario"])["mean"]
    scenarios = list(dict.fromkeys(rows.scenario))
    together = len(groups) > 1
    headings = ["Metric (unit, aggregate)", "Scenario", *(group_label(g) for g in groups),
                *([ALL_GROUPS] if together else [])]
    cells = []
    for metric in metrics:
        spec = BY_NAME[metric]
        name = f"{spec.label} ({spec.unit}, {'total' if spec.aggregate == 'sum' else 'average'})"
        for scenario in scenarios:
            figures = [values.get((metric, scenario, g)) for g in groups]
            if together:
                figures.append(county.get((metric, scenario)))
            cells.append([name, scenario, *(text.value(v, spec.unit) for v in figures)])
    return table(headings, cells, "groups")
