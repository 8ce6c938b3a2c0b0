"""``report.html``: one self-contained page that a report writer can send as it is.

``write_report(run_dir)`` reads a completed results folder (never a live model) and writes
``<run>/report.html`` atomically: a plain-language summary of the ranking with its
uncertainty, the decision table, each scenario, the headline tables, the figures (PNG
embedded as ``data:`` URIs), the assumptions that drive the result and a reproducibility
box. For a region of several councils it adds the results by council after the headline
tables (``sim.report.breakdown``), and the figures by council. For a run that recorded
results by client group (``summary_by_group.csv``) it adds them next, with their figure
(``sim.report.groups``); older runs lack the file and report without them. Inline CSS only
(no fonts, scripts or links), readable on a phone, printable to A4. Every number comes from
the results folder.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from PIL import Image

from ..errors import InputError, Problem
from ..figures import build_figures, load_run
from ..figures.charts import FIGURE_METRICS
from ..figures.groups import GROUP_FIGURE
from ..figures.style import RC
from ..fileio import atomic_path
from ..metrics import HEADLINE
from ..results import PARAMETERS_FILE, SCENARIOS_FOLDER, RunResults, read_results
from ..summary import PERIOD_ALL, headline
from ..yamlio import load_yaml
from . import sections, text
from .assumptions import assumptions_section, intervention_defaults
from .breakdown import council_table
from .groups import WORKING_AGE_SWITCH, group_section
from .page import page

__all__ = ["REPORT", "EmbeddedFigure", "embed", "render_report", "write_report"]

log = logging.getLogger(__name__)

REPORT = "report.html"
REPORT_PNG_DPI = 110  # sharp on screens and A4, small enough to email
REPORT_PNG_COLOURS = 128  # charts need few colours; a 20-scenario report stays ~3 MB


@dataclass(frozen=True)
class EmbeddedFigure:
    """A figure ready for the page."""

    uri: str  # data:image/png;base64,...
    caption: str


@dataclass
class ReportInputs:
    """What the report reads from a results folder."""

    results: RunResults
    documents: list[dict[str, Any]]  # scenarios/<name>.yaml, in run order
    parameters: dict[str, Any]  # scenarios/parameters.json


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(Problem(str(path), "", "missing; the results folder is "
                                 "incomplete")) from None
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), "", f"unreadable: {exc}")) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(Problem(str(path), "", "missing; the results folder is "
                                 "incomplete"))
    document = load_yaml(path)
    if not isinstance(document, dict) or "name" not in document:
        raise InputError(Problem(str(path), "", "not a saved scenario document"))
    return document


def read_inputs(run_dir: Path | str) -> ReportInputs:
    """Read and check everything the report needs.

    Raises:
        InputError: not a completed run, or a file is missing or unreadable (naming it).
    """
    try:
        results = read_results(run_dir, timeseries=False)
    except (ValueError, OSError) as exc:  # a corrupt manifest or table
        raise InputError(Problem(str(run_dir), "", f"unreadable results: {exc}")) from None
    folder = results.run_dir / SCENARIOS_FOLDER
    documents = [_read_yaml(folder / f"{name}.yaml") for name in results.scenarios]
    return ReportInputs(results, documents, _read_json(folder / PARAMETERS_FILE))


def comparison_baseline(results: RunResults) -> str:
    """The scenario the run's comparison tables are against."""
    return str(results.manifest.get("comparison", {}).get("baseline")
               or results.manifest["scenarios"][0])


def reporting_periods(summary: pd.DataFrame) -> list[str]:
    """The periods the headline tables show: the first financial year and the whole run."""
    first = str(summary.financial_year.iloc[0])
    return [first, PERIOD_ALL] if first != PERIOD_ALL else [PERIOD_ALL]


