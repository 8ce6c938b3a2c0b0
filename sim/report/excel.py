"""``summary.xlsx``: a completed run's tables in one workbook, for a writer's spreadsheet.

Sheets, every number from the results folder:

- ``About``: what the run was, how to reproduce it, and what each sheet holds;
- ``Decision``: ``decision.csv`` (the ranking against the baseline);
- ``Headline``: the headline metrics in year one and over the run, with changes;
- ``Summary`` and ``Differences``: ``summary.csv`` and ``deltas.csv`` in full;
- ``By district``: per scenario and district, the weekly average over the run of each
  ``BY_DISTRICT`` metric (mean and p5-p95 over replications) and its paired change.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ..errors import InputError, Problem
from ..fileio import atomic_path
from ..metrics import BY_NAME, HEADLINE
from ..results import BY_DISTRICT_FILE, RunResults
from ..summary import PERCENTILES, headline
from . import read_inputs, reporting_periods

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
                   "replications, and the mean paired change against the baseline",
}


def district_table(run_dir: Path, baseline: str) -> pd.DataFrame:
    """Per scenario, district and ``BY_DISTRICT`` metric: the weekly average over the run
    (mean, p5, p95 over replications) and the mean paired change against ``baseline``."""
    path = run_dir / BY_DISTRICT_FILE
    try:
        frame = pd.read_parquet(path, columns=["scenario", "rep", "metric", "district",
                                               "value"])
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", "missing (runs before by-district results "
                                 "were recorded lack it); rerun the scenarios")) from None
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"unreadable: {exc}")) from None
    keys = ["scenario", "metric", "district"]
    per_rep = frame.groupby([*keys, "rep"], sort=False).value.mean().rename("average")
    base = per_rep.xs(baseline, level="scenario").rename("baseline_average")
    paired = per_rep.reset_index().merge(base.reset_index(), on=["metric", "district", "rep"])
    paired["change"] = paired.average - paired.baseline_average
    low, high = (q / 100 for q in (PERCENTILES[0], PERCENTILES[-1]))
    table = paired.groupby(keys, sort=False).agg(
        mean=("average", "mean"), p5=("average", lambda v: np.quantile(v, low)),
        p95=("average", lambda v: np.quantile(v, high)), change=("change", "mean"))
    table = table.reset_index()
    table.insert(2, "unit", [f"{BY_NAME[m].unit} a week" if BY_NAME[m].kind == "flow"
                             else f"{BY_NAME[m].unit} (average)" for m in table.metric])
    return table


def workbook_tables(results: RunResults) -> dict[str, pd.DataFrame]:
    """The workbook's sheets after ``About``, by name."""
    periods = reporting_periods(results.summary)
    baseline = str(results.manifest.get("comparison", {}).get("baseline")
                   or results.manifest["scenarios"][0])
    return {
        "Decision": results.decision,
        "Headline": headline(results.summary, results.deltas, HEADLINE, periods),
        "Summary": results.summary,
        "Differences": results.deltas,
        "By district": district_table(results.run_dir, baseline),
    }


def _about(results: RunResults) -> pd.DataFrame:
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
        *((f"Sheet: {name}", note) for name, note in SHEET_NOTES.items()),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def write_excel(run_dir: Path | str) -> Path:
    """Write ``<run>/summary.xlsx`` atomically from a completed results folder; its path.

    Raises:
        InputError: not a completed run, or a file is missing or unreadable (naming it).
    """
    results = read_inputs(run_dir).results
    sheets = {"About": _about(results), **workbook_tables(results)}
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
