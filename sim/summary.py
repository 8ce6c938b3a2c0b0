"""Ensemble statistics: scale back to the county, aggregate by financial year, summarise.

A replication's value for a period (a financial year, or ``all`` for the whole run) is the
sum of its weekly values for flow metrics and their mean for stock and ratio metrics
(``Metric.aggregate``). Given a discount rate, flow metrics also get ``all_discounted``:
their present value over the run, financial year *k* of the run (0 for the first) weighted
by ``1 / (1 + rate) ** k``; stocks and ratios are not discounted and have no such row.
Summaries give the mean and the 5th, 50th and 95th percentiles over replications (numpy's
default linear interpolation). Deltas are paired: replication *r* of a scenario minus
replication *r* of the baseline, which share their random numbers.

The functions take the metrics of the values' metric axis (default: the whole registry,
``sim.metrics.METRICS``), so a saved run made with fewer metrics can still be summarised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import week_financial_year
from .metrics import METRICS, Metric

PERIOD_ALL = "all"
PERIOD_DISCOUNTED = "all_discounted"
PERCENTILES = (5, 50, 95)
STAT_COLUMNS = ("mean", "p5", "p50", "p95")


def _extensive(metrics: Sequence[Metric]) -> np.ndarray:
    return np.array([m.extensive for m in metrics], dtype=bool)


def _summed(metrics: Sequence[Metric]) -> np.ndarray:
    return np.array([m.aggregate == "sum" for m in metrics], dtype=bool)


def scale_back(values: np.ndarray, scale: float,
               metrics: Sequence[Metric] = METRICS) -> np.ndarray:
    """Weekly values (metric x ... x week) of a run at ``scale``, as for the whole county;
    ``metrics``: those of the first axis (e.g. the ``BY_GROUP`` metrics of values by
    client group).

    Extensive metrics (counts, money, hours) are divided by ``scale``; ratios are kept.
    """
    if scale == 1:
        return values
    factors = np.where(_extensive(metrics), 1.0 / scale, 1.0)
    return values * factors.reshape((-1,) + (1,) * (values.ndim - 1))


def discount_factors(years: int, rate: float) -> np.ndarray:
    """Weights of financial years 0, 1, ... of a run: ``1 / (1 + rate) ** k``."""
    return (1.0 + rate) ** -np.arange(years, dtype=float)


@dataclass(frozen=True)
class Periods:
    """The financial years a run covers, in order, then ``all``, with their week masks.

    With a ``discount_rate``, a last period ``all_discounted`` (every week) holds the
    present value of flow metrics.
    """

    labels: tuple[str, ...]
    masks: np.ndarray  # bool, period x week
    discount_rate: float | None = None

    @classmethod
    def of(cls, dates: list[dt.date], discount_rate: float | None = None) -> Periods:
        """The periods of a run whose weeks start on ``dates``."""
        fys = [week_financial_year(d) for d in dates]
        years = list(dict.fromkeys(fys))
        rows = [[fy == year for fy in fys] for year in years] + [[True] * len(dates)]
        labels = tuple(years) + (PERIOD_ALL,)
        if discount_rate is not None:
            rows.append([True] * len(dates))
            labels += (PERIOD_DISCOUNTED,)
        return cls(labels, np.array(rows, dtype=bool), discount_rate)

    @property
    def weeks(self) -> np.ndarray:
        """Number of weeks in each period."""
        return self.masks.sum(axis=1)

    @property
    def years(self) -> int:
        """Number of financial years (the first periods)."""
        return self.labels.index(PERIOD_ALL)

    def aggregate(self, values: np.ndarray, metrics: Sequence[Metric] = METRICS
                  ) -> np.ndarray:
        """Aggregate weekly values (metric x week) into (metric x period).

        The ``all_discounted`` column is NaN for metrics that are not flows.
        """
        summed = _summed(metrics)
        sums = np.stack([values[:, mask].sum(axis=1) for mask in self.masks], axis=1)
        out = np.where(summed[:, None], sums, sums / self.weeks[None, :])
        if self.discount_rate is not None:
            present = sums[:, :self.years] @ discount_factors(self.years, self.discount_rate)
            out[:, -1] = np.where(summed, present, np.nan)
        return out


def _stats(samples: np.ndarray, axis: int) -> dict[str, np.ndarray]:
    low, mid, high = np.percentile(samples, PERCENTILES, axis=axis)
    return {"mean": samples.mean(axis=axis), "p5": low, "p50": mid, "p95": high}


def _frame(scenarios: list[str], periods: Periods, stats: dict[str, np.ndarray],
           extra: dict[str, np.ndarray] | None = None,
           metrics: Sequence[Metric] = METRICS) -> pd.DataFrame:
    """Long table from (scenario x metric x period) arrays, without the discounted rows
    of metrics that are not flows."""
    n_s, n_m, n_p = len(scenarios), len(metrics), len(periods.labels)
    grid = np.indices((n_s, n_m, n_p)).reshape(3, -1)
    columns = {
        "scenario": np.asarray(scenarios, dtype=object)[grid[0]],
        "metric": np.asarray([m.name for m in metrics], dtype=object)[grid[1]],
        "financial_year": np.asarray(periods.labels, dtype=object)[grid[2]],
        "unit": np.asarray([m.unit for m in metrics], dtype=object)[grid[1]],
        "label": np.asarray([m.label for m in metrics], dtype=object)[grid[1]],
        "aggregate": np.asarray([m.aggregate for m in metrics], dtype=object)[grid[1]],
        "weeks": periods.weeks[grid[2]],
    }
    for name, array in {**(extra or {}), **stats}.items():
        columns[name] = array.reshape(-1)
    undiscounted = (columns["financial_year"] == PERIOD_DISCOUNTED) & ~_summed(metrics)[grid[1]]
    return pd.DataFrame(columns)[~undiscounted].reset_index(drop=True)


def summarise(by_rep: np.ndarray, scenarios: list[str], periods: Periods,
              metrics: Sequence[Metric] = METRICS) -> pd.DataFrame:
    """Summary over replications.

    Args:
        by_rep: (scenario x replication x metric x period) aggregated values.
        scenarios: scenario names, in the order of the first axis.
        periods: the periods of the last axis.
        metrics: the metrics of the third axis.

    Returns:
        One row per scenario x metric x period with unit, label, aggregate, weeks, mean,
        p5, p50 and p95.
    """
    return _frame(scenarios, periods, _stats(by_rep, axis=1), metrics=metrics)


def summarise_split(by_rep: np.ndarray, scenarios: list[str], periods: Periods,
                    metrics: Sequence[Metric], column: str,
                    labels: Sequence[str]) -> pd.DataFrame:
    """Summary over replications of values split by a dimension (e.g. ``client_group``).

    Args:
        by_rep: (scenario x replication x metric x label x period) aggregated values.
        scenarios: scenario names, in the order of the first axis.
        periods: the periods of the last axis.
        metrics: the metrics of the third axis.
        column: the name of the split's column.
        labels: the split's labels, in the order of the fourth axis.

    Returns:
        As ``summarise``, with ``column`` after ``metric``: one row per scenario x metric x
        label x period, in the order of the axes.
    """
    frames = [summarise(by_rep[:, :, :, i], scenarios, periods, metrics)
              .assign(**{column: label}) for i, label in enumerate(labels)]
    table = pd.concat(frames, ignore_index=True)
    order = {"scenario": scenarios, "metric": [m.name for m in metrics], column: labels,
             "financial_year": periods.labels}
    ranks = {name: {v: i for i, v in enumerate(values)} for name, values in order.items()}
    table = table.sort_values(list(order), key=lambda col: col.map(ranks[col.name]),
                              kind="stable")
    columns = ["scenario", "metric", column,
               *(c for c in table.columns if c not in ("scenario", "metric", column))]
    return table[columns].reset_index(drop=True)


def paired_deltas(by_rep: np.ndarray, scenarios: list[str], periods: Periods,
                  baseline: int = 0, metrics: Sequence[Metric] = METRICS) -> pd.DataFrame:
    """Paired differences (scenario_r - baseline_r) for every non-baseline scenario.

    Args:
        by_rep: (scenario x replication x metric x period) aggregated values.
        scenarios: scenario names, in the order of the first axis.
        periods: the periods of the last axis.
        baseline: index of the baseline on the first axis.
        metrics: the metrics of the third axis.

    Returns:
        One row per non-baseline scenario x metric x period with baseline_mean,
        scenario_mean and the statistics of the paired differences.
    """
    others = [i for i in range(len(scenarios)) if i != baseline]
    base = by_rep[baseline]
    chosen = by_rep[others]
    diffs = chosen - base[None]
    extra = {"baseline_mean": np.broadcast_to(base.mean(axis=0), diffs.shape[:1] + base.shape[1:]),
             "scenario_mean": chosen.mean(axis=1)}
    return _frame([scenarios[i] for i in others], periods, _stats(diffs, axis=1), extra,
                  metrics)


def headline(summary: pd.DataFrame, deltas: pd.DataFrame, metrics: Sequence[str],
             periods: Sequence[str]) -> pd.DataFrame:
    """Selected metrics and periods: each scenario's mean and its change against baseline.

    Args:
        summary: as written to ``summary.csv``.
        deltas: as written to ``deltas.csv``.
        metrics: metric names, in display order.
        periods: financial years (or ``all``), in display order.

    Returns:
        Columns metric, label, unit, aggregate, financial_year, scenario, mean, change
        (mean paired difference; empty for the baseline) and change_pct (against the
        baseline mean; empty where that is 0).
    """
    keys = ["scenario", "metric", "financial_year"]
    chosen = summary[summary.metric.isin(metrics) & summary.financial_year.isin(periods)]
    changes = deltas[keys + ["mean", "baseline_mean"]].rename(columns={"mean": "change"})
    table = chosen.merge(changes, on=keys, how="left")
    base = table.baseline_mean.where(table.baseline_mean != 0)
    table["change_pct"] = 100 * table.change / base.abs()
    order = {"metric": {m: i for i, m in enumerate(metrics)},
             "financial_year": {p: i for i, p in enumerate(periods)},
             "scenario": {s: i for i, s in enumerate(dict.fromkeys(summary.scenario))}}
    table = table.sort_values(by=["metric", "financial_year", "scenario"],
                              key=lambda col: col.map(order[col.name]))
    columns = ["metric", "label", "unit", "aggregate", "financial_year", "scenario", "mean",
               "change", "change_pct"]
    return table[columns].reset_index(drop=True)
