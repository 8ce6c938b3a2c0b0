"""The ``caremarket`` command line: parse options, call the ``sim`` API, print.

Only this module prints. Heavy imports (numpy, pandas, Mesa, the model) happen inside the
commands, so ``caremarket --help`` answers at once. Expected errors (bad scenario files,
options or parameters) print one ``Error:`` line per problem and exit with code 1;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import shlex
import sys
import time
from collections.abc import Callable
from typing import Any

import click

# Defaults of `caremarket run` (also documented in README.md; tests check they match
# sim.plan's, which cannot be imported here without slowing `--help`).
DEFAULT_REPS = 10
DEFAULT_SEED = 20250401
DEFAULT_JOBS = 1
DEFAULT_SCALE = 1.0
DEFAULT_OUT = "results"
# Defaults of `caremarket bench`.
BENCH_YEARS = 10
BENCH_REPS = 3
BENCH_SEED = 0
BENCH_LIBRARY = "scenarios"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
INTERRUPTED_EXIT_CODE = 130

_DEBUG = "caremarket.debug"
_ARGV = "caremarket.argv"


class CareMarketGroup(click.Group):
    """A group that turns expected errors into short messages and exit code 1."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        argv = list(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = 1
            raise
        ctx.meta[_ARGV] = argv
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = 1
            raise
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if ctx.meta.get(_DEBUG) or not _expected(exc):
                raise
            _print_error(exc)
            ctx.exit(1)


def _expected(exc: Exception) -> bool:
    from sim.errors import InputError
    from sim.runner import JobFailedError

    return isinstance(exc, (InputError, JobFailedError))


def _print_error(exc: Exception) -> None:
    from sim.errors import InputError

    if isinstance(exc, InputError):
        for problem in exc.problems:
            click.echo(f"Error: {problem}", err=True)
    else:
        click.echo(f"Error: {exc}", err=True)
        click.echo("Run with --debug to see the traceback.", err=True)


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_DEBUG] = True
        logging.getLogger("sim").setLevel(logging.DEBUG)


def debug_option(function: Callable) -> Callable:
    """``--debug``: show tracebacks and debug logs (on the group and on each command)."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
                        callback=_set_debug,
                        help="Show the full traceback of errors, and debug logs.")(function)


def params_option(function: Callable) -> Callable:
    """``--params DIR``: another parameter folder (e.g. a council's calibrated set)."""
    return click.option("--params", "params_dir", metavar="DIR", default=None,
                        type=click.Path(file_okay=False),
                        help="Parameter folder [default: the package's sim/params].")(function)


def region_option(function: Callable) -> Callable:
    """``--region NAME|DIR``: a region of several councils (a preset of ``sim.regions``)
    laid over the default parameters. The command then reads the preset's folder as its
    parameter folder, exactly as ``--params <preset folder>`` would (so run manifests and
    reproduce lines name the folder); giving both is an error."""

    @functools.wraps(function)
    def with_region(*args: Any, region: str | None = None, **kwargs: Any) -> Any:
        if region is not None:
            kwargs["params_dir"] = _region_folder(region, kwargs.get("params_dir"))
        return function(*args, **kwargs)

    return click.option("--region", metavar="NAME|DIR", default=None,
                        help="A region of several councils laid over the default "
                             "parameters: a preset's name (east_of_england) or a preset "
                             "folder [default: the default county].")(with_region)


def _region_folder(region: str, params_dir: str | None) -> str:
    from sim.errors import InputError, Problem
    from sim.regions import region_folder

    if params_dir is not None:
        raise InputError(Problem("--region", region, "give --region or --params, not both "
                                 "(a region preset is laid over the package's defaults)"))
    return str(region_folder(region))


def executor_options(function: Callable) -> Callable:
    """``--executor local|dask`` and ``--address``: where the jobs run. The command gets
    ``executor_for(jobs)``, a context manager that yields the executor (None: the local
    pool) and, for Dask, starts and stops a local cluster or connects to ``--address``."""

    @functools.wraps(function)
    def with_executor(*args: Any, executor_kind: str = "local", address: str | None = None,
                      **kwargs: Any) -> Any:
        if address is not None and executor_kind != "dask":
            raise click.UsageError("--address needs --executor dask (it is the address of "
                                   "a Dask scheduler, e.g. tcp://HOST:8786)")
        kwargs["executor_for"] = functools.partial(_open_executor, executor_kind, address)
        return function(*args, **kwargs)

    with_executor = click.option(
        "--address", default=None, metavar="tcp://HOST:PORT",
        help="A running Dask scheduler to send the jobs to (with --executor dask); its "
             "workers need this caremarket version [default: start a local cluster of "
             "--jobs workers].")(with_executor)
    return click.option(
        "--executor", "executor_kind", type=click.Choice(["local", "dask"]), default="local",
        show_default=True,
        help="Where jobs run: local processes, or a Dask cluster (results are identical)."
    )(with_executor)


def _open_executor(kind: str, address: str | None, jobs: int) -> Any:
    from sim.executors import open_executor

    if kind == "dask":
        click.echo(f"Connecting to the Dask scheduler at {address}" if address else
                   f"Starting a local Dask cluster of {jobs} worker processes", err=True)
    return open_executor(kind, address, jobs)


def check_option(function: Callable) -> Callable:
    """``--check``: assert the weekly invariants in every simulation."""
    return click.option(
        "--check", is_flag=True,
        help="Assert every week that people and money are conserved and nobody is in two "
             "places (10-15% slower); a failure stops that job with the week and the "
             "numbers. Results are the same either way.")(function)


def _with_check(plan: Any, check: bool) -> Any:
    """The plan with ``--check`` on; as it was without the flag (then the environment
    variable CAREMARKET_CHECK=1 still turns the checks on)."""
    return dataclasses.replace(plan, check=True) if check else plan


def years_option(function: Callable) -> Callable:
    """``--years``: the horizon (default: the parameter run.horizon_years)."""
    return click.option("--years", type=int, default=None,
                        help="Years to simulate, weekly [default: parameter "
                             "run.horizon_years].")(function)


def excel_option(function: Callable) -> Callable:
    """``--excel``: also write the run's tables as ``summary.xlsx``."""
    return click.option("--excel", is_flag=True,
                        help="Also write the tables (decision, headline, summary, "
                             "differences, by district) as summary.xlsx.")(function)


def scenario_targets(function: Callable) -> Callable:
    """Scenario files and folders (every *.yaml in a folder)."""
    return click.argument("targets", nargs=-1, required=True,
                          metavar="SCENARIO_OR_FOLDER...")(function)


def _version() -> str:
    from sim.manifest import caremarket_version

    return caremarket_version()


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"caremarket {_version()}")
        ctx.exit()


