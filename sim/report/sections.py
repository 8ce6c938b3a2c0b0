"""The sections of ``report.html``, each a function returning escaped HTML."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

import pandas as pd

from ..metrics import BY_NAME
from ..summary import PERIOD_ALL
from . import text

Cell = Callable[[Any], str]

#: decision.csv column -> (heading with unit, formatter)
DECISION_COLUMNS: dict[str, tuple[str, Cell]] = {
    "rank": ("Rank", lambda v: "risk" if text.missing(v) else f"{int(v)}"),
    "label": ("Scenario", str),
    "verdict": ("Verdict", str),
    "council_cost_change_gbp_mean": ("Council cost change, £m (mean)", text.money_m),
    "council_cost_change_gbp_p5": ("Council cost change, £m (5th percentile)", text.money_m),
    "council_cost_change_gbp_p95": ("Council cost change, £m (95th percentile)", text.money_m),
    "total_public_cost_change_gbp_mean": ("Public cost change, £m (mean)", text.money_m),
    "wellbeing_weeks_gained_mean": ("Wellbeing-weeks gained (mean)", text.count),
    "wellbeing_weeks_gained_p5": ("Wellbeing-weeks gained (5th percentile)", text.count),
    "wellbeing_weeks_gained_p95": ("Wellbeing-weeks gained (95th percentile)", text.count),
    "council_cost_per_wellbeing_week_gbp": ("Council cost per wellbeing-week, £",
                                            text.pounds),
    "net_benefit_gbp_mean": ("Net benefit, £m (mean)", text.money_m),
    "net_benefit_gbp_p5": ("Net benefit, £m (5th percentile)", text.money_m),
    "net_benefit_gbp_p95": ("Net benefit, £m (95th percentile)", text.money_m),
    "prob_lower_council_cost": ("Chance council cost falls", text.percent),
    "prob_better_outcomes": ("Chance outcomes improve", text.percent),
    "prob_positive_net_benefit": ("Chance of a net benefit", text.percent),
    "people_waiting_change_mean": ("People waiting, change (average, people)", text.count),
    "unmet_need_hours_change_mean": ("Unmet need, change (hours over the run)", text.count),
    "provider_exits_change_mean": ("Provider exits, change (providers)", text.count),
}


def paragraphs(lines: Sequence[str]) -> str:
    """Escaped paragraphs."""
    return "".join(f"<p>{escape(line)}</p>\n" for line in lines)


def table(headings: Sequence[str], rows: Sequence[Sequence[str]], css: str = "") -> str:
    """A table in a horizontally scrolling box; cells are escaped here."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>\n"
                   for row in rows)
    return (f'<div class="scroll"><table class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{body}</tbody></table></div>\n")


def decision_rows(decision: pd.DataFrame) -> list[list[str]]:
    """The decision table's cells, formatted, one row per scenario."""
    columns = [c for c in DECISION_COLUMNS if c in decision.columns]
    return [[DECISION_COLUMNS[c][1](row[c]) for c in columns]
            for _, row in decision.iterrows()]


def decision_table(decision: pd.DataFrame) -> str:
    """decision.csv as a table with readable headings."""
    if decision.empty:
        return "<p>No scenario besides the baseline.</p>\n"
    columns = [c for c in DECISION_COLUMNS if c in decision.columns]
    note = ("Money and wellbeing-weeks: present values over the run; changes are paired "
            "differences against the baseline; 'risk' marks a stress test (not ranked).")
    return (paragraphs([note]) + table([DECISION_COLUMNS[c][0] for c in columns],
                                       decision_rows(decision), "decision"))


def _argument_text(entry: dict[str, Any], params: dict[str, str]) -> str:
    common = {"which", "from", "until", "ramp_weeks", "source", "file"}
    parts = []
    for key, argument in entry.items():
        if key in common:
            continue
        if argument is None and key in params:
            parts.append(f"{key}: default, parameter {params[key]}")
        elif argument is not None:
            parts.append(f"{key}: {argument}")
    return ", ".join(parts) or "no arguments"


def scenario_block(document: dict[str, Any], params: dict[str, dict[str, str]]) -> str:
    """One scenario: label, description, interventions, parameter changes and sources."""
    kind = " (stress test: a risk, not an option)" if document.get("stress_test") else ""
    out = [(f'<article class="scenario"><h3>{escape(str(document.get("label") or ""))}'
           f'{escape(kind)} <code>{escape(document["name"])}</code></h3>')]
    out += [f"<p>{escape(p)}</p>" for p in str(document.get("description") or "").split("\n")
            if p.strip()]
    items = [f"{entry['which']} ({_argument_text(entry, params.get(entry['which'], {}))}); "
             f"from {entry.get('from') or 'the start'} until {entry.get('until') or 'the end'}"
             f"{'; ramp ' + str(entry['ramp_weeks']) + ' weeks' if entry.get('ramp_weeks') else ''}"
             f"; source: {entry.get('source') or 'none given'}"
             for entry in document.get("interventions") or []]
    out.append(_list("Interventions", items))
    changes = [f"{c['param']} = {c['value']} from {c.get('from') or 'the start'}; source: "
               f"{c.get('source') or 'none given'}" for c in document.get("changes") or []]
    out.append(_list("Parameter changes", changes))
    out.append(_list("Sources", [str(s) for s in document.get("sources") or []]))
    return "\n".join(out) + "</article>\n"


def _list(title: str, items: Sequence[str]) -> str:
    if not items:
        return f"<p><strong>{escape(title)}:</strong> none.</p>"
    lines = "".join(f"<li>{escape(item)}</li>" for item in items)
    return f"<p><strong>{escape(title)}:</strong></p><ul>{lines}</ul>"


def headline_table(table_frame: pd.DataFrame, periods: Sequence[str], reps: int) -> str:
    """The headline metrics: a row per metric and scenario, mean and change per period."""
    names = {p: ("whole run" if p == "all" else f"year 1 ({p})") for p in periods}
    headings = ["Metric (unit, aggregate)", "Scenario"]
    for p in periods:
        headings += [f"{names[p]}: mean", f"{names[p]}: change against baseline"]
    rows = []
    for (_metric, scenario), cells in table_frame.groupby(["metric", "scenario"], sort=False):
        first = cells.iloc[0]
        kind = "total" if first["aggregate"] == "sum" else "average"
        row = [f"{first['label']} ({first['unit']}, {kind})", scenario]
        for p in periods:
            cell = cells[cells.financial_year == p].iloc[0]
            change = "" if text.missing(cell["change"]) else (
                text.value(cell["change"], cell["unit"], sign=True)
                + ("" if text.missing(cell["change_pct"]) else f" ({cell['change_pct']:+.1f}%)"))
            row += [text.value(cell["mean"], cell["unit"]), change]
        rows.append(row)
    note = (f"Mean of {reps} replications; change = mean paired difference against the "
            "baseline; flows are totals over the period (undiscounted), stocks and ratios "
            "its average.")
    return paragraphs([note]) + table(headings, rows, "headline")


REGION_ROW = "Region (all councils)"


def council_tables(by_council: pd.DataFrame, summary: pd.DataFrame, deltas: pd.DataFrame,
                   baseline: str, reps: int) -> str:
    """The results by council: a table per ``BY_COUNCIL`` metric, a row per council and one
    for the region (from ``summary.csv`` and ``deltas.csv``), with the baseline's figure
    over the whole run and each other scenario's paired change, each with its 90% range
    (``by_council``: ``sim.report.breakdown.council_table``)."""
    others = [s for s in dict.fromkeys(by_council.scenario) if s != baseline]
    whole = (summary.financial_year == PERIOD_ALL, deltas.financial_year == PERIOD_ALL)
    note = (f"Each council's figure over the whole run: flows (spend, unmet need) are "
            "totals, stocks (people) averages of the weekly numbers; spend counts for the "
            "council that pays, people for the council of their district, so the councils "
            f"add up to the region. Mean of {reps} replications, with the 5th to 95th "
            f"percentile in brackets; a change is the mean paired difference against "
            f"{baseline} (replication by replication), with its own range.")
    out = [paragraphs([note])]
    for metric, rows in by_council.groupby("metric", sort=False):
        unit = BY_NAME[metric].unit
        headings = ["Council", f"{baseline}: figure"] + [f"{s}: change" for s in others]
        cells = []
        for council, group in rows.groupby("council", sort=False):
            figures = group.set_index("scenario")
            cells.append([str(council), _ranged(figures.loc[baseline, ["mean", "p5", "p95"]],
                                                unit)] +
                         [_ranged(figures.loc[s, ["change", "change_p5", "change_p95"]], unit,
                                  sign=True) for s in others])
        level = summary[whole[0] & (summary.metric == metric)].set_index("scenario")
        change = deltas[whole[1] & (deltas.metric == metric)].set_index("scenario")
        cells.append([REGION_ROW, _ranged(level.loc[baseline, ["mean", "p5", "p95"]], unit)] +
                     [_ranged(change.loc[s, ["mean", "p5", "p95"]], unit, sign=True)
                      for s in others])
        out.append(f"<h3>{escape(BY_NAME[metric].label)} ({escape(rows.unit.iloc[0])})</h3>"
                   + table(headings, cells, "councils"))
    return "".join(out)


def _ranged(stats: pd.Series, unit: str, sign: bool = False) -> str:
    """'£9.2m (£8.1m to £10.3m)': a mean, then its 5th and 95th percentiles (``stats``, in
    that order), signed for a change."""
    mean, low, high = (text.value(v, unit, sign) for v in stats.tolist())
    return f"{mean} ({low} to {high})"


def figure_block(uri: str, caption: str, stem: str) -> str:
    """An embedded figure with its caption."""
    return (f'<figure id="figure-{escape(stem)}"><img src="{escape(uri)}" '
            f'alt="{escape(caption)}"><figcaption>{escape(caption)}</figcaption></figure>\n')


def short(value: Any, limit: int = 80) -> str:
    """A parameter value as compact text (arrays as JSON, cut at ``limit`` characters)."""
    shown = value if isinstance(value, str) else json.dumps(value)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def reproducibility(manifest: dict[str, Any], fingerprint: str) -> str:
    """The reproducibility box: command, versions, commit, seeds, fingerprint, run id."""
    git = manifest.get("git") or {}
    commit = git.get("commit") or "not recorded (not run from a git checkout)"
    if git.get("dirty"):
        commit += " (with uncommitted changes)"
    versions = ", ".join(f"{k} {v}" for k, v in (manifest.get("versions") or {}).items())
    reps = int(manifest["reps"])
    scheme = manifest.get("seed_scheme", "")
    rows = [("Run id", manifest.get("run_id", "")),
            ("Reproduce with", manifest.get("reproduce", "")),
            ("Versions", versions), ("Git commit", commit),
            ("Base seed", str(manifest.get("seed"))),
            ("Replication seeds", f"{scheme}, rep = 0 to {reps - 1}"),
            ("Parameter fingerprint", fingerprint),
            ("Parameters", (f"{manifest.get('parameters_dir')}; overrides: "
                           f"{json.dumps(manifest.get('overrides') or {})}")),
            ("Run", (f"{manifest.get('years')} years from {manifest.get('start_date')}, "
                    f"scale {manifest.get('scale')}, {reps} replications; created "
                    f"{manifest.get('created')}, finished {manifest.get('finished')}"))]
    body = "".join(f"<tr><th scope=\"row\">{escape(k)}</th><td><code>{escape(str(v))}</code>"
                   f"</td></tr>" for k, v in rows)
    return f'<div class="repro scroll"><table>{body}</table></div>\n'
