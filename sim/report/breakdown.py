"""Results by district and by council, as tables: each scenario's figure for each place.

A replication's figure for a place is, by district, its weekly average over the run (people
waiting on an average week, hours of unmet need in an average week); by council, its figure
over the whole run as in the headline tables (flows such as spend: the total; stocks such
as people waiting: the weekly average), so that the councils add up to the region's row of
``summary.csv``. Tables give the mean and the 5th and 95th percentiles over replications,
and the paired change against the baseline (scenario_r - baseline_r) with its mean and
percentiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..figures.councils import whole_run_unit
from ..figures.data import councils_of
from ..metrics import BY_COUNCIL, BY_DISTRICT, BY_NAME
from ..results import BY_COUNCIL_FILE, BY_DISTRICT_FILE
from ..summary import PERCENTILES

__all__ = ["BY_COUNCIL_TABLE", "BY_DISTRICT_TABLE", "Breakdown", "breakdown_table",
           "council_table"]


@dataclass(frozen=True)
class Breakdown:
    """A breakdown file of a results folder and how its tables read it."""

    column: str  # district or council
    file: str
    metrics: tuple[str, ...]
    totals: bool  # flows as totals over the run (else every metric as a weekly average)

    def per_replication(self, frame: pd.DataFrame, keys: list[str]) -> pd.Series:
        """Each replication's figure by ``keys``, from the weekly values of ``frame``."""
        grouped = frame.groupby([*keys, "rep"], sort=False).value
        if not self.totals:
            return grouped.mean()
        both = grouped.agg(["sum", "mean"])
        summed = [BY_NAME[m].aggregate == "sum" for m in both.index.get_level_values("metric")]
        return both["sum"].where(np.array(summed, dtype=bool), both["mean"])

    def unit(self, metric: str) -> str:
        """The unit of a table's figures (as the district sheet has always said it)."""
        spec = BY_NAME[metric]
        if not self.totals:
            return f"{spec.unit} a week" if spec.aggregate == "sum" else f"{spec.unit} (average)"
        return whole_run_unit(metric)


BY_DISTRICT_TABLE = Breakdown("district", BY_DISTRICT_FILE, BY_DISTRICT, totals=False)
BY_COUNCIL_TABLE = Breakdown("council", BY_COUNCIL_FILE, BY_COUNCIL, totals=True)


def _quantile(q: float):
    return lambda values: np.quantile(values, q)


def breakdown_table(run_dir: Path, breakdown: Breakdown, baseline: str) -> pd.DataFrame:
    """Per scenario, metric and place: the figure over the run (mean, p5, p95 over
    replications) and the paired change against ``baseline`` (change: its mean;
    change_p5, change_p95).

    Raises:
        InputError: the file is missing or unreadable (naming it).
    """
    path = run_dir / breakdown.file
    column = breakdown.column
    try:
        frame = pd.read_parquet(path, columns=["scenario", "rep", "metric", column, "value"])
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", f"missing (runs before by-{column} results "
                                 "were recorded lack it); rerun the scenarios")) from None
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"unreadable: {exc}")) from None
    keys = ["scenario", "metric", column]
    per_rep = breakdown.per_replication(frame, keys).rename("figure")
    base = per_rep.xs(baseline, level="scenario").rename("baseline_figure")
    paired = per_rep.reset_index().merge(base.reset_index(), on=["metric", column, "rep"])
    paired["change"] = paired.figure - paired.baseline_figure
    low, high = (q / 100 for q in (PERCENTILES[0], PERCENTILES[-1]))
    table = paired.groupby(keys, sort=False).agg(
        mean=("figure", "mean"), p5=("figure", _quantile(low)),
        p95=("figure", _quantile(high)), change=("change", "mean"),
        change_p5=("change", _quantile(low)), change_p95=("change", _quantile(high)))
    table = table.reset_index()
    table.insert(3, "unit", [breakdown.unit(m) for m in table.metric])
    return table


def council_table(run_dir: Path, baseline: str) -> pd.DataFrame | None:
    """``breakdown_table`` by council for a region of several councils; None for a single
    council (the county's figures are the council's) or a run made before results were
    recorded by council."""
    if len(councils_of(run_dir / BY_COUNCIL_FILE)) < 2:
        return None
    return breakdown_table(run_dir, BY_COUNCIL_TABLE, baseline)