@click.group(cls=CareMarketGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version, help="Show the version and exit.")
@debug_option
def main() -> None:
    """caremarket: an agent-based model of a council's adult social care market.

    Try market-shaping interventions on a simulated market (scenario files) and compare
    outcomes and costs with the baseline, with uncertainty from replications.
    """
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", level=logging.WARNING)


@main.command()
@click.argument("targets", nargs=-1, metavar="[SCENARIO_OR_FOLDER]...")
@click.option("--reps", type=int, default=DEFAULT_REPS, show_default=True,
              help="Replications per scenario (replication r of every scenario shares "
                   "its random numbers).")
@years_option
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Base seed: replication r uses SeedSequence(seed).spawn(reps)[r].")
@click.option("--jobs", type=int, default=DEFAULT_JOBS, show_default=True,
              help="Worker processes (results do not depend on it).")
@click.option("--out", default=DEFAULT_OUT, show_default=True, type=click.Path(),
              help="Folder that receives the run folder <out>/<run-id>/.")
@click.option("--scale", type=float, default=DEFAULT_SCALE, show_default=True,
              help="Share of the county simulated (population and capacity alike); "
                   "results are scaled back to the whole county.")
@click.option("--set", "sets", multiple=True, metavar="PARAM=VALUE",
              help="Override a parameter for every scenario, the baseline included "
                   "(repeatable), e.g. --set commissioner.fee_homecare_hourly=26.5")
@click.option("--sweep", "sweeps", multiple=True, metavar="PARAM=V1,V2,...",
              help="Run each value of a parameter as a scenario (repeatable: the grid of "
                   "all combinations), e.g. --sweep commissioner.fee_homecare_hourly=25,27,29")
@click.option("--resume", type=click.Path(file_okay=False), default=None,
              help="Complete an interrupted run folder made from the same inputs.")
@click.option("--posterior", type=click.Path(file_okay=False), default=None,
              metavar="CALIB_DIR",
              help="Draw the calibrated parameters from a calibration's posterior: "
                   "replication r of every scenario gets the same draw, so the bands "
                   "include what we do not know about them.")
@click.option("--no-report", is_flag=True,
              help="Skip the figures and report.html (rebuild them later with `caremarket "
                   "plot` and `caremarket report`).")
