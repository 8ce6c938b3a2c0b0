"""The scenario comparison: every scenario against the baseline, paired by replication, ranked.

Replication *r* of every scenario shares its random numbers with replication *r* of the
baseline, so ``scenario_r - baseline_r`` is the scenario's effect in that replication.
``compare`` turns a run's (scenario x replication x metric x period) aggregates into three
tables: ``summary.csv`` and ``deltas.csv`` (``sim.summary``: per financial year, ``all``,
and for flow metrics ``all_discounted``, the present value at the discount rate) and
``decision.csv``, which ranks the scenarios. ``compare_run`` rebuilds the three from a
completed results folder (its ``timeseries.parquet``), against any of its scenarios and at
any discount rate, and records the settings in ``manifest.json`` under ``comparison``.

``decision.csv`` has one row per scenario other than the baseline, best first. Money and
wellbeing-weeks are present values over the whole run (financial year *k* of the run
weighted ``1 / (1 + discount_rate) ** k``); changes are paired differences (scenario minus
baseline); ``_mean``, ``_p5``, ``_p95`` are the mean and the 5th and 95th percentiles over
replications.

- ``rank``: 1 = the highest mean net benefit among policies; empty for stress tests, which
  follow the policies (by net benefit): they price a risk, they are not options.
- ``scenario``, ``label``: the scenario's name and label.
- ``stress_test``: true for scenarios whose file says ``stress_test: true``.
- ``baseline``: the scenario compared against.
- ``reps``: replications.
- ``discount_rate``: yearly rate of the present values (0.035 = 3.5%).
- ``wellbeing_week_value_gbp``: GBP value of one wellbeing-week, for the net benefit.
- ``council_cost_change_gbp_{mean,p5,p95}``: change in council spend (``council_spend``).
- ``total_public_cost_change_gbp_{mean,p5,p95}``: change in ``total_public_cost`` (council
  spend plus the NHS cost of delayed discharges).
- ``wellbeing_weeks_gained_{mean,p5,p95}``: change in ``wellbeing_weeks`` (person-weeks
  weighted by an ASCOT-style quality-of-life score).
- ``council_cost_per_wellbeing_week_gbp``: mean council cost change / mean wellbeing-weeks
  gained (the incremental cost-effectiveness ratio); empty when the gain is 0. Read it
  with the verdict: it is negative both for a dominant scenario and for one that saves
  money with worse outcomes (then it is the saving per wellbeing-week lost).
- ``verdict``: from the mean changes in council cost and wellbeing-weeks: ``dominant``
  (cheaper or the same for the council, and better or the same outcomes), ``dominated``
  (dearer or the same, and worse or the same), ``costs more, better outcomes``, ``saves
  money, worse outcomes``, or ``no change`` (both changes exactly 0).
- ``prob_lower_council_cost``: share of replications in which council cost falls.
- ``prob_better_outcomes``: share in which wellbeing-weeks rise.
- ``prob_both``: share in which both happen.
- ``net_benefit_gbp_{mean,p5,p95}``: per replication, ``wellbeing_week_value_gbp`` x
  wellbeing-weeks gained - change in total public cost.
- ``prob_positive_net_benefit``: share of replications with a net benefit above 0.
- ``people_waiting_change_mean``: change in people waiting, average over the run (people).
- ``unmet_need_hours_change_mean``: change in unmet need, total over the run, undiscounted
  (hours).
- ``provider_exits_change_mean``: change in provider exits, total over the run (providers).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import parameters as parameters_module
from .calendar import week_dates
from .errors import InputError, Problem
from .manifest import now, write_manifest
from .metrics import METRICS, Metric
from .summary import PERIOD_ALL, PERIOD_DISCOUNTED, Periods, paired_deltas, summarise
from .yamlio import load_yaml

log = logging.getLogger(__name__)

DISCOUNT_RATE_PARAM = "appraisal.discount_rate"
WELLBEING_VALUE_PARAM = "appraisal.wellbeing_week_value"
COUNCIL_COST = "council_spend"
PUBLIC_COST = "total_public_cost"
OUTCOME = "wellbeing_weeks"
CONTEXT = ("people_waiting", "unmet_need_hours", "provider_exits")
REQUIRED_METRICS = (COUNCIL_COST, PUBLIC_COST, OUTCOME, *CONTEXT)
SPREAD_PERCENTILES = (5, 95)

DOMINANT = "dominant"
DOMINATED = "dominated"
COSTS_MORE_BETTER = "costs more, better outcomes"
SAVES_WORSE = "saves money, worse outcomes"
NO_CHANGE = "no change"


@dataclass(frozen=True)
class Appraisal:
    """How scenarios are valued: the yearly discount rate and a wellbeing-week's value."""

    discount_rate: float
    wellbeing_week_value: float

    @classmethod
    def of(cls, values: Any) -> Appraisal:
        """From parameters: ``Parameters`` or a mapping of parameter path -> value."""
        return cls(float(values[DISCOUNT_RATE_PARAM]), float(values[WELLBEING_VALUE_PARAM]))


