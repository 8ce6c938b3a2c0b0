"""``summary.xlsx``: a completed run's tables in one workbook, for a writer's spreadsheet.

Sheets, every number from the results folder:

- ``About``: what the run was, how to reproduce it, and what each sheet holds;
- ``Decision``: ``decision.csv`` (the ranking against the baseline);
- ``Headline``: the headline metrics in year one and over the run, with changes;
- ``Summary`` and ``Differences``: ``summary.csv`` and ``deltas.csv`` in full;
- ``By district``: per scenario and district, the weekly average over the run of each
  ``BY_DISTRICT`` metric (mean and p5-p95 over replications) and its paired change (mean
  and p5-p95);
- ``By council``, only for a region of several councils: per scenario and council, each
  ``BY_COUNCIL`` metric over the whole run (flows: total; stocks: weekly average), with the
  same statistics (``sim.report.breakdown``);
- ``By client group``, for a run that recorded results by client group:
  ``summary_by_group.csv`` in full (each ``BY_GROUP`` metric per scenario, client group and
  financial year, and over the run: mean, p5, p50, p95).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from ..fileio import atomic_path
from ..metrics import HEADLINE
from ..results import RunResults
from ..summary import headline
from . import comparison_baseline, read_inputs, reporting_periods
from .breakdown import BY_DISTRICT_TABLE, breakdown_table, council_table

__all__ = ["EXCEL", "workbook_tables", "write_excel"]

log = logging.getLogger(__name__)

EXCEL = "summary.xlsx"
MAX_COLUMN_WIDTH = 60
SHEET_NOTES = {
    "Decision": "decision.csv: scenarios ranked by net benefit against the baseline; "
                "stress tests after, unranked",
    "Headline": "Headline metrics: each scenario's mean over replications and its mean "
                "paired change against the baseline, in year one and over the whole run",
    "Summary": "summary.csv: scenario x metric x financial year (all = whole run; "
               "all_discounted = present value of flows): mean, p5, p50, p95 over "
               "replications",
    "Differences": "deltas.csv: paired differences (scenario minus baseline, replication "
                   "by replication), same statistics",
    "By district": "Weekly average over the run by district: mean and p5-p95 over "
                   "replications, and the paired change against the baseline (mean and "
                   "p5-p95)",
    "By council": "Each council of the region over the whole run (flows: total, spend by "
                  "the council that pays; stocks: weekly average, people by the council "
                  "of their district; the councils add up to the region): mean and p5-p95 "
                  "over replications, and the paired change against the baseline (mean and "
                  "p5-p95)",
    "By client group": "summary_by_group.csv: scenario x metric x client group (primary "
                       "support reason) x financial year (all = whole run, not discounted): "
                       "mean, p5, p50, p95 over replications; the groups' means add up to "
                       "the county's in summary.csv",
}


def workbook_tables(results: RunResults) -> dict[str, pd.DataFrame]:
    """The workbook's sheets after ``About``, by name."""
    periods = reporting_periods(results.summary)
    baseline = comparison_baseline(results)
    sheets = {
        "Decision": results.decision,
        "Headline": headline(results.summary, results.deltas, HEADLINE, periods),
        "Summary": results.summary,
        "Differences": results.deltas,
        "By district": breakdown_table(results.run_dir, BY_DISTRICT_TABLE, baseline),
    }
    by_council = council_table(results.run_dir, baseline)
    if by_council is not None:
        sheets["By council"] = by_council
    if results.summary_by_group is not None:
        sheets["By client group"] = results.summary_by_group
    return sheets


def _about(results: RunResults, sheets: list[str]) -> pd.DataFrame:
    manifest = results.manifest
    rows = [
        ("Run", manifest.get("run_id", results.run_dir.name)),
        ("Created", manifest.get("created", "")),
        ("Scenarios", ", ".join(manifest["scenarios"])),
        ("Replications", manifest["reps"]),
        ("Years", manifest["years"]),
        ("Start", manifest["start_date"]),
        ("Scale simulated", manifest["scale"]),
        ("Values", "for the whole county (runs at a smaller scale are scaled back)"),
        ("Reproduce with", manifest.get("reproduce", "")),
        ("Parameter fingerprint", manifest.get("parameters_fingerprint", "")),
        *((f"Sheet: {name}", note) for name, note in SHEET_NOTES.items() if name in sheets),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def write_excel(run_dir: Path | str) -> Path:
    """Write ``<run>/summary.xlsx`` atomically from a completed results folder; its path.

    Raises:
        InputError: not a completed run, or a file is missing or unreadable (naming it).
    """
    results = read_inputs(run_dir).results
    tables = workbook_tables(results)
    sheets = {"About": _about(results, list(tables)), **tables}
    path = results.run_dir / EXCEL
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
            _fit_columns(writer.sheets[name], frame)
    log.info("wrote %s", path)
    return path


def _fit_columns(sheet, frame: pd.DataFrame) -> None:
    """Column widths that fit the header and values (capped), and a filter on the header."""
    for i, column in enumerate(frame.columns, start=1):
        values = frame[column].astype(str)
        longest = max([len(str(column)), *values.str.len().tolist()]) if len(frame) else \
            len(str(column))
        sheet.column_dimensions[get_column_letter(i)].width = min(longest + 2,
                                                                   MAX_COLUMN_WIDTH)
    sheet.auto_filter.ref = sheet.dimensions