@excel_option
@executor_options
@check_option
@region_option
@params_option
@debug_option
@click.pass_context
def run(ctx: click.Context, targets: tuple[str, ...], reps: int, years: int | None,
        seed: int, jobs: int, out: str, scale: float, sets: tuple[str, ...],
        sweeps: tuple[str, ...], resume: str | None, posterior: str | None, no_report: bool,
        excel: bool, params_dir: str | None, executor_for: Callable, check: bool) -> None:
    """Run scenarios against the baseline and write a results folder.

    SCENARIO_OR_FOLDER: scenario files, or folders meaning every *.yaml in them (optional
    with --sweep). The baseline is always included. Everything is checked before anything
    is written.
    """
    if not targets and not sweeps:
        raise click.UsageError("give scenario files or folders (e.g. scenarios/), or --sweep")
    from sim.plan import plan_run
    from sim.results import execute, open_run_dir
    from sim.runner import JobFailedError

    started = time.perf_counter()
    plan = plan_run(targets, reps=reps, years=years, seed=seed, scale=scale, jobs=jobs,
                    out=out, sets=sets, params_dir=params_dir,
                    resume=None if posterior else resume, sweeps=sweeps)
    if posterior:
        from sim.calibration.posterior import with_posterior

        plan = with_posterior(plan, posterior, resume=resume)
    plan = _with_check(plan, check)
    with executor_for(plan.jobs) as executor:
        run_dir = open_run_dir(plan)
        click.echo(f"Running {len(plan.scenarios)} scenarios x {plan.reps} replications, "
                   f"{_number(plan.years)} years from {plan.start} (scale {plan.scale:g}, "
                   f"{plan.jobs} worker{'s' if plan.jobs > 1 else ''}) into {run_dir}",
                   err=True)
        command = ["caremarket", *ctx.meta.get(_ARGV, [])]
        with ProgressBar(len(plan.scenarios) * plan.reps) as progress:
            try:
                execute(plan, command, executor=executor, progress=progress,
                        run_dir=run_dir)
            except KeyboardInterrupt:
                from sim.calibration.posterior import reproduce

                click.echo(f"\nInterrupted. Finished jobs are kept in {run_dir}; complete "
                           f"the run with:\n  {reproduce(plan)} --resume "
                           f"{shlex.quote(str(run_dir))}", err=True)
                ctx.exit(INTERRUPTED_EXIT_CODE)
            except JobFailedError:
                click.echo(f"The run failed; {run_dir / 'manifest.json'} records what ran.",
                           err=True)
                raise
    if not no_report:
        _write_figures_and_report(run_dir)
    if excel:
        _write_excel(run_dir)
    click.echo(f"Results: {run_dir}")
    if not no_report:
        click.echo(f"Report: {run_dir / 'report.html'}")
    if excel:
        click.echo(f"Tables: {run_dir / 'summary.xlsx'}")
    click.echo(f"Elapsed: {time.perf_counter() - started:.1f} s")
    click.echo("")
    click.echo(_headline_text(run_dir))


def _write_figures_and_report(run_dir: Any) -> None:
    """Figures into ``<run>/figures/`` (with a progress bar), then ``report.html``
    embedding the same figures."""
    from sim.figures import write_figures
    from sim.report import embed, write_report

    drawn = {}
    with ProgressBar(0, desc="Figures", unit="figure") as progress:
        write_figures(run_dir, progress=progress,
                      on_figure=lambda stem, figure: drawn.update({stem: embed(figure)}))
    click.echo("Writing report.html", err=True)
    write_report(run_dir, drawn)


def _write_excel(run_dir: Any) -> Any:
    """``summary.xlsx``: the run's tables as one workbook."""
    from sim.report.excel import write_excel

    click.echo("Writing summary.xlsx", err=True)
    return write_excel(run_dir)


@main.command()
@click.argument("run_dir", metavar="RUN_DIR")
@click.option("--baseline", default=None, metavar="NAME",
              help="Scenario of the run to compare against [default: the run's baseline].")
@click.option("--discount-rate", type=float, default=None, metavar="R",
              help="Yearly discount rate for present values, 0 <= R < 1 [default: the "
                   "run's parameter appraisal.discount_rate].")
@debug_option
@click.pass_context
def compare(ctx: click.Context, run_dir: str, baseline: str | None,
            discount_rate: float | None) -> None:
    """Rebuild the comparison of a completed run and print the ranking.

    RUN_DIR: a run folder written by `caremarket run`. Rewrites its deltas.csv,
    decision.csv and summary.csv (whose all_discounted rows depend on the discount rate)
    from timeseries.parquet, and records the settings in manifest.json under
    `comparison`.
    """
    from sim.compare import compare_run

    comparison = compare_run(run_dir, baseline=baseline, discount_rate=discount_rate,
                             command=["caremarket", *ctx.meta.get(_ARGV, [])])
    click.echo(f"Rewrote summary.csv, deltas.csv and decision.csv in {run_dir}")
    click.echo("")
    click.echo(format_ranking(comparison.decision))


@main.command()
@click.argument("run_dir", metavar="RUN_DIR")
@click.option("--metric", "metrics", multiple=True, metavar="M",
              help="Metric of the fan and paired-difference charts (repeatable) "
                   "[default: the headline metrics].")
