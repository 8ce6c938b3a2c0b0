"""Figures of a run, drawn from its saved results folder (never from a live model).

``write_figures(run_dir)`` writes into ``<run>/figures/``, each file atomically:

- ``fan_<metric>``: per scenario, the weekly median and p5-p95 band over replications,
  with intervention and change start dates marked (one per headline metric, or per
  ``metrics``);
- ``difference_<metric>``: the weekly mean paired difference against the baseline and its
  band;
- ``cost_outcome``: council cost change against wellbeing-weeks gained, one point per
  replication plus the mean (present values over the run);
- ``market_dynamics``: beds, occupancy, entries, exits, failures and vacancy rates;
- ``council_spend_components``: where the money goes, baseline against each scenario;
- ``need_by_district``: unmet need and people waiting by district, each scenario against
  the baseline (from ``by_district.parquet``);
- ``council_spend_by_group``: council spend and people on council-funded long-term
  support by client group, per scenario (from ``summary_by_group.csv``; not drawn for runs
  made before results were recorded by client group);
- ``<metric>_by_council``, only for a region of several councils: each of the metrics above
  that is recorded by council (``BY_COUNCIL``), one panel per council (from
  ``by_council.parquet``).

The chart functions in ``sim.figures.charts`` take ``load_run(run_dir, metrics)`` and return
matplotlib Figures, for notebooks and tests.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from ..errors import InputError, Problem
from ..fileio import atomic_path
from ..metrics import BY_COUNCIL, HEADLINE, INDEX
from ..results import read_manifest
from .charts import (
    FIGURE_METRICS,
    cost_outcome_plane,
    difference_chart,
    fan_chart,
    market_dynamics,
    spend_components,
)
from .councils import council_chart
from .data import RunData, load_run
from .districts import need_by_district
from .groups import GROUP_FIGURE, spend_by_group
from .style import RC

__all__ = ["FIGURES_FOLDER", "FORMATS", "RunData", "build_figures", "cost_outcome_plane",
           "council_chart", "difference_chart", "fan_chart", "load_run", "market_dynamics",
           "need_by_district", "spend_by_group", "spend_components", "write_figures"]

log = logging.getLogger(__name__)

FIGURES_FOLDER = "figures"
FORMATS = ("png", "svg", "pdf")
DEFAULT_FORMATS = ("png", "svg")
PNG_DPI = 200
METADATA = {"png": {"Software": "caremarket"}, "svg": {"Date": None},
            "pdf": {"CreationDate": None}}  # no timestamps: a rebuild gives the same file


def check_metrics(metrics: Iterable[str] | None) -> tuple[str, ...]:
    """The metrics to chart (default ``HEADLINE``); unknown names are an ``InputError``
    naming ``--metric``, with a did-you-mean and the valid names."""
    chosen = tuple(dict.fromkeys(metrics)) if metrics else HEADLINE
    problems = []
    for name in chosen:
        if name not in INDEX:
            close = difflib.get_close_matches(name, INDEX, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(Problem("--metric", "", f"unknown metric {name!r}{hint} Valid: "
                                    f"{', '.join(INDEX)}"))
    if problems:
        raise InputError(problems)
    return chosen


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The file formats to write; unknown ones are an ``InputError`` naming ``--format``."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(Problem("--format", "", f"unknown format(s) {', '.join(unknown)}; "
                                 f"valid: {', '.join(FORMATS)}"))
    return tuple(dict.fromkeys(formats))


def build_figures(data: RunData, metrics: Sequence[str]) -> dict[str, Callable[[], Figure]]:
    """Every figure of a run, by file stem, each built when called (comparisons only when
    the run has scenarios besides the baseline; figures by council only when its region
    has several councils; by client group only when the run recorded them)."""
    figures: dict[str, Callable[[], Figure]] = {
        f"fan_{m}": (lambda m=m: fan_chart(data, m)) for m in metrics}
    if data.others:
        figures |= {f"difference_{m}": (lambda m=m: difference_chart(data, m))
                    for m in metrics}
        figures["cost_outcome"] = lambda: cost_outcome_plane(data)
    figures["market_dynamics"] = lambda: market_dynamics(data)
    figures["council_spend_components"] = lambda: spend_components(data)
    if data.group_summary is not None:
        figures[GROUP_FIGURE] = lambda: spend_by_group(data)
    figures["need_by_district"] = lambda: need_by_district(data)
    if data.by_council:
        figures |= {f"{m}_by_council": (lambda m=m: council_chart(data, m))
                    for m in metrics if m in BY_COUNCIL}
    return figures


def write_figures(run_dir: Path | str, formats: Sequence[str] = DEFAULT_FORMATS,
                  metrics: Iterable[str] | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  on_figure: Callable[[str, Figure], None] | None = None) -> list[Path]:
    """Draw a completed run's figures from its results folder into ``<run>/figures/``.

    Everything is checked before anything is written; each file is written atomically.

    Args:
        run_dir: a run folder written by ``caremarket run``.
        formats: file formats, from ``FORMATS``.
        metrics: metrics of the fan and paired-difference charts (default ``HEADLINE``).
        progress: called as ``progress(done, total)`` after each figure.
        on_figure: called as ``on_figure(stem, figure)`` with each figure once saved (the
            report embeds them so, without drawing them again).

    Returns:
        The files written.

    Raises:
        InputError: unknown metric or format, or not a completed run folder (naming it).
    """
    problems = []
    for check, value in ((check_metrics, metrics), (check_formats, formats)):
        try:
            check(value)
        except InputError as exc:
            problems += exc.problems
    try:
        read_manifest(run_dir)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    chosen, formats = check_metrics(metrics), check_formats(formats)
    data = load_run(run_dir, (*chosen, *FIGURE_METRICS))
    figures = build_figures(data, chosen)
    folder = Path(run_dir) / FIGURES_FOLDER
    written = []
    for done, (stem, build) in enumerate(figures.items(), start=1):
        figure = build()
        written += save(figure, folder / stem, formats)
        if on_figure:
            on_figure(stem, figure)
        if progress:
            progress(done, len(figures))
    log.info("wrote %d figure files to %s", len(written), folder)
    return written


def save(figure: Figure, stem: Path, formats: Sequence[str]) -> list[Path]:
    """Write a figure as ``stem.<format>`` for each format, atomically; the paths."""
    paths = []
    with matplotlib.rc_context(RC):  # ticks are made, and SVG settings read, when drawn
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            with atomic_path(path) as tmp:
                figure.savefig(tmp, format=fmt, dpi=PNG_DPI, metadata=METADATA[fmt])
            paths.append(path)
    return paths
