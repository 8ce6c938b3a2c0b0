"""``caremarket sensitivity``: global sensitivity of the model's outputs to its parameters.

An output is a metric over the whole run for the whole county (the total of a flow, the
average of a stock or a ratio, as ``summary.csv``'s ``all``), or with a scenario the
paired change it makes against the baseline (``<metric>_change``). Every point of the
design runs with the same seed, that of replication 0 of ``caremarket run --seed``
(common random numbers), so differences between points are the parameters' doing, not
chance; the indices are therefore those of one draw of the model's randomness.

The folder (``<out>/<id>/``): ``manifest.json``, ``design.csv`` (one row per point),
``outputs.csv`` (each output at each point), ``indices.csv`` (per output and parameter:
the rank and the indices with their confidence intervals), ``summary.txt`` (a sentence
per output) and ``figures/`` (a ranked bar chart per output and, for Morris, the
mu*-sigma plot). Bad input writes nothing; the tables are written when every run is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd

from ..calendar import WEEKS_PER_YEAR
from ..executors import describe_executor
from ..fileio import write_text
from ..manifest import git_info, input_hashes, now
from ..metrics import BY_NAME, INDEX
from ..plan import parameter_files
from ..runner import Job, default_executor, replication_seeds, run_job
from ..scenario import baseline_scenario
from ..summary import scale_back
from . import sensitivity as salib
from .figures import morris_chart, ranked_chart, save_figure
from .manifest import finish_manifest, library_versions, write_manifest
from .outputs import write_csv
from .sensitivity_plan import CHANGE_SUFFIX, SensitivityPlan

Progress = Callable[[int, int], None]


def evaluate_model(plan: SensitivityPlan, points: np.ndarray, executor: Executor | None = None,
                   progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Each output at each point: one run per point (and one of the scenario), all with
    the same seed, on ``executor`` or the project's process pool (``plan.jobs`` workers)."""
    seed = replication_seeds(plan.seed, 1)[0]
    scenarios = [baseline_scenario()] + ([plan.scenario] if plan.scenario else [])
    jobs = [Job(s, i, seed, plan.space.apply(plan.params, point), plan.weeks, plan.scale,
                check=plan.check) for i, point in enumerate(points) for s in scenarios]
    totals = np.empty((len(points), len(scenarios), len(plan.metrics)))
    for done, (job, arrays) in enumerate(_run(jobs, executor, plan.jobs), start=1):
        county = scale_back(arrays["metrics"], plan.scale)
        totals[job.rep, scenarios.index(job.scenario)] = [_whole_run(county, m)
                                                          for m in plan.metrics]
        if progress is not None:
            progress(done, len(jobs))
    values = totals[:, -1] - totals[:, 0] if plan.scenario else totals[:, 0]
    return {name: values[:, i] for i, name in enumerate(plan.outputs)}


def _whole_run(county: np.ndarray, metric: str) -> float:
    weekly = county[INDEX[metric]]
    return float(weekly.sum() if BY_NAME[metric].aggregate == "sum" else weekly.mean())


def _run(jobs: list[Job], executor: Executor | None, workers: int):
    """Yield (job, arrays) as jobs finish, on an executor, a new pool, or this process."""
    if executor is None and workers == 1:
        for job in jobs:
            yield job, run_job(job).arrays
        return
    pool = executor or default_executor(workers)
    try:
        futures = {pool.submit(run_job, job): job for job in jobs}
        for future in as_completed(futures):
            yield futures[future], future.result().arrays
    finally:
        if executor is None:
            pool.shutdown(cancel_futures=True)


def describe(output: str, value: float) -> str:
    """A Morris mu* in its output's unit: £1.2m, 3,400 hours, 0.012."""
    unit = BY_NAME[output.removesuffix(CHANGE_SUFFIX)].unit
    if unit == "GBP":
        return f"£{value / 1e6:,.1f}m" if abs(value) >= 1e5 else f"£{value:,.0f}"
    if unit in ("ratio", "index"):
        return f"{value:.3g}"
    return f"{value:,.0f} {unit}" if abs(value) >= 100 else f"{value:.3g} {unit}"