@click.option("--format", "formats", multiple=True, metavar="png|svg|pdf",
              help="File format (repeatable) [default: png and svg].")
@debug_option
def plot(run_dir: str, metrics: tuple[str, ...], formats: tuple[str, ...]) -> None:
    """Rebuild the figures of a completed run from its saved results.

    RUN_DIR: a run folder written by `caremarket run`. Writes RUN_DIR/figures/: fan charts
    and paired differences against the baseline per metric, the cost-outcome plane,
    market dynamics, council spend by component, and unmet need and waiting.
    """
    from sim.figures import DEFAULT_FORMATS, write_figures

    started = time.perf_counter()
    paths = write_figures(run_dir, formats=formats or DEFAULT_FORMATS, metrics=metrics)
    click.echo(f"Wrote {len(paths)} files to {paths[0].parent if paths else run_dir}")
    click.echo(f"Elapsed: {time.perf_counter() - started:.1f} s")


@main.command()
@click.argument("run_dir", metavar="RUN_DIR")
@excel_option
@debug_option
def report(run_dir: str, excel: bool) -> None:
    """Rebuild report.html of a completed run from its saved results.

    RUN_DIR: a run folder written by `caremarket run`. Writes RUN_DIR/report.html, one
    self-contained page (figures embedded) to open in a browser, send or print to A4;
    with --excel also RUN_DIR/summary.xlsx.
    """
    from sim.report import write_report
    from sim.report.excel import write_excel

    started = time.perf_counter()
    path = write_report(run_dir)
    click.echo(f"Report: {path}")
    if excel:
        click.echo(f"Tables: {write_excel(run_dir)}")
    click.echo(f"Elapsed: {time.perf_counter() - started:.1f} s")


class ProgressBar:
    """A tqdm bar fed by ``progress(done, total)``; silent when stderr is not a terminal."""

    def __init__(self, total: int, desc: str = "Simulating", unit: str = "run"):
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit=unit, desc=desc, file=sys.stderr,
                        disable=not sys.stderr.isatty())

    def __enter__(self) -> Callable[[int, int], None]:
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


def _headline_text(run_dir: Any) -> str:
    from sim.metrics import HEADLINE
    from sim.results import read_results
    from sim.summary import PERIOD_ALL, headline

    results = read_results(run_dir, timeseries=False)
    first_year = results.summary.financial_year.iloc[0]
    periods = [first_year, PERIOD_ALL] if first_year != PERIOD_ALL else [PERIOD_ALL]
    table = headline(results.summary, results.deltas, HEADLINE, periods)
    return (format_headline(table, periods, results.manifest["reps"]) + "\n\n"
            + format_ranking(results.decision))


def format_headline(table: Any, periods: list[str], reps: int) -> str:
    """The headline table as text: a block per metric, a row per scenario."""
    names = {p: ("year 1 " if i == 0 and len(periods) > 1 else "") +
             (p if p != "all" else "whole run") for i, p in enumerate(periods)}
    width = max(len("scenario"), *(len(s) for s in table.scenario)) + 2
    header = "".ljust(width) + "".join(f"{names[p]:>16}{'change':>22}" for p in periods)
    lines = [f"Headline metrics: mean of {reps} replications; change = mean paired "
             "difference against baseline; flows are totals over the period, stocks and "
             "ratios its average.", header]
    for _metric, rows in table.groupby("metric", sort=False):
        first = rows.iloc[0]
        kind = "total" if first["aggregate"] == "sum" else "average"
        lines.append(f"{first['label']} ({first['unit']}, {kind})")
        for scenario, cells in rows.groupby("scenario", sort=False):
            line = f"  {scenario}".ljust(width)
            for period in periods:
                cell = cells[cells.financial_year == period].iloc[0]
                line += f"{_fmt(cell['mean'], cell['unit']):>16}{_change(cell):>22}"
            lines.append(line)
    return "\n".join(lines)


def format_ranking(decision: Any) -> str:
    """The ranking of ``decision.csv`` as text: a line per scenario, best first."""
    if decision.empty:
        return "Ranking: no scenario to rank (the run holds only the baseline)."
    first = decision.iloc[0]
    width = _name_width(decision)
    title = (f"Ranking against {first['baseline']} by net benefit (£"
             f"{first['wellbeing_week_value_gbp']:,.0f} for each wellbeing-week gained, minus "
             f"the extra public cost); money and wellbeing-weeks over the run, discounted at "
             f"{100 * first['discount_rate']:g}% a year; mean of {int(first['reps'])} "
             "replications; P = share of replications; risk = a stress test (not ranked).")
    header = (f"{'rank':>4}  {'scenario':<{width}}{'council cost':>14}{'wellbeing-weeks':>17}"
              f"{'council cost per':>18}{'net benefit':>13}  verdict; chances")
    units = f"{'':>4}  {'':<{width}}{'change':>14}{'gained':>17}{'wellbeing-week':>18}"
    lines = [title, header, units]
    for _, row in decision.iterrows():
        lines.append(_ranking_line(row, width))
    return "\n".join(lines)