@dataclass(frozen=True)
class PairedChanges:
    """Scenario minus baseline, per replication (scenario x replication arrays).

    Money and wellbeing-weeks are present values over the run; ``context`` holds other
    metrics over the whole run (``all``: totals of flows, averages of stocks).
    """

    council_cost: np.ndarray
    public_cost: np.ndarray
    wellbeing_weeks: np.ndarray
    context: dict[str, np.ndarray]


def paired_changes(by_rep: np.ndarray, periods: Periods, baseline: int = 0,
                   metrics: Sequence[Metric] = METRICS) -> PairedChanges:
    """The paired changes ``decision_table`` needs, from a run's aggregates.

    Args:
        by_rep: (scenario x replication x metric x period) aggregated values; the periods
            include ``all_discounted``.
        periods: the periods of the last axis.
        baseline: index of the baseline on the first axis.
        metrics: the metrics of the third axis (must include ``REQUIRED_METRICS``).
    """
    index = {m.name: i for i, m in enumerate(metrics)}
    others = [i for i in range(by_rep.shape[0]) if i != baseline]
    diffs = by_rep[others] - by_rep[baseline][None]
    present = periods.labels.index(PERIOD_DISCOUNTED)
    whole = periods.labels.index(PERIOD_ALL)
    return PairedChanges(
        council_cost=diffs[:, :, index[COUNCIL_COST], present],
        public_cost=diffs[:, :, index[PUBLIC_COST], present],
        wellbeing_weeks=diffs[:, :, index[OUTCOME], present],
        context={name: diffs[:, :, index[name], whole] for name in CONTEXT},
    )


def verdicts(cost_change: np.ndarray, outcome_change: np.ndarray) -> np.ndarray:
    """Plain verdicts from mean changes in council cost and in outcomes (see the module)."""
    cost, gain = np.asarray(cost_change), np.asarray(outcome_change)
    conditions = [(cost == 0) & (gain == 0), (cost <= 0) & (gain >= 0),
                  (cost >= 0) & (gain <= 0), (cost > 0) & (gain > 0)]
    choices = [NO_CHANGE, DOMINANT, DOMINATED, COSTS_MORE_BETTER]
    return np.select(conditions, choices, default=SAVES_WORSE).astype(object)


def cost_per_outcome(cost_change: np.ndarray, outcome_change: np.ndarray) -> np.ndarray:
    """Incremental cost per unit of outcome gained; NaN where the outcome change is 0."""
    cost, gain = np.asarray(cost_change, dtype=float), np.asarray(outcome_change, dtype=float)
    return np.divide(cost, gain, out=np.full_like(cost, np.nan), where=gain != 0)


def _spread(prefix: str, samples: np.ndarray) -> dict[str, np.ndarray]:
    low, high = np.percentile(samples, SPREAD_PERCENTILES, axis=1)
    return {f"{prefix}_mean": samples.mean(axis=1), f"{prefix}_p5": low, f"{prefix}_p95": high}


