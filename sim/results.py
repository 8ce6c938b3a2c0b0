"""The results folder of a run: ``<out>/<run-id>/`` (DESIGN §3).

Layout::

    manifest.json        status (running -> completed | failed), command, versions, git
                         commit, parameter fingerprint, input hashes, seeds, and each job's
                         seed and state (pending, done, reused, failed with its error),
                         kept current as jobs finish
    .lock                while a process writes the folder (``sim.fileio.FolderLock``)
    scenarios/           each resolved scenario as YAML, and parameters.json (all values)
    jobs/                one .npz per (scenario, replication): weekly metrics, county,
                         by district, by council and by client group, unscaled
    timeseries.parquet   long: scenario, rep, week, date, financial_year, metric, value
    by_district.parquet  the same for the ``BY_DISTRICT`` metrics, with a district column
    by_council.parquet   the same for the ``BY_COUNCIL`` metrics, with a council column
                         (one council, the county's, unless the region has several)
    by_group.parquet     the same for the ``BY_GROUP`` metrics, with a client_group column
                         (``sim.dims.CLIENT_GROUPS``; the groups add up to the county)
    summary.csv          scenario x metric x financial year (and "all", and for flows
                         "all_discounted", the present value): mean, p5, p50, p95
    summary_by_group.csv scenario x ``BY_GROUP`` metric x client_group x financial year
                         (and "all"; not discounted): mean, p5, p50, p95
    deltas.csv           paired differences against the baseline, same statistics
    decision.csv         one row per scenario, ranked against the baseline (sim.compare)

Values in ``timeseries.parquet``, the ``by_*.parquet`` files and the CSV tables are for the
whole county (the region): extensive metrics of a run at ``scale`` are divided by ``scale``.
``caremarket compare`` (``sim.compare.compare_run``) rebuilds ``summary.csv``,
``deltas.csv`` and ``decision.csv``; ``summary_by_group.csv`` depends on neither the
baseline nor the discount rate, so it stands. Folders written before results were recorded
by council or by client group lack those files, and still read (``read_results``).

A job that fails stops no other; the run then ends ``failed`` without the tables above (they
need every job), and ``--resume`` runs only the failed or missing jobs. One process at a
time writes a folder: a second ``--resume`` of it is refused while the first runs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shlex
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from .calendar import week_financial_year
from .compare import Appraisal, Comparison, compare
from .dims import CLIENT_GROUPS
from .errors import InputError, Problem
from .executors import describe_executor
from .fileio import (
    atomic_path,
    child_path,
    plain,
    remove_temporary_files,
    write_json,
    write_text,
    writing,
)
from .manifest import new_manifest, now, write_manifest
from .metrics import BY_COUNCIL, BY_DISTRICT, BY_GROUP, BY_NAME, METRICS
from .plan import MANIFEST, RunPlan
from .runner import (
    FAILED,
    JOBS_FOLDER,
    RAN,
    REUSED,
    Ensemble,
    JobFailedError,
    JobResult,
    job_file,
    run_ensemble,
)
from .scenario import Scenario
from .summary import Periods, summarise_split

log = logging.getLogger(__name__)

SCENARIOS_FOLDER = "scenarios"
PARAMETERS_FILE = "parameters.json"
TIMESERIES = "timeseries.parquet"
BY_DISTRICT_FILE = "by_district.parquet"
BY_COUNCIL_FILE = "by_council.parquet"
BY_GROUP_FILE = "by_group.parquet"
SUMMARY = "summary.csv"
SUMMARY_BY_GROUP = "summary_by_group.csv"
#: the column of ``by_group.parquet`` and ``summary_by_group.csv`` naming the client group
GROUP_COLUMN = "client_group"
#: columns that readers of ``summary_by_group.csv`` rely on
GROUP_SUMMARY_COLUMNS = ("scenario", "metric", GROUP_COLUMN, "financial_year", "mean")
DELTAS = "deltas.csv"
DECISION = "decision.csv"
RUN_ID_HASH_CHARS = 6
RUN_ID_TIME_FORMAT = "%Y%m%d-%H%M%S"
MAX_RUN_ID_SUFFIX = 1000
#: A job's state in the manifest, by the status of its ``JobResult``.
JOB_STATES = {RAN: "done", REUSED: "reused", FAILED: "failed"}
PENDING = "pending"
#: Reused jobs are recorded in the manifest at most this often (done and failed ones at
#: once).
REUSED_WRITE_INTERVAL_S = 1.0
TIMESERIES_SCHEMA = pa.schema([
    ("scenario", pa.string()), ("rep", pa.int32()), ("week", pa.int32()),
    ("date", pa.date32()), ("financial_year", pa.string()), ("metric", pa.string()),
    ("value", pa.float64()),
])
BY_DISTRICT_SCHEMA = pa.schema([
    ("scenario", pa.string()), ("rep", pa.int32()), ("week", pa.int32()),
    ("date", pa.date32()), ("financial_year", pa.string()), ("metric", pa.string()),
    ("district", pa.string()), ("value", pa.float64()),
])
BY_COUNCIL_SCHEMA = pa.schema([
    ("scenario", pa.string()), ("rep", pa.int32()), ("week", pa.int32()),
    ("date", pa.date32()), ("financial_year", pa.string()), ("metric", pa.string()),
    ("council", pa.string()), ("value", pa.float64()),
])
BY_GROUP_SCHEMA = pa.schema([
    ("scenario", pa.string()), ("rep", pa.int32()), ("week", pa.int32()),
    ("date", pa.date32()), ("financial_year", pa.string()), ("metric", pa.string()),
    (GROUP_COLUMN, pa.string()), ("value", pa.float64()),
])


def new_run_dir(out: Path, inputs_key: str, when: dt.datetime | None = None) -> Path:
    """Create and return ``out/YYYYMMDD-HHMMSS-<hash>``, adding ``-2``, ``-3``... if taken."""
    stamp = (when or dt.datetime.now()).strftime(RUN_ID_TIME_FORMAT)
    base = f"{stamp}-{inputs_key[:RUN_ID_HASH_CHARS]}"
    out.mkdir(parents=True, exist_ok=True)
    for n in range(1, MAX_RUN_ID_SUFFIX):
        candidate = child_path(out, base if n == 1 else f"{base}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"too many runs named {base}* in {out}")


def open_run_dir(plan: RunPlan) -> Path:
    """The folder a plan writes to: the one it resumes, or a new one under ``plan.out``."""
    return plan.resume or new_run_dir(plan.out, plan.inputs_key)


def execute(plan: RunPlan, command: list[str], executor: Executor | None = None,
            progress: Callable[[int, int], None] | None = None,
            run_dir: Path | None = None) -> Path:
    """Run a checked plan and write its results folder.

    The folder is locked first (``.lock``), so that no other process writes it at the same
    time. The manifest is written with status ``running``, records each job's state as it
    finishes, and when the run ends says ``completed``, or ``failed`` with the error (and
    the exception is re-raised). A failed job stops no other; the run then fails with
    ``JobFailedError``, whose message ends with the command that reruns only those jobs,
    and the tables that need every job are not written.

    Args:
        plan: from ``sim.plan.plan_run`` (inputs already checked).
        command: the command line, recorded in the manifest.
        executor: optional executor for the jobs (default: a local process pool).
        progress: called as ``progress(done, total)`` after each job.
        run_dir: from ``open_run_dir(plan)``; opened here when not given.

    Returns:
        The run folder.

    Raises:
        InputError: another process is writing the folder (nothing is written).
        JobFailedError: jobs failed; every other job ran.
    """
    run_dir = run_dir or open_run_dir(plan)
    with writing(run_dir, "--resume" if plan.resume else "--out"):
        _execute(plan, command, executor, progress, run_dir)
    return run_dir


def _execute(plan: RunPlan, command: list[str], executor: Executor | None,
             progress: Callable[[int, int], None] | None, run_dir: Path) -> None:
    manifest = new_manifest(plan, run_dir.name, command)
    manifest["executor"] = describe_executor(executor, plan.jobs)
    if plan.resume is not None:
        manifest["created"] = _previous(run_dir).get("created", manifest["created"])
        manifest["resumed"] = now()
        _remove_leftovers(run_dir)
    write_manifest(run_dir, manifest)
    jobs = JobLog(run_dir, manifest)
    started = time.perf_counter()
    try:
        write_inputs(run_dir, plan)
        ensemble = run_ensemble(plan.scenarios, plan.params, plan.reps, plan.seed, plan.weeks,
                                plan.scale, executor=executor, jobs=plan.jobs, run_dir=run_dir,
                                progress=progress, on_job=jobs.record, check=plan.check)
        comparison = write_outputs(run_dir, ensemble, plan.dates, Appraisal.of(plan.params))
        write_by_district(run_dir, ensemble, plan.dates, plan.params["county.districts"])
        write_by_council(run_dir, ensemble, plan.dates, plan.params["county.councils"])
        write_by_group(run_dir, ensemble, plan.dates)
        manifest["comparison"] = comparison.record(command)
    except BaseException as exc:
        if isinstance(exc, JobFailedError):
            exc.rerun = f"{manifest['reproduce']} --resume {shlex.quote(str(run_dir))}"
        _finish(manifest, run_dir, started, exc)
        raise
    _finish(manifest, run_dir, started, None)


class JobLog:
    """Keeps the manifest's job records current: each job's state, seconds, file, and a
    failed job's error and traceback. The manifest is rewritten atomically as each job
    finishes (reused jobs, known at the start, at most every ``REUSED_WRITE_INTERVAL_S``),
    so it can be read at any moment, even after the process is killed."""

    def __init__(self, run_dir: Path, manifest: dict[str, Any]):
        self.run_dir, self.manifest = run_dir, manifest
        self.records = {(job["scenario"], job["rep"]): job for job in manifest["jobs"]}
        self._written = time.monotonic()

    def record(self, result: JobResult) -> None:
        """Record a job's result, and write the manifest."""
        self.records[(result.scenario, result.rep)].update(
            state=JOB_STATES[result.status], elapsed_s=round(result.elapsed_s, 3),
            file=_relative(self.run_dir, result.path), error=result.error,
            traceback=result.traceback)
        if (result.status != REUSED
                or time.monotonic() - self._written >= REUSED_WRITE_INTERVAL_S):
            self.write()

    def write(self) -> None:
        """Write the manifest now."""
        write_manifest(self.run_dir, self.manifest)
        self._written = time.monotonic()