def _name_width(decision: Any) -> int:
    return max(len("scenario"), *(len(s) for s in decision.scenario)) + 2


def _ranking_line(row: Any, width: int) -> str:
    cost = _millions(row["council_cost_change_gbp_mean"])
    gained = _fmt(row["wellbeing_weeks_gained_mean"], "wellbeing-weeks", signed=True)
    per_week = _pounds(row["council_cost_per_wellbeing_week_gbp"])
    chances = (f"P(cheaper) {_percent(row['prob_lower_council_cost'])}, "
               f"P(better) {_percent(row['prob_better_outcomes'])}, "
               f"P(both) {_percent(row['prob_both'])}, "
               f"P(net benefit > 0) {_percent(row['prob_positive_net_benefit'])}")
    rank = "risk" if row.get("stress_test", False) else f"{int(row['rank'])}"
    return (f"{rank:>4}  {row['scenario']:<{width}}{cost:>14}{gained:>17}"
            f"{per_week:>18}{_millions(row['net_benefit_gbp_mean']):>13}  {row['verdict']}; "
            f"{chances}")


def _millions(value: float) -> str:
    """GBP in millions, signed: +£12.3m, -£0.4m."""
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{sign}£{abs(value) / 1e6:,.1f}m"


def _pounds(value: float) -> str:
    """Whole pounds: £2,620, -£310; n/a for NaN."""
    if math.isnan(value):
        return "n/a"
    return f"{'-' if value < 0 else ''}£{abs(value):,.0f}"


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _number(value: float) -> str:
    return f"{value:g}"


def _fmt(value: float, unit: str, signed: bool = False) -> str:
    sign = "+" if signed and value > 0 else ""
    if value != value:  # NaN
        return "n/a"
    if value == 0:
        return "0"
    if unit == "GBP":
        for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if abs(value) >= size:
                return f"{sign}{'-' if value < 0 else ''}£{abs(value) / size:,.1f}{suffix}"
        return f"{sign}{'-' if value < 0 else ''}£{abs(value):,.0f}"
    if unit in ("ratio", "index") and abs(value) < 10:
        return f"{sign}{value:.3f}"
    return f"{sign}{value:,.0f}" if abs(value) >= 100 else f"{sign}{value:,.1f}"


def _change(cell: Any) -> str:
    change, pct = cell["change"], cell["change_pct"]
    if change != change:  # NaN: the baseline has no change
        return ""
    return _fmt(change, cell["unit"], signed=True) + ("" if pct != pct else f" ({pct:+.1f}%)")


@main.command()
@scenario_targets
@years_option
@region_option
@params_option
@debug_option
def validate(targets: tuple[str, ...], years: int | None, params_dir: str | None) -> None:
    """Check scenario files and report every problem in every file.

    Exits with code 1 if any file has a problem.
    """
    from sim.plan import check_scenarios

    files, scenarios = check_scenarios(targets, years=years, params_dir=params_dir)
    changes = sum(len(s.changes) for s in scenarios)
    click.echo(f"OK: {len(files)} file{'s' if len(files) != 1 else ''}, "
               f"{len(scenarios)} scenarios (baseline included), "
               f"{changes} parameter change{'s' if changes != 1 else ''}.")


@main.command()
@click.option("--markdown", is_flag=True, help="Print the README's Markdown list.")
@debug_option
def interventions(markdown: bool) -> None:
    """List the interventions scenario files can use, with their arguments."""
    from sim.policies import REGISTRY, catalogue_markdown
    from sim.policies.registry import arg_names

    if markdown:
        click.echo(catalogue_markdown(), nl=False)
        return
    for name in sorted(REGISTRY):
        cls = REGISTRY[name]
        click.echo(f"{name}\n  {cls.summary}\n  arguments: {arg_names(cls)}")
    click.echo("\nArguments and defaults in full: caremarket interventions --markdown")


@main.command()
@click.argument("prefix", required=False, default="")
@region_option
@params_option
@debug_option
def params(prefix: str, params_dir: str | None) -> None:
    """List parameters: path, value, unit, status and source.

    PREFIX limits the list to paths starting with it, e.g. `caremarket params charging`.
    """
    from sim.paramtable import parameter_rows

    rows = parameter_rows(prefix, params_dir)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join(cells + [row[-1]]).rstrip())