def sensitivity(plan: SensitivityPlan, command: Sequence[str] = (),
                executor: Executor | None = None, progress: Progress | None = None) -> Path:
    """Run a checked sensitivity analysis and write its folder.

    Args:
        plan: from ``plan_sensitivity``.
        command: the command line, recorded in the manifest.
        executor: any ``concurrent.futures.Executor`` for the runs (not shut down), e.g.
            from ``sim.executors.open_executor``; default the project's process pool with
            ``plan.jobs`` workers, or this process when ``plan.jobs`` is 1.
        progress: called as ``progress(done, total)`` after each run.

    Returns:
        The folder.
    """
    from ..results import new_run_dir

    folder = new_run_dir(plan.out, plan.key)
    manifest = _manifest(plan, folder, command)
    manifest["executor"] = describe_executor(executor, plan.jobs)
    started = time.perf_counter()
    try:
        result = salib.run_sensitivity(
            plan.method, plan.space,
            lambda points: evaluate_model(plan, points, executor, progress), plan.n, plan.seed)
        _write(plan, folder, result)
    except BaseException as exc:
        finish_manifest(manifest, folder, started, exc)
        raise
    finish_manifest(manifest, folder, started, None)
    return folder


def _manifest(plan: SensitivityPlan, folder: Path, command: Sequence[str]) -> dict:
    manifest = {
        "kind": "sensitivity", "status": "running", "sensitivity_id": folder.name,
        "command": list(command), "reproduce": plan.reproduce(), "created": now(),
        "finished": None, "elapsed_s": None, "error": None, "versions": library_versions(),
        "git": git_info(), "parameters_fingerprint": plan.params.fingerprint(),
        "parameters_dir": str(plan.params_dir),
        "input_files": input_hashes(parameter_files(plan.params_dir)
                                    + ([Path(plan.scenario.file)] if plan.scenario else [])),
        "method": plan.method, "n": plan.n, "runs": plan.runs, "seed": plan.seed,
        "seed_scheme": "every point runs with SeedSequence(seed).spawn(1)[0] (common random "
                       "numbers); the design and bootstrap use seed",
        "scale": plan.scale, "weeks": plan.weeks, "metrics": list(plan.metrics),
        "outputs": plan.outputs, "scenario": plan.scenario.name if plan.scenario else None,
        "space": plan.space.plain(),
    }
    write_manifest(folder, manifest)
    return manifest


def _write(plan: SensitivityPlan, folder: Path, result: salib.SensitivityResult) -> None:
    design = pd.DataFrame(result.design, columns=plan.space.paths)
    write_csv(design.rename_axis("point").reset_index(), folder / "design.csv")
    write_csv(pd.DataFrame(result.outputs).rename_axis("point").reset_index(),
              folder / "outputs.csv")
    write_csv(result.indices, folder / "indices.csv")
    lines = [salib.sentence(plan.method, output, rows, lambda v, o=output: describe(o, v))
             for output, rows in result.indices.groupby("output", sort=False)]
    write_text(folder / "summary.txt", "\n".join(lines) + "\n")
    caption = (f"Source: caremarket sensitivity {folder.name}: {plan.method}, "
               f"{len(result.design)} runs of {plan.weeks / WEEKS_PER_YEAR:g} years at scale "
               f"{plan.scale:g}, one seed; bars: {salib.CONFIDENCE:.0%} confidence intervals.")
    for output, rows in result.indices.groupby("output", sort=False):
        metric = BY_NAME[output.removesuffix(CHANGE_SUFFIX)]
        title = metric.label.lower() + (f": change made by {plan.scenario.name}"
                                        if plan.scenario else "")
        save_figure(ranked_chart(rows, plan.method, title, metric.unit, caption),
                    folder / "figures" / f"ranked_{output}")
        if plan.method == "morris":
            save_figure(morris_chart(rows, title, metric.unit, caption),
                        folder / "figures" / f"morris_{output}")