def _relative(run_dir: Path, path: Path | None) -> str | None:
    return None if path is None else Path(path).relative_to(run_dir).as_posix()


def _remove_leftovers(run_dir: Path) -> None:
    """Remove the temporary files of writes cut short when an earlier run was killed."""
    removed = [*remove_temporary_files(run_dir / JOBS_FOLDER),
               *remove_temporary_files(run_dir / SCENARIOS_FOLDER)]
    for name in (MANIFEST, TIMESERIES, BY_DISTRICT_FILE, BY_COUNCIL_FILE, BY_GROUP_FILE,
                 SUMMARY, SUMMARY_BY_GROUP, DELTAS, DECISION):
        removed += remove_temporary_files(run_dir, name)
    if removed:
        log.info("removed %d temporary files left in %s", len(removed), run_dir)


def _previous(run_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _finish(manifest: dict[str, Any], run_dir: Path, started: float,
            error: BaseException | None) -> None:
    manifest["status"] = "completed" if error is None else "failed"
    manifest["error"] = _describe(error)
    manifest["finished"] = now()
    manifest["elapsed_s"] = round(time.perf_counter() - started, 3)
    for job in manifest["jobs"]:
        path = job_file(run_dir, job["scenario"], job["rep"])
        if job["state"] == PENDING and path.exists():  # finished as an interrupt came
            job["state"], job["file"] = JOB_STATES[RAN], _relative(run_dir, path)
    write_manifest(run_dir, manifest)


def _describe(error: BaseException | None) -> str | None:
    if error is None:
        return None
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    if isinstance(error, JobFailedError):
        failed = ", ".join(f"{f.scenario} replication {f.rep}" for f in error.failures)
        return f"{error.headline} ({failed}); each job's error is under jobs"
    return f"{type(error).__name__}: {error}"


def write_inputs(run_dir: Path, plan: RunPlan) -> None:
    """Write each resolved scenario as YAML and the resolved parameters as JSON."""
    folder = run_dir / SCENARIOS_FOLDER
    for scenario in plan.scenarios:
        text = yaml.safe_dump(scenario_document(scenario), sort_keys=False, allow_unicode=True)
        write_text(child_path(folder, f"{scenario.name}.yaml"), text)
    write_json(folder / PARAMETERS_FILE, {
        "fingerprint": plan.params.fingerprint(),
        "overrides": plain(plan.overrides),
        "values": plan.params.plain(),
        "units": {path: plan.params.spec(path).unit for path in plan.params.paths()},
    })


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """A resolved scenario as plain data: what the run applied, and where it came from."""
    return {
        "name": scenario.name,
        "label": scenario.label,
        "description": scenario.description,
        "file": scenario.file,
        "extends": scenario.extends,
        "stress_test": scenario.stress_test,
        "sources": list(scenario.sources),
        "changes": [{"param": c.param, "value": plain(c.value), "from": plain(c.start),
                     "source": c.source, "file": c.file} for c in scenario.changes],
        "interventions": [{**plain(i.plain()), "file": i.file} for i in scenario.interventions],
        "expect": dict(scenario.expect),
    }


def write_outputs(run_dir: Path, ensemble: Ensemble, dates: list[dt.date],
                  appraisal: Appraisal) -> Comparison:
    """Write ``timeseries.parquet`` and the comparison tables from the job files.

    Jobs are read one at a time, so memory holds one job's weekly values plus the small
    (scenario x replication x metric x period) table of aggregates. The first scenario
    is the baseline.

    Args:
        run_dir: the run folder.
        ensemble: the finished ensemble.
        dates: the first day of each week.
        appraisal: discount rate and value of a wellbeing-week (from the parameters).

    Returns:
        The comparison written to ``summary.csv``, ``deltas.csv`` and ``decision.csv``.
    """
    periods = Periods.of(dates, appraisal.discount_rate)
    names = ensemble.names
    by_rep = np.empty((len(names), ensemble.reps, len(METRICS), len(periods.labels)))
    week_columns = _week_columns(dates)
    with atomic_path(run_dir / TIMESERIES) as tmp:
        with pq.ParquetWriter(tmp, TIMESERIES_SCHEMA) as writer:
            for i, name in enumerate(names):
                for rep in range(ensemble.reps):
                    values = ensemble.county(name, rep)
                    by_rep[i, rep] = periods.aggregate(values)
                    writer.write_table(_long_table(name, rep, values, week_columns))
    labels = [s.label or s.name for s in ensemble.scenarios]
    comparison = compare(by_rep, names, labels, periods, appraisal, baseline=0,
                         stress_tests=[s.stress_test for s in ensemble.scenarios])
    write_comparison(run_dir, comparison)
    return comparison


def write_by_district(run_dir: Path, ensemble: Ensemble, dates: list[dt.date],
                      districts: tuple[str, ...]) -> None:
    """Write ``by_district.parquet`` (whole-county values) from the job files, one job at
    a time."""
    _write_breakdown(run_dir / BY_DISTRICT_FILE, BY_DISTRICT_SCHEMA, BY_DISTRICT,
                     "district", districts, ensemble.names, ensemble.reps,
                     ensemble.by_district, dates)


def write_by_council(run_dir: Path, ensemble: Ensemble, dates: list[dt.date],
                     councils: tuple[str, ...]) -> None:
    """Write ``by_council.parquet`` (whole-region values) from the job files, one job at
    a time."""
    _write_breakdown(run_dir / BY_COUNCIL_FILE, BY_COUNCIL_SCHEMA, BY_COUNCIL, "council",
                     councils, ensemble.names, ensemble.reps, ensemble.by_council, dates)


def write_by_group(run_dir: Path, ensemble: Ensemble, dates: list[dt.date]) -> None:
    """Write ``by_group.parquet`` (whole-county values) and ``summary_by_group.csv``
    (``group_summary``) from the job files, one job at a time."""
    _write_breakdown(run_dir / BY_GROUP_FILE, BY_GROUP_SCHEMA, BY_GROUP, GROUP_COLUMN,
                     CLIENT_GROUPS, ensemble.names, ensemble.reps, ensemble.by_group, dates)
    _write_csv(run_dir / SUMMARY_BY_GROUP, group_summary(ensemble, dates))


def group_summary(ensemble: Ensemble, dates: list[dt.date]) -> pd.DataFrame:
    """The ``BY_GROUP`` metrics by client group, as ``summary.csv`` summarises the county:
    per scenario, metric, client group and financial year (and ``all``; not discounted),
    the mean, p5, p50 and p95 over replications. The groups add up to ``summary.csv``'s
    means; percentiles do not add up."""
    periods = Periods.of(dates)
    metrics = [BY_NAME[m] for m in BY_GROUP]
    rows = [m for m in metrics for _ in CLIENT_GROUPS]  # metric-major, as the arrays are
    names = ensemble.names
    by_rep = np.empty((len(names), ensemble.reps, len(metrics), len(CLIENT_GROUPS),
                       len(periods.labels)))
    for i, name in enumerate(names):
        for rep in range(ensemble.reps):
            values = ensemble.by_group(name, rep).reshape(len(rows), -1)
            by_rep[i, rep] = periods.aggregate(values, rows).reshape(by_rep.shape[2:])
    return summarise_split(by_rep, names, periods, metrics, GROUP_COLUMN, CLIENT_GROUPS)


def _write_breakdown(path: Path, schema: pa.Schema, metrics: tuple[str, ...], column: str,
                     labels: tuple[str, ...], names: list[str], reps: int,
                     values_of: Callable[[str, int], np.ndarray],
                     dates: list[dt.date]) -> None:
    """One long table of (metric x label x week) arrays, job by job."""
    weeks = len(dates)
    cells = len(metrics) * len(labels)
    columns = {
        "week": pa.array(np.tile(np.arange(weeks, dtype=np.int32), cells)),
        "date": pa.array(dates * cells, type=pa.date32()),
        "financial_year": pa.array([week_financial_year(d) for d in dates] * cells),
        "metric": pa.array(np.repeat(metrics, len(labels) * weeks)),
        column: pa.array(np.tile(np.repeat(labels, weeks), len(metrics))),
    }
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for name in names:
            for rep in range(reps):
                values = values_of(name, rep).reshape(-1)
                writer.write_table(pa.table({
                    "scenario": pa.array([name] * values.size, type=pa.string()),
                    "rep": pa.array(np.full(values.size, rep, dtype=np.int32)),
                    **columns, "value": pa.array(values, type=pa.float64()),
                }, schema=schema))


def write_comparison(run_dir: Path, comparison: Comparison) -> None:
    """Write ``summary.csv``, ``deltas.csv`` and ``decision.csv``, each atomically."""
    _write_csv(run_dir / SUMMARY, comparison.summary)
    _write_csv(run_dir / DELTAS, comparison.deltas)
    _write_csv(run_dir / DECISION, comparison.decision)


def _week_columns(dates: list[dt.date]) -> dict[str, pa.Array]:
    n_metrics = len(METRICS)
    return {
        "week": pa.array(np.tile(np.arange(len(dates), dtype=np.int32), n_metrics)),
        "date": pa.array(dates * n_metrics, type=pa.date32()),
        "financial_year": pa.array([week_financial_year(d) for d in dates] * n_metrics),
        "metric": pa.array(np.repeat([m.name for m in METRICS], len(dates))),
    }


def _long_table(scenario: str, rep: int, values: np.ndarray,
                week_columns: dict[str, pa.Array]) -> pa.Table:
    rows = values.size
    return pa.table({
        "scenario": pa.array([scenario] * rows, type=pa.string()),
        "rep": pa.array(np.full(rows, rep, dtype=np.int32)),
        "week": week_columns["week"],
        "date": week_columns["date"],
        "financial_year": week_columns["financial_year"],
        "metric": week_columns["metric"],
        "value": pa.array(values.reshape(-1), type=pa.float64()),
    }, schema=TIMESERIES_SCHEMA)


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


@dataclass
class RunResults:
    """A results folder read back: its manifest and tables (``summary_by_group``: None
    for a run made before results were recorded by client group)."""

    run_dir: Path
    manifest: dict[str, Any]
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    deltas: pd.DataFrame
    decision: pd.DataFrame
    summary_by_group: pd.DataFrame | None = None

    @property
    def scenarios(self) -> list[str]:
        """Scenario names, baseline first."""
        return list(self.manifest["scenarios"])


def read_manifest(run_dir: Path | str) -> dict[str, Any]:
    """The manifest of a completed run.

    Raises:
        InputError: the folder is missing, is not a results folder, or its run is not
            completed (saying how to complete it).
    """
    run_dir = Path(run_dir)
    manifest_path = run_dir / MANIFEST
    if not run_dir.is_dir():
        raise InputError(Problem(str(run_dir), "", "no such folder; give a run folder "
                                 "written by `caremarket run`, e.g. results/<run-id>"))
    if not manifest_path.is_file():
        raise InputError(Problem(str(run_dir), "", f"not a results folder (no {MANIFEST}); "
                                 "give a run folder written by `caremarket run`, e.g. "
                                 "results/<run-id>"))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(manifest_path), "", f"cannot read: {exc}")) from None
    if not isinstance(manifest, dict):
        raise InputError(Problem(str(manifest_path), "",
                                 "not a run manifest (expected a JSON object)"))
    if manifest.get("status") != "completed":
        error = f": {manifest['error']}" if manifest.get("error") else ""
        hint = (f"; if it stopped, complete it with: {manifest['reproduce']} --resume "
                f"{shlex.quote(str(run_dir))}" if manifest.get("reproduce") else "")
        raise InputError(Problem(str(manifest_path), "status",
                                 f"run is {manifest.get('status')!r}, not completed{error}"
                                 f"{hint}"))
    return manifest