@main.command()
@click.option("--size", default="county", show_default=True, metavar="NAME",
              help="How many counties' worth of residents (sizes of sim.bench.SIZES): small "
                   "(a tenth of the county), county, region (the East of England's councils, "
                   "scaled to about 10 counties' worth) or large (about 40).")
@click.option("--years", type=int, default=BENCH_YEARS, show_default=True,
              help="Years per replication.")
@click.option("--reps", type=int, default=BENCH_REPS, show_default=True,
              help="Replications to time in each pass.")
@click.option("--seed", type=int, default=BENCH_SEED, show_default=True, help="Base seed.")
@click.option("--scale", type=float, default=None,
              help="Share of the parameters' population simulated (the county's, or the "
                   "region's with --region or --size region|large), instead of --size's "
                   "(e.g. 4 for four counties' worth of residents).")
@click.option("--library", type=click.Path(file_okay=False), default=None,
              help=f"Scenario folder whose policies' interventions are all switched on in "
                   f"a second pass [default: {BENCH_LIBRARY}/ if it exists].")
@click.option("--baseline-only", is_flag=True, help="Skip the second pass.")
@click.option("--per-agent", "per_agent_weeks", type=int, default=None, metavar="WEEKS",
              help="Also time WEEKS weeks of one replication with the per-agent Mesa peer "
                   "(bench/per_agent.py; slow: about 10 microseconds per resident-week) and "
                   "print how many times faster the engine is.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the figures to this JSON file.")
@region_option
@params_option
@debug_option
def bench(size: str, years: int, reps: int, seed: int, scale: float | None,
          library: str | None, baseline_only: bool, per_agent_weeks: int | None,
          json_path: str | None, params_dir: str | None) -> None:
    """Time whole replications of the default baseline on one core.

    Runs in this process, one replication after another, with numerical libraries held
    to one thread: the baseline, then the baseline with every intervention of the
    scenario library's policies on. Prints wall seconds per replication, resident-weeks
    per second, the share of each phase of the weekly step, and peak memory.
    """
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
    from sim.bench import bench_setup, benchmark
    from sim.calendar import WEEKS_PER_YEAR
    from sim.errors import InputError
    from sim.fileio import write_json
    from sim.plan import whole_problems

    if per_agent_weeks is not None and whole_problems("--per-agent", per_agent_weeks):
        raise InputError(whole_problems("--per-agent", per_agent_weeks))

    if library is None and not baseline_only and os.path.isdir(BENCH_LIBRARY):
        library = BENCH_LIBRARY
    setup = bench_setup(size, scale, params_dir, years, reps)
    click.echo(f"Benchmark: {size if scale is None else 'scale'} ({setup.describe()}), "
               f"{years} years ({years * WEEKS_PER_YEAR} weeks), {reps} replications a pass, "
               "one process", err=True)
    result = benchmark(size=size, years=years, reps=reps, seed=seed, scale=scale,
                       library=None if baseline_only else library, params_dir=params_dir,
                       setup=setup)
    for one in result.passes:
        click.echo(f"{one.scenario}:")
        click.echo(f"  wall time per replication: {one.median_s:.2f} s median "
                   f"(range {min(one.wall_s):.2f} to {max(one.wall_s):.2f} s)")
        click.echo(f"  resident-weeks per second: {one.resident_weeks_per_s:,.0f}")
        shares = sorted(one.phase_shares.items(), key=lambda item: -item[1])
        click.echo("  time by phase:             " +
                   ", ".join(f"{name} {share:.0%}" for name, share in shares))
    figures = result.to_dict()
    if per_agent_weeks is not None:
        figures["per_agent"] = _per_agent_ratio(setup.scale, per_agent_weeks, seed,
                                                setup.params)
    rss = "n/a" if result.peak_rss_mb is None else f"{result.peak_rss_mb:,.0f} MB"
    click.echo(f"peak memory (RSS):           {rss}")
    if json_path:
        write_json(json_path, figures)
        click.echo(f"Wrote {json_path}")


def _per_agent_ratio(scale: float, weeks: int, seed: int, params: Any) -> dict:
    """Time the engine and the per-agent peer on one replication and print the ratio."""
    from bench.per_agent import speed_ratio
    from sim.errors import InputError, Problem

    click.echo(f"Per-agent peer: {weeks} weeks at scale {scale:g}", err=True)
    figures = speed_ratio(scale, weeks, seed, params)
    if not figures["identical"]:
        raise InputError(Problem("--per-agent", "", "the per-agent peer's metrics differ "
                                 "from the engine's: one of them has a bug"))
    engine, peer = figures["engine"], figures["per_agent"]
    click.echo(f"per-agent peer (identical metrics): {peer['resident_weeks_per_s']:,.0f} "
               f"resident-weeks per second against the engine's "
               f"{engine['resident_weeks_per_s']:,.0f}: the engine is "
               f"{figures['ratio']:,.0f} times faster ({figures['rule_ratio']:,.0f} times on "
               "the resident rules alone)")
    return figures