def decision_table(scenarios: Sequence[str], labels: Sequence[str], baseline: str,
                   changes: PairedChanges, appraisal: Appraisal,
                   stress_tests: Sequence[bool] | None = None) -> pd.DataFrame:
    """One row per scenario: policies ranked by mean net benefit, then stress tests (by
    net benefit, unranked). Columns: see the module.

    Args:
        scenarios: scenario names, in the order of the changes' first axis.
        labels: their labels.
        baseline: the name of the scenario compared against.
        changes: paired changes (scenario x replication).
        appraisal: the discount rate (recorded) and the value of a wellbeing-week.
        stress_tests: which scenarios are stress tests (default none).
    """
    cost, public, gain = changes.council_cost, changes.public_cost, changes.wellbeing_weeks
    n, reps = cost.shape
    stress = np.zeros(n, bool) if stress_tests is None else np.asarray(stress_tests, bool)
    net = appraisal.wellbeing_week_value * gain - public
    table = pd.DataFrame({
        "scenario": list(scenarios), "label": list(labels), "stress_test": stress,
        "baseline": [baseline] * n,
        "reps": np.full(n, reps), "discount_rate": np.full(n, appraisal.discount_rate),
        "wellbeing_week_value_gbp": np.full(n, appraisal.wellbeing_week_value),
        **_spread("council_cost_change_gbp", cost),
        **_spread("total_public_cost_change_gbp", public),
        **_spread("wellbeing_weeks_gained", gain),
        "council_cost_per_wellbeing_week_gbp": cost_per_outcome(cost.mean(axis=1),
                                                                gain.mean(axis=1)),
        "verdict": verdicts(cost.mean(axis=1), gain.mean(axis=1)),
        "prob_lower_council_cost": (cost < 0).mean(axis=1),
        "prob_better_outcomes": (gain > 0).mean(axis=1),
        "prob_both": ((cost < 0) & (gain > 0)).mean(axis=1),
        **_spread("net_benefit_gbp", net),
        "prob_positive_net_benefit": (net > 0).mean(axis=1),
        **{f"{name}_change_mean": values.mean(axis=1)
           for name, values in changes.context.items()},
    })
    order = np.lexsort((-table["net_benefit_gbp_mean"].to_numpy(), stress))
    table = table.iloc[order].reset_index(drop=True)
    policies = int((~stress).sum())
    table.insert(0, "rank", pd.array(list(range(1, policies + 1)) + [None] * (n - policies),
                                     dtype="Int64"))
    return table


@dataclass
class Comparison:
    """A run's comparison tables and the settings that made them."""

    baseline: str
    appraisal: Appraisal
    summary: pd.DataFrame
    deltas: pd.DataFrame
    decision: pd.DataFrame

    def record(self, command: Sequence[str] | None = None) -> dict[str, Any]:
        """What ``manifest.json`` records under ``comparison``."""
        return {"baseline": self.baseline,
                "discount_rate": self.appraisal.discount_rate,
                "wellbeing_week_value": self.appraisal.wellbeing_week_value,
                "command": list(command) if command is not None else None,
                "created": now()}


def compare(by_rep: np.ndarray, scenarios: Sequence[str], labels: Sequence[str],
            periods: Periods, appraisal: Appraisal, baseline: int = 0,
            metrics: Sequence[Metric] = METRICS,
            stress_tests: Sequence[bool] | None = None) -> Comparison:
    """Summary, paired deltas and the decision table of a run.

    Args:
        by_rep: (scenario x replication x metric x period) aggregated values, from
            ``periods.aggregate`` with the appraisal's discount rate.
        scenarios: scenario names, in the order of the first axis.
        labels: their labels.
        periods: the periods of the last axis.
        appraisal: discount rate and value of a wellbeing-week.
        baseline: index of the scenario to compare against.
        metrics: the metrics of the third axis.
        stress_tests: which scenarios are stress tests (ranked after the policies).
    """
    if periods.discount_rate != appraisal.discount_rate:
        raise ValueError(f"periods are discounted at {periods.discount_rate}, the appraisal "
                         f"at {appraisal.discount_rate}")
    others = [i for i in range(len(scenarios)) if i != baseline]
    stress = [False] * len(scenarios) if stress_tests is None else list(stress_tests)
    decision = decision_table([scenarios[i] for i in others], [labels[i] for i in others],
                              scenarios[baseline],
                              paired_changes(by_rep, periods, baseline, metrics), appraisal,
                              [stress[i] for i in others])
    return Comparison(scenarios[baseline], appraisal,
                      summarise(by_rep, list(scenarios), periods, metrics),
                      paired_deltas(by_rep, list(scenarios), periods, baseline, metrics),
                      decision)