def embed(figure: matplotlib.figure.Figure) -> EmbeddedFigure:
    """A figure as the report shows it: a PNG ``data:`` URI and its caption."""
    drawn = io.BytesIO()
    with matplotlib.rc_context(RC):
        figure.savefig(drawn, format="png", dpi=REPORT_PNG_DPI,
                       metadata={"Software": "caremarket"})
    drawn.seek(0)
    with Image.open(drawn) as image:  # a palette of REPORT_PNG_COLOURS: a third the size
        small = image.convert("RGB").quantize(REPORT_PNG_COLOURS,
                                              method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    lines = [t.get_text() for t in figure.texts if t.get_gid() == "caption"]
    return EmbeddedFigure(uri, " ".join(" ".join(lines).split()))


def draw_figures(run_dir: Path) -> dict[str, EmbeddedFigure]:
    """Every figure of the run, by file stem, drawn from the results folder and embedded."""
    data = load_run(run_dir, (*HEADLINE, *FIGURE_METRICS))
    return {stem: embed(build()) for stem, build in build_figures(data, HEADLINE).items()}


def figures_section(run_dir: Path, drawn: dict[str, EmbeddedFigure] | None = None) -> str:
    """Every figure of the run, embedded as PNG: ``drawn`` (by file stem, as ``embed``
    made them while writing ``figures/``), else drawn here from the results folder."""
    drawn = draw_figures(run_dir) if drawn is None else drawn
    return "".join(sections.figure_block(f.uri, f.caption, stem) for stem, f in drawn.items())


def _group_part(inputs: ReportInputs, drawn: dict[str, EmbeddedFigure], periods: list[str]
                ) -> list[tuple[str, str, str]]:
    """The section by client group, holding its figure (taken out of ``drawn``); none for
    a run made before results were recorded by client group."""
    results = inputs.results
    figure = drawn.pop(GROUP_FIGURE, None)
    if results.summary_by_group is None:
        return []
    switch = (inputs.parameters.get("values") or {}).get(WORKING_AGE_SWITCH)
    block = "" if figure is None else sections.figure_block(figure.uri, figure.caption,
                                                            GROUP_FIGURE)
    return [("groups", "Results by client group", group_section(
        results.summary_by_group, results.summary, periods, int(results.manifest["reps"]),
        None if switch is None else bool(switch), block))]


def _section_list(inputs: ReportInputs,
                  drawn: dict[str, EmbeddedFigure] | None) -> list[tuple[str, str, str]]:
    results = inputs.results
    manifest, reps = results.manifest, int(results.manifest["reps"])
    periods = reporting_periods(results.summary)
    table = headline(results.summary, results.deltas, HEADLINE, periods)
    defaults = {d["name"]: {e["which"]: intervention_defaults(e["which"])
                            for e in d.get("interventions") or []} for d in inputs.documents}
    fingerprint = inputs.parameters.get("fingerprint") or manifest["parameters_fingerprint"]
    summary = ('<div class="summary">' + sections.paragraphs(
        text.summary_paragraphs(results.decision, reps)) + "</div>")
    baseline = comparison_baseline(results)
    by_council = council_table(results.run_dir, baseline)
    councils = [] if by_council is None else [
        ("councils", "Results by council", sections.council_tables(
            by_council, results.summary, results.deltas, baseline, reps))]
    drawn = dict(draw_figures(results.run_dir) if drawn is None else drawn)
    groups = _group_part(inputs, drawn, periods)
    return [
        ("summary", "Summary", summary),
        ("decision", "Decision table", sections.decision_table(results.decision)),
        ("scenarios", "Scenarios", "".join(sections.scenario_block(d, defaults[d["name"]])
                                           for d in inputs.documents)),
        ("headline", "Headline tables", sections.headline_table(table, periods, reps)),
        *councils,
        *groups,
        ("figures", "Figures", figures_section(results.run_dir, drawn)),
        ("assumptions", "Assumptions that drive the result",
         assumptions_section(inputs.documents, inputs.parameters, manifest)),
        ("reproducibility", "Reproducibility", sections.reproducibility(manifest,
                                                                        fingerprint)),
    ]


def render_report(run_dir: Path | str,
                  drawn: dict[str, EmbeddedFigure] | None = None) -> str:
    """The report of a completed run as an HTML document (``drawn``: the figures, if
    already drawn with ``embed``).

    Raises:
        InputError: not a completed run, or a file is missing or unreadable (naming it).
    """
    inputs = read_inputs(run_dir)
    manifest = inputs.results.manifest
    subtitle = (f"Run {manifest.get('run_id')}: {len(manifest['scenarios'])} scenarios "
                f"(baseline included), {manifest['reps']} replications, {manifest['years']} "
                f"years from {manifest['start_date']}, scale {manifest['scale']}.")
    return page("Care market scenarios: results", subtitle, _section_list(inputs, drawn))


def write_report(run_dir: Path | str,
                 drawn: dict[str, EmbeddedFigure] | None = None) -> Path:
    """Write ``<run>/report.html`` atomically from a completed results folder; its path.
    ``drawn``: the figures, if already drawn with ``embed`` (else drawn here).

    Nothing is written unless everything could be read and drawn.

    Raises:
        InputError: not a completed run, or a file is missing or unreadable (naming it).
    """
    document = render_report(run_dir, drawn)
    path = Path(run_dir) / REPORT
    with atomic_path(path) as tmp:
        tmp.write_text(document, encoding="utf-8")
    log.info("wrote %s", path)
    return path