# Defaults of `caremarket calibrate` and `caremarket sensitivity` (tests check they match
# sim.calibration's, which cannot be imported here without slowing `--help`).
CALIBRATE_PARTICLES = 100
CALIBRATE_GENERATIONS = 5
CALIBRATE_SCALE = 0.1
CALIBRATE_OUT = "results/calibrations"
SENSITIVITY_YEARS = 5
SENSITIVITY_SCALE = 0.1
SENSITIVITY_OUT = "results/sensitivity"


def paths_options(verb: str, default: str) -> Callable:
    """``--params a,b`` and ``--params-file F``: the parameters to vary."""
    def decorate(function: Callable) -> Callable:
        function = click.option("--params-file", type=click.Path(dir_okay=False),
                                default=None, metavar="FILE",
                                help=f"A YAML list of the parameters to {verb}, instead of "
                                     "--params.")(function)
        return click.option("--params", "param_paths", default=None, metavar="A,B,...",
                            help=f"Parameters to {verb}, comma-separated paths (see "
                                 f"`caremarket params`) [default: {default}].")(function)
    return decorate


def params_dir_option(function: Callable) -> Callable:
    """``--params-dir DIR``: the parameter folder (``--params`` names parameters here)."""
    return click.option("--params-dir", "params_dir", metavar="DIR", default=None,
                        type=click.Path(file_okay=False),
                        help="Parameter folder [default: the package's sim/params].")(function)


@main.command()
@click.argument("targets_file", metavar="TARGETS")
@paths_options("calibrate", "the targets file's `parameters:`")
@click.option("--particles", type=int, default=CALIBRATE_PARTICLES, show_default=True,
              help="Particles in each generation of ABC-SMC.")
@click.option("--generations", type=int, default=CALIBRATE_GENERATIONS, show_default=True,
              help="Generations to reach; each narrows the acceptance threshold (a resumed "
                   "calibration continues to this many).")
@click.option("--jobs", type=int, default=DEFAULT_JOBS, show_default=True,
              help="Worker processes (the posterior does not depend on it).")
@click.option("--out", default=CALIBRATE_OUT, show_default=True, type=click.Path(),
              help="Folder that receives the calibration folder <out>/<id>/.")
@click.option("--scale", type=float, default=CALIBRATE_SCALE, show_default=True,
              help="Share of the county simulated; figures are scaled back to the county.")
@click.option("--years", type=float, default=None,
              help="Years simulated [default: to the end of the last target's period].")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Base seed: the same seed and inputs give the same posterior.")
@click.option("--resume", type=click.Path(file_okay=False), default=None,
              help="Continue a stopped calibration folder (same inputs) from its last "
                   "finished generation.")
@executor_options
@check_option
@params_dir_option
@debug_option
@click.pass_context
def calibrate(ctx: click.Context, targets_file: str, param_paths: str | None,
              params_file: str | None, particles: int, generations: int, jobs: int,
              out: str, scale: float, years: float | None, seed: int, resume: str | None,
              params_dir: str | None, executor_for: Callable, check: bool) -> None:
    """Fit parameters to a council's own figures (ABC-SMC with pyabc).

    TARGETS: a targets file (calibration/*.yaml): observed figures with their periods,
    uncertainties and sources. Priors are uniform over the parameters' plausible ranges.
    Writes a calibration folder: posterior.csv (draws and weights), fit.csv,
    parameters.csv, figures/, calibrated.yaml, params/ (for `run --params`) and
    manifest.json; `run --posterior <folder>` carries the posterior into a comparison.
    """
    from sim.calibration.plan import plan_calibration

    started = time.perf_counter()
    plan = plan_calibration(targets_file, paths=param_paths, paths_file=params_file,
                            particles=particles, generations=generations, jobs=jobs,
                            out=out, scale=scale, years=years, seed=seed,
                            params_dir=params_dir, resume=resume)
    plan = _with_check(plan, check)
    from sim.calibration.abc import calibrate as run_calibration
    from sim.calibration.abc import open_folder

    with executor_for(plan.jobs) as executor:
        folder = open_folder(plan)
        click.echo(f"Calibrating {len(plan.space)} parameters to {len(plan.targets.fitted)} "
                   f"targets of {plan.targets.file}: {plan.particles} particles, "
                   f"{plan.generations} generations, {plan.weeks} weeks at scale "
                   f"{plan.scale:g}, {plan.jobs} worker{'s' if plan.jobs > 1 else ''}, into "
                   f"{folder}", err=True)
        try:
            run_calibration(plan, ["caremarket", *ctx.meta.get(_ARGV, [])],
                            executor=executor, progress=_generation_line, folder=folder)
        except KeyboardInterrupt:
            click.echo(f"\nInterrupted. Finished generations are kept in {folder}; continue "
                       f"with:\n  {plan.reproduce()} --resume {shlex.quote(str(folder))}",
                       err=True)
            ctx.exit(INTERRUPTED_EXIT_CODE)
    _print_calibration(folder)
    click.echo(f"Calibration: {folder}")
    click.echo(f"Elapsed: {time.perf_counter() - started:.1f} s")