def read_results(run_dir: Path | str, timeseries: bool = True) -> RunResults:
    """Read a completed results folder: its manifest, ``summary.csv``, ``deltas.csv``,
    ``decision.csv``, ``summary_by_group.csv`` when the run has one, and optionally
    ``timeseries.parquet``.

    Args:
        run_dir: the run folder.
        timeseries: also read ``timeseries.parquet`` (else an empty frame).

    Raises:
        InputError: the folder is not a completed run (names the missing file or status).
    """
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    missing = [n for n in (TIMESERIES, SUMMARY, DELTAS, DECISION)
               if not (run_dir / n).is_file()]
    if missing:
        rebuild = (f" (rebuild the comparison with: caremarket compare {run_dir})"
                   if TIMESERIES not in missing else "")
        raise InputError(Problem(str(run_dir), "", f"missing {', '.join(missing)}{rebuild}"))
    return RunResults(
        run_dir=run_dir, manifest=manifest,
        timeseries=pd.read_parquet(run_dir / TIMESERIES) if timeseries else pd.DataFrame(),
        summary=_read_csv(run_dir / SUMMARY), deltas=_read_csv(run_dir / DELTAS),
        decision=_read_csv(run_dir / DECISION),
        summary_by_group=_read_group_summary(run_dir / SUMMARY_BY_GROUP),
    )


def _read_group_summary(path: Path) -> pd.DataFrame | None:
    """``summary_by_group.csv``; None when the run has none (made before results were
    recorded by client group).

    Raises:
        InputError: the file is there but unreadable or lacks its columns (naming it).
    """
    if not path.is_file():
        return None
    try:
        table = _read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"unreadable: {exc}")) from None
    lacking = [c for c in GROUP_SUMMARY_COLUMNS if c not in table.columns]
    if lacking:
        raise InputError(Problem(str(path), "", f"not a summary by client group (no "
                                 f"{', '.join(lacking)} column); rerun the scenarios"))
    return table


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"financial_year": str})
