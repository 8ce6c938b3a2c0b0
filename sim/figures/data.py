"""What the figures draw, read from a completed results folder (never from a live model).

``load_run`` checks the folder (``sim.results.read_results``), reads the weekly values of
the metrics the figures need from ``timeseries.parquet`` into (scenario x replication x
week) arrays, the ``BY_DISTRICT`` metrics from ``by_district.parquet`` into (scenario x
replication x district x week) arrays and, for a region of several councils, the
``BY_COUNCIL`` metrics from ``by_council.parquet`` likewise by council, and reads each
resolved scenario's start dates (``scenarios/*.yaml``), the baseline and discount rate
that made the run's comparison tables, and ``summary_by_group.csv`` when the run has it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..calendar import week_dates
from ..compare import DISCOUNT_RATE_PARAM
from ..errors import InputError, Problem
from ..metrics import BY_COUNCIL, BY_DISTRICT, BY_NAME
from ..results import (
    BY_COUNCIL_FILE,
    BY_DISTRICT_FILE,
    PARAMETERS_FILE,
    SCENARIOS_FOLDER,
    TIMESERIES,
    read_results,
)
from ..summary import PERCENTILES, PERIOD_DISCOUNTED, Periods
from ..yamlio import load_yaml

TIMESERIES_COLUMNS = ["scenario", "rep", "week", "metric", "value"]
BREAKDOWN_COLUMNS = ["scenario", "rep", "week", "metric", "value"]  # and district or council


@dataclass(frozen=True)
class RunData:
    """A completed run's weekly values and tables, as the figures need them."""

    run_id: str
    reps: int
    scenarios: tuple[str, ...]  # baseline of the run first
    baseline: str  # the scenario the comparison tables are against
    dates: np.ndarray  # datetime64[D], the first day of each week
    weekly: dict[str, np.ndarray]  # metric -> (scenario x replication x week)
    districts: tuple[str, ...]  # in the county's order
    by_district: dict[str, np.ndarray]  # BY_DISTRICT metric -> (scen. x rep. x district x week)
    starts: dict[str, tuple[dt.date, ...]]  # scenario -> intervention and change starts
    summary: pd.DataFrame
    deltas: pd.DataFrame
    decision: pd.DataFrame
    discount_rate: float
    councils: tuple[str, ...] = ()  # the region's (none recorded by runs before regions)
    #: BY_COUNCIL metric -> (scenario x replication x council x week); read only for a
    #: region of several councils (else empty)
    by_council: dict[str, np.ndarray] = field(default_factory=dict)
    #: ``summary_by_group.csv`` (None for a run made before results by client group)
    group_summary: pd.DataFrame | None = None

    @property
    def others(self) -> tuple[str, ...]:
        """The scenarios compared with the baseline, in run order."""
        return tuple(s for s in self.scenarios if s != self.baseline)

    def values(self, metric: str, scenario: str) -> np.ndarray:
        """Weekly values of one scenario: (replication x week)."""
        return self.weekly[metric][self.scenarios.index(scenario)]

    def district_values(self, metric: str, scenario: str) -> np.ndarray:
        """Weekly values of a ``BY_DISTRICT`` metric in one scenario:
        (replication x district x week)."""
        return self.by_district[metric][self.scenarios.index(scenario)]

    def council_values(self, metric: str, scenario: str) -> np.ndarray:
        """Weekly values of a ``BY_COUNCIL`` metric in one scenario of a region of several
        councils: (replication x council x week)."""
        return self.by_council[metric][self.scenarios.index(scenario)]

    def paired(self, metric: str, scenario: str) -> np.ndarray:
        """Paired weekly differences, scenario_r - baseline_r: (replication x week)."""
        return self.values(metric, scenario) - self.values(metric, self.baseline)

    def present_value(self, metric: str, scenario: str) -> np.ndarray:
        """Per replication, a flow's present value over the run (the ``all_discounted``
        aggregate of ``sim.summary.Periods``)."""
        periods = Periods.of([d.item() for d in self.dates], self.discount_rate)
        column = periods.labels.index(PERIOD_DISCOUNTED)
        return np.array([periods.aggregate(week[None], (BY_NAME[metric],))[0, column]
                         for week in self.values(metric, scenario)])


def percentiles(samples: np.ndarray) -> np.ndarray:
    """The 5th, 50th and 95th percentiles over replications (axis 0), as ``sim.summary``."""
    return np.percentile(samples, PERCENTILES, axis=0)


def load_run(run_dir: Path | str, metrics: Iterable[str]) -> RunData:
    """Read what the figures need from a completed results folder.

    Args:
        run_dir: a run folder written by ``caremarket run``.
        metrics: the registry metrics whose weekly values to read.

    Raises:
        InputError: not a completed run, or a file is missing, incomplete or unreadable
            (naming the file).
    """
    results = read_results(run_dir, timeseries=False)
    run_dir, manifest = results.run_dir, results.manifest
    scenarios = tuple(manifest["scenarios"])
    comparison = manifest.get("comparison") or {}
    dates = week_dates(dt.date.fromisoformat(manifest["start_date"]), int(manifest["weeks"]))
    reps = int(manifest["reps"])
    districts, by_district = _breakdown(run_dir / BY_DISTRICT_FILE, "district", BY_DISTRICT,
                                        scenarios, reps, len(dates))
    councils, by_council = _councils(run_dir / BY_COUNCIL_FILE, scenarios, reps, len(dates))
    return RunData(
        run_id=str(manifest.get("run_id", run_dir.name)), reps=int(manifest["reps"]),
        scenarios=scenarios, baseline=comparison.get("baseline", scenarios[0]),
        dates=np.array(dates, dtype="datetime64[D]"),
        weekly=_weekly(run_dir / TIMESERIES, scenarios, int(manifest["reps"]), len(dates),
                       list(dict.fromkeys(metrics))),
        districts=districts, by_district=by_district,
        starts={name: _starts(run_dir / SCENARIOS_FOLDER / f"{name}.yaml")
                for name in scenarios},
        summary=results.summary, deltas=results.deltas,
        decision=results.decision,
        discount_rate=_discount_rate(run_dir, comparison),
        councils=councils, by_council=by_council, group_summary=results.summary_by_group)