def compare_run(run_dir: Path | str, baseline: str | None = None,
                discount_rate: float | None = None,
                command: Sequence[str] | None = None) -> Comparison:
    """Rebuild a completed run's comparison from its saved results, and rewrite it.

    Reads ``timeseries.parquet`` and the appraisal parameters the run used
    (``scenarios/parameters.json``); rewrites ``summary.csv``, ``deltas.csv`` and
    ``decision.csv`` atomically and records the settings in ``manifest.json`` under
    ``comparison``. Everything is checked before anything is written.

    Args:
        run_dir: a completed run folder.
        baseline: the scenario to compare against; default the run's baseline.
        discount_rate: overrides ``appraisal.discount_rate`` (0 or more, below 1).
        command: the command line, recorded in the manifest.

    Raises:
        InputError: not a completed run folder, unknown baseline (naming the valid ones)
            or a bad discount rate.
    """
    from . import results as folder  # results imports this module to write its tables

    run_dir = Path(run_dir)
    problems = _rate_problems(discount_rate)
    try:
        manifest = folder.read_manifest(run_dir)
    except InputError as exc:
        raise InputError(exc.problems + problems) from None
    names = list(manifest["scenarios"])
    baseline = names[0] if baseline is None else baseline
    if baseline not in names:
        problems.append(Problem("--baseline", "", f"no scenario {baseline!r} in {run_dir}; "
                                f"valid: {', '.join(names)}"))
    scenarios_dir = run_dir / folder.SCENARIOS_FOLDER
    parameters_file = scenarios_dir / folder.PARAMETERS_FILE
    for path in (run_dir / folder.TIMESERIES, parameters_file):
        if not path.is_file():
            problems.append(Problem(str(run_dir), "", f"missing {path.relative_to(run_dir)}"))
    if problems:
        raise InputError(problems)
    appraisal = _run_appraisal(parameters_file, discount_rate)
    dates = week_dates(dt.date.fromisoformat(manifest["start_date"]), int(manifest["weeks"]))
    periods = Periods.of(dates, appraisal.discount_rate)
    metrics, by_rep = read_aggregates(run_dir / folder.TIMESERIES, names,
                                      int(manifest["reps"]), periods)
    lacking = [name for name in REQUIRED_METRICS if name not in {m.name for m in metrics}]
    if lacking:
        raise InputError(Problem(str(run_dir / folder.TIMESERIES), "",
                                 f"lacks metrics {', '.join(lacking)} that the comparison "
                                 "needs (an older run); rerun its scenarios"))
    documents = _documents(scenarios_dir, names)
    comparison = compare(by_rep, names, [str(d.get("label") or n) for d, n in
                                         zip(documents, names)],
                         periods, appraisal, names.index(baseline), metrics,
                         [bool(d.get("stress_test")) for d in documents])
    folder.write_comparison(run_dir, comparison)
    manifest["comparison"] = comparison.record(command)
    write_manifest(run_dir, manifest)
    return comparison


def _rate_problems(rate: float | None) -> list[Problem]:
    if rate is None or (np.isfinite(rate) and 0 <= rate < 1):
        return []
    return [Problem("--discount-rate", "", "must be at least 0 and below 1 (a yearly rate, "
                    f"e.g. 0.035 for 3.5%), got {rate:g}")]