def _generation_line(generation: Any, generations: int) -> None:
    click.echo(f"Generation {generation.t + 1}/{generations}: threshold "
               f"{generation.epsilon:.3g} standard deviations, {generation.accepted} accepted "
               f"of {generation.simulations} runs, ESS {generation.ess:.0f}, "
               f"{generation.seconds:.0f} s", err=True)


def _print_calibration(folder: Any) -> None:
    import pandas as pd

    from sim.calibration.text import fit_rows, parameter_rows, plain_table

    click.echo("Parameters (prior range, posterior median and 90% interval):")
    click.echo(plain_table(parameter_rows(pd.read_csv(folder / "parameters.csv"))))
    click.echo("")
    click.echo("Fit (calibrated: the last generation's runs; fits: median within 2 standard "
               "deviations of the observed figure; z in standard deviations):")
    click.echo(plain_table(fit_rows(pd.read_csv(folder / "fit.csv"))))


@main.command()
@click.option("--method", type=click.Choice(["morris", "sobol"]), default="morris",
              show_default=True,
              help="morris: screening, n x (k+1) runs; sobol: variance shares, n x (k+2) runs.")
@click.option("--metrics", default=None, metavar="M,...",
              help="Outputs, comma-separated metric names [default: council_spend, "
                   "unmet_need_hours, provider_exits, people_waiting], each over the run.")
@click.option("--scenario", default=None, metavar="FILE|NAME",
              help="Make the outputs the paired change this scenario makes against the "
                   "baseline.")
@paths_options("vary", "every assumption but those only interventions read")
@click.option("--n", type=int, default=None,
              help="Morris trajectories [10] or Sobol base samples, a power of two [64].")
@click.option("--years", type=float, default=SENSITIVITY_YEARS, show_default=True,
              help="Years simulated at each point.")
@click.option("--scale", type=float, default=SENSITIVITY_SCALE, show_default=True,
              help="Share of the county simulated; outputs are scaled back to the county.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Seed of the design and of every run (the same at every point).")
@click.option("--jobs", type=int, default=DEFAULT_JOBS, show_default=True,
              help="Worker processes.")
@click.option("--out", default=SENSITIVITY_OUT, show_default=True, type=click.Path(),
              help="Folder that receives the analysis folder <out>/<id>/.")
@executor_options
@check_option
@params_dir_option
@debug_option
@click.pass_context
def sensitivity(ctx: click.Context, method: str, metrics: str | None, scenario: str | None,
                param_paths: str | None, params_file: str | None, n: int | None,
                years: float, scale: float, seed: int, jobs: int, out: str,
                params_dir: str | None, executor_for: Callable, check: bool) -> None:
    """Which parameters matter: global sensitivity analysis with SALib.

    Varies parameters over their plausible ranges and writes indices.csv (indices with
    confidence intervals), summary.txt (a sentence per output naming the parameters that
    matter), figures/ (ranked bars; for Morris the mu*-sigma plot), design.csv,
    outputs.csv and manifest.json.
    """
    from sim.calibration.sensitivity_plan import plan_sensitivity
    from sim.calibration.study import sensitivity as run_sensitivity

    started = time.perf_counter()
    plan = plan_sensitivity(method=method, metrics=metrics, scenario=scenario,
                            paths=param_paths, paths_file=params_file, n=n, out=out,
                            scale=scale, years=years, seed=seed, jobs=jobs,
                            params_dir=params_dir)
    plan = _with_check(plan, check)
    click.echo(f"Sensitivity ({plan.method}, n {plan.n}): {len(plan.space)} parameters, "
               f"{plan.runs} runs of {_number(plan.weeks / 52)} years at scale {plan.scale:g} "
               f"on {plan.jobs} worker{'s' if plan.jobs > 1 else ''}", err=True)
    with executor_for(plan.jobs) as executor, ProgressBar(plan.runs) as progress:
        folder = run_sensitivity(plan, ["caremarket", *ctx.meta.get(_ARGV, [])],
                                 executor=executor, progress=progress)
    click.echo((folder / "summary.txt").read_text(encoding="utf-8"))
    click.echo(f"Sensitivity: {folder}")
    click.echo(f"Elapsed: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