def _weekly(path: Path, scenarios: Sequence[str], reps: int, weeks: int,
            metrics: list[str]) -> dict[str, np.ndarray]:
    """The metrics' weekly values, each (scenario x replication x week)."""
    try:
        frame = pq.read_table(path, columns=TIMESERIES_COLUMNS,
                              filters=[("metric", "in", metrics)]).to_pandas()
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"unreadable: {exc}")) from None
    lacking = sorted(set(metrics) - set(frame.metric))
    if lacking:
        raise InputError(Problem(str(path), "", f"lacks metrics {', '.join(lacking)} (an "
                                 "older run); rerun its scenarios"))
    s = pd.Categorical(frame.scenario, categories=list(scenarios)).codes
    m = pd.Categorical(frame.metric, categories=metrics).codes
    r, w = frame.rep.to_numpy(), frame.week.to_numpy()
    keep = (s >= 0) & (r >= 0) & (r < reps) & (w >= 0) & (w < weeks)
    values = np.full((len(metrics), len(scenarios), reps, weeks), np.nan)
    values[m[keep], s[keep], r[keep], w[keep]] = frame.value.to_numpy()[keep]
    if np.isnan(values).any():
        raise InputError(Problem(str(path), "", "incomplete: some scenario, replication, "
                                 "metric or week is missing; rerun the scenarios"))
    return dict(zip(metrics, values, strict=True))


def _breakdown(path: Path, column: str, metrics: Sequence[str], scenarios: Sequence[str],
               reps: int, weeks: int) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """The places of a breakdown file (``column``: district or council, in the file's
    order) and its metrics' weekly values, each (scenario x replication x place x week)."""
    try:
        frame = pq.read_table(path, columns=[*BREAKDOWN_COLUMNS, column]).to_pandas()
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", f"missing (runs before by-{column} results "
                                 "were recorded lack it); rerun the scenarios")) from None
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"unreadable: {exc}")) from None
    places = tuple(pd.unique(frame[column]))
    codes = [pd.Categorical(frame[name], categories=list(categories)).codes
             for name, categories in (("metric", metrics), ("scenario", scenarios),
                                      (column, places))]
    r, w = frame.rep.to_numpy(), frame.week.to_numpy()
    keep = (np.min(codes, axis=0) >= 0) & (r >= 0) & (r < reps) & (w >= 0) & (w < weeks)
    values = np.full((len(metrics), len(scenarios), reps, len(places), weeks), np.nan)
    m, s, d = (c[keep] for c in codes)
    values[m, s, r[keep], d, w[keep]] = frame.value.to_numpy()[keep]
    if np.isnan(values).any():
        raise InputError(Problem(str(path), "", "incomplete: some scenario, replication, "
                                 f"metric, {column} or week is missing; rerun the scenarios"))
    return places, dict(zip(metrics, values, strict=True))


def councils_of(path: Path) -> tuple[str, ...]:
    """The councils of a run's ``by_council.parquet`` in order (none for a run made before
    results were recorded by council).

    Raises:
        InputError: the file is there but unreadable (naming it).
    """
    try:
        file = pq.ParquetFile(path)  # each job is a row group holding every council
        if file.num_row_groups == 0:
            return ()
        return tuple(pd.unique(file.read_row_group(0, columns=["council"])
                               .column("council").to_pandas()))
    except FileNotFoundError:
        return ()
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"unreadable: {exc}")) from None


def _councils(path: Path, scenarios: Sequence[str], reps: int,
              weeks: int) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """The region's councils and, when there are several, the ``BY_COUNCIL`` metrics'
    weekly values by council (a single council's are the county's)."""
    councils = councils_of(path)
    if len(councils) < 2:
        return councils, {}
    return _breakdown(path, "council", BY_COUNCIL, scenarios, reps, weeks)


def _starts(path: Path) -> tuple[dt.date, ...]:
    """The dates a resolved scenario's interventions and parameter changes start."""
    try:
        document = load_yaml(path)
        entries = [*(document.get("interventions") or []), *(document.get("changes") or [])]
        dates = {dt.date.fromisoformat(str(e["from"])) for e in entries if e.get("from")}
    except InputError:
        raise
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise InputError(Problem(str(path), "", "cannot read the start dates of the "
                                 f"resolved scenario: {exc}")) from None
    return tuple(sorted(dates))


def _discount_rate(run_dir: Path, comparison: dict) -> float:
    """The rate that made the comparison tables: the manifest's record, else the run's
    parameter ``appraisal.discount_rate``."""
    if "discount_rate" in comparison:
        return float(comparison["discount_rate"])
    path = run_dir / SCENARIOS_FOLDER / PARAMETERS_FILE
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["values"][
            DISCOUNT_RATE_PARAM])
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(Problem(str(path), DISCOUNT_RATE_PARAM,
                                 f"cannot read the discount rate: {exc}")) from None