def _run_appraisal(parameters_file: Path, discount_rate: float | None) -> Appraisal:
    """The appraisal parameters a run used (the package defaults for those it lacks)."""
    values: Mapping[str, Any] = json.loads(
        parameters_file.read_text(encoding="utf-8")).get("values", {})
    missing = [p for p in (DISCOUNT_RATE_PARAM, WELLBEING_VALUE_PARAM) if p not in values]
    if missing:
        log.warning("%s lacks %s (an older run); using the package defaults",
                    parameters_file, ", ".join(missing))
        defaults = parameters_module.load_parameters(parameters_module.DEFAULT_PARAMS_DIR)
        values = {**{p: defaults[p] for p in missing}, **values}
    if discount_rate is not None:
        values = {**values, DISCOUNT_RATE_PARAM: discount_rate}
    return Appraisal.of(values)


def _documents(scenarios_dir: Path, names: Sequence[str]) -> list[dict]:
    """Each scenario's resolved file as data (empty if the file is missing)."""
    documents = []
    for name in names:
        path = scenarios_dir / f"{name}.yaml"
        document = load_yaml(path) if path.is_file() else {}
        documents.append(document if isinstance(document, dict) else {})
    return documents


def read_aggregates(path: Path, scenarios: Sequence[str], reps: int, periods: Periods
                    ) -> tuple[tuple[Metric, ...], np.ndarray]:
    """A saved run's aggregates, from its ``timeseries.parquet``.

    Reads one row group at a time into a (scenario x replication x metric x week) array;
    metrics the registry does not know are skipped (logged), and registry metrics the file
    lacks are left out.

    Returns:
        The registry metrics the file holds, and their (scenario x replication x metric x
        period) aggregates.

    Raises:
        InputError: the file lacks some week of a scenario, replication and metric it holds.
    """
    weeks = int(periods.weeks[-1])
    values = np.zeros((len(scenarios), reps, len(METRICS), weeks))
    seen = np.zeros(values.shape, dtype=bool)
    unknown: set[str] = set()
    file = pq.ParquetFile(path)
    for group in range(file.num_row_groups):
        table = file.read_row_group(group, columns=["scenario", "rep", "week", "metric",
                                                    "value"])
        unknown |= _fill(table, scenarios, values, seen)
    if unknown:
        log.warning("%s: skipping metrics not in the registry: %s", path,
                    ", ".join(sorted(unknown)))
    held = seen.any(axis=(0, 1, 3))
    if not seen[:, :, held].all():
        raise InputError(Problem(str(path), "", "incomplete: some scenario, replication, "
                                 "metric or week is missing; rerun the scenarios"))
    metrics = tuple(m for m, keep in zip(METRICS, held, strict=True) if keep)
    by_rep = np.empty((len(scenarios), reps, len(metrics), len(periods.labels)))
    for s in range(len(scenarios)):
        for r in range(reps):
            by_rep[s, r] = periods.aggregate(values[s, r][held], metrics)
    return metrics, by_rep


def _fill(table: pa.Table, scenarios: Sequence[str], values: np.ndarray,
          seen: np.ndarray) -> set[str]:
    """Put one row group's values in place; return the metric names not in the registry."""
    registry = pa.array([m.name for m in METRICS])
    s = pc.index_in(table["scenario"], value_set=pa.array(list(scenarios))).fill_null(-1)
    m = pc.index_in(table["metric"], value_set=registry).fill_null(-1)
    s, m = s.to_numpy(), m.to_numpy()
    r, w = table["rep"].to_numpy(), table["week"].to_numpy()
    keep = (s >= 0) & (m >= 0) & (r >= 0) & (r < values.shape[1]) & (w >= 0) \
        & (w < values.shape[3])
    where = (s[keep], r[keep], m[keep], w[keep])
    values[where] = table["value"].to_numpy()[keep]
    seen[where] = True
    names = pc.unique(table["metric"]).to_pylist()
    return set(names) - set(registry.to_pylist())
