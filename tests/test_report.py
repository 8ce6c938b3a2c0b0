"""report.html from a saved results folder (sim/report/) and `caremarket report`.

One tiny real run; the tests parse the page with the standard library's HTML parser and
check it against the folder's files.
"""

from __future__ import annotations

import base64
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import SMALL_RUN

import cli
from sim.dims import CLIENT_GROUPS
from sim.errors import InputError
from sim.figures.groups import group_label
from sim.report import REPORT, write_report
from sim.report import text as report_text
from sim.report.groups import group_section
from sim.report.sections import decision_rows

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
REPS = SMALL_RUN["reps"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXTERNAL = ("http://", "https://", "//")


class Page(HTMLParser):
    """Elements' attributes, each section's text, and table rows by section."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.sections: dict[str, list[str]] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self.styles: list[str] = []
        self.section: str | None = None
        self.cell: list[str] | None = None
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "section":
            self.section = attributes.get("id")
            self.sections[self.section] = []
            self.rows[self.section] = []
        elif tag == "tr" and self.section:
            self.rows[self.section].append([])
        elif tag in ("td", "th"):
            self.cell = []
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.section:
            self.rows[self.section][-1].append("".join(self.cell).strip())
            self.cell = None
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.styles.append(data)
        if self.cell is not None:
            self.cell.append(data)
        if self.section:
            self.sections[self.section].append(data)

    def text(self, section: str) -> str:
        return " ".join(" ".join(self.sections[section]).split())


@pytest.fixture(scope="module")
def run_dir(small_run) -> Path:
    return small_run


@pytest.fixture(scope="module")
def report(run_dir) -> Path:
    return write_report(run_dir)


@pytest.fixture(scope="module")
def page(report) -> Page:
    parser = Page()
    parser.feed(report.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def decision(run_dir) -> pd.DataFrame:
    return pd.read_csv(run_dir / "decision.csv")


@pytest.fixture(scope="module")
def documents(run_dir) -> list[dict]:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    return [yaml.safe_load((run_dir / "scenarios" / f"{n}.yaml").read_text())
            for n in manifest["scenarios"]]


def test_the_report_is_written_beside_the_results_without_temporary_files(run_dir, report):
    assert report == run_dir / REPORT
    assert not list(run_dir.glob(".*.tmp"))


def test_sections_come_in_order(page):
    assert list(page.sections) == ["summary", "decision", "scenarios", "headline", "groups",
                                   "figures", "assumptions", "reproducibility"]


def test_the_page_is_self_contained(page):
    for tag, attributes in page.tags:
        for name in ("src", "href"):
            assert not attributes.get(name, "").startswith(EXTERNAL), (tag, attributes)
        assert tag not in ("script", "link", "iframe"), tag


def test_every_image_is_an_embedded_png(page):
    images = [a for tag, a in page.tags if tag == "img"]
    assert images
    for attributes in images:
        prefix = "data:image/png;base64,"
        assert attributes["src"].startswith(prefix)
        assert base64.b64decode(attributes["src"][len(prefix):]).startswith(PNG_SIGNATURE)
        assert attributes["alt"]


def test_figures_have_their_captions(page):
    captions = [a for tag, a in page.tags if tag == "figcaption"]
    assert len(captions) == len([a for tag, a in page.tags if tag == "img"])
    assert "Source: caremarket run" in page.text("figures")


def test_the_summary_names_every_scenario_and_its_uncertainty(page, decision):
    summary = page.text("summary")
    for _, row in decision.iterrows():
        assert row["scenario"] in summary and row["label"] in summary
    assert f"over {REPS} replications" in summary
    assert "90% range" in summary
    assert "Stress tests are risks, not options" in summary


def test_the_decision_table_matches_decision_csv(page, decision):
    rows = page.rows["decision"]
    assert len(rows) == 1 + len(decision)  # heading row
    assert rows[0][:4] == ["Rank", "Scenario", "Verdict", "Council cost change, £m (mean)"]
    assert rows[1:] == decision_rows(decision)
    assert rows[1][0] == "1" and rows[2][0] == "risk"  # the stress test is not ranked


def test_each_scenario_is_described_with_its_interventions_and_sources(page, documents):
    scenarios = page.text("scenarios")
    for document in documents:
        assert " ".join(document["description"].split()) in scenarios
        for source in document["sources"]:
            assert " ".join(source.split()) in scenarios
        for entry in document["interventions"]:
            assert entry["which"] in scenarios and entry["from"] in scenarios


def test_headline_tables_show_year_one_and_the_whole_run(page):
    headings = page.rows["headline"][0]
    assert any(h.startswith("year 1 (2025-26)") for h in headings)
    assert "whole run: change against baseline" in headings


def test_assumptions_list_intervention_defaults_with_their_reason(page):
    rows = {row[0]: row for row in page.rows["assumptions"][1:]}
    assert "interventions.fee_pay_pass_through" in rows
    assert "Care worker pay" in rows["interventions.fee_pay_pass_through"][3]
    assert "appraisal.wellbeing_week_value" in rows


def test_a_parameter_change_is_listed_as_an_assumption_it_touches():
    from sim.parameters import load_parameters
    from sim.report.assumptions import assumptions_rows

    specs = load_parameters().specs
    path = next(p for p, s in specs.items() if s.status == "assumption" and not s.dims
                and not p.startswith("appraisal."))
    documents = [{"name": "s", "changes": [{"param": path, "value": 1, "from": "2026-04-01"}],
                  "interventions": []}]
    rows = assumptions_rows(documents, {path: 2}, {}, specs)
    assert [r[0] for r in rows] == [path]
    assert "s sets it to 1 from 2026-04-01" in rows[0][5]


def test_the_reproducibility_box_records_command_fingerprint_and_seeds(page, run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    box = page.text("reproducibility")
    for recorded in (manifest["reproduce"], manifest["parameters_fingerprint"],
                     manifest["run_id"], str(manifest["seed"]), manifest["seed_scheme"]):
        assert recorded in box
    if manifest["git"]["commit"]:
        assert manifest["git"]["commit"] in box


def test_the_page_reads_on_a_phone_and_prints_to_a4(page):
    css = "".join(page.styles)
    assert "@media print" in css and "size: A4" in css and "overflow-x: auto" in css
    assert any(tag == "meta" and a.get("name") == "viewport" for tag, a in page.tags)


def test_the_command_writes_the_report(run_dir, tmp_path):
    copy = Path(shutil.copytree(run_dir, tmp_path / run_dir.name))
    (copy / REPORT).unlink(missing_ok=True)
    result = CliRunner().invoke(cli.main, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert str(copy / REPORT) in result.output
    assert (copy / REPORT).is_file()


DAMAGES = {  # what is done to a copy of a run -> the file the error must name
    "not a folder": "decision.csv",
    "running": "manifest.json",
    "no decision": "decision.csv",
    "bad yaml": "baseline.yaml",
    "corrupt timeseries": "timeseries.parquet",
    "older run without by_district": "by_district.parquet",
    "corrupt by_district": "by_district.parquet",
    "corrupt summary_by_group": "summary_by_group.csv",
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_bad_input_is_one_error_and_writes_nothing(run_dir, tmp_path, damage):
    copy = Path(shutil.copytree(run_dir, tmp_path / run_dir.name))
    (copy / REPORT).unlink(missing_ok=True)
    target = copy
    if damage == "not a folder":
        target = copy / "decision.csv"
    elif damage == "running":
        manifest = json.loads((copy / "manifest.json").read_text())
        (copy / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    elif damage == "no decision":
        (copy / "decision.csv").unlink()
    elif damage == "bad yaml":
        (copy / "scenarios" / "baseline.yaml").write_text("name: [unclosed")
    elif damage == "older run without by_district":
        (copy / "by_district.parquet").unlink()
    elif damage == "corrupt summary_by_group":
        (copy / "summary_by_group.csv").write_text("not,a,summary\n1,2,3\n")
    else:
        (copy / DAMAGES[damage]).write_bytes(b"PAR1 not really parquet")
    before = {p.name: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli.main, ["report", str(target)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert DAMAGES[damage] in errors[0]
    assert {p.name: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before
    with pytest.raises(InputError):
        write_report(target)


# --- a single council ---------------------------------------------------------------------

def test_a_single_council_run_shows_nothing_by_council(page):
    assert "councils" not in page.sections
    assert not any(a.get("id", "").endswith("_by_council") for _, a in page.tags)
    assert "Results by council" not in " ".join(" ".join(t) for t in page.sections.values())


def test_an_older_run_without_results_by_council_still_reports(run_dir, tmp_path):
    copy = Path(shutil.copytree(run_dir, tmp_path / run_dir.name))
    (copy / "by_council.parquet").unlink()
    assert write_report(copy).is_file()


# --- by client group ----------------------------------------------------------------------

def group_table(page: Page, title: str) -> list[list[str]]:
    """The rows (heading first) of the groups section's table under ``title``."""
    rows = page.rows["groups"]
    starts = [i for i, row in enumerate(rows) if row[0] == "Metric (unit, aggregate)"]
    index = 0 if title.startswith("Year 1") else 1
    end = starts[index + 1] if index + 1 < len(starts) else len(rows)
    return rows[starts[index]:end]


def test_the_report_has_the_results_by_client_group_after_the_headline(page):
    order = list(page.sections)
    assert order.index("groups") == order.index("headline") + 1
    text = page.text("groups")
    assert "Results by client group" in text and "Year 1 (2025-26)" in text
    assert "Whole run" in text and "summary_by_group.csv" in text
    assert "All groups: the county's figure" in text


def test_each_group_has_a_column_and_each_metric_and_scenario_a_row(page, run_dir):
    table = pd.read_csv(run_dir / "summary_by_group.csv", dtype={"financial_year": str})
    summary = pd.read_csv(run_dir / "summary.csv", dtype={"financial_year": str})
    scenarios = list(dict.fromkeys(table.scenario))
    for title, period in (("Year 1", "2025-26"), ("Whole run", "all")):
        heading, *body = group_table(page, title)
        assert heading == ["Metric (unit, aggregate)", "Scenario", *(
            group_label(g) for g in CLIENT_GROUPS), "All groups"]
        assert len(body) % len(scenarios) == 0 and [r[1] for r in body[:3]] == scenarios
        spend = [r for r in body if r[0] == "Council spend on care (GBP, total)"]
        figures = table[(table.metric == "council_spend") & (table.financial_year == period)]
        for row, scenario in zip(spend, scenarios, strict=True):
            means = figures[figures.scenario == scenario].set_index("client_group")["mean"]
            assert row[2:-1] == [report_text.value(means[g], "GBP") for g in CLIENT_GROUPS]
            county = summary[(summary.scenario == scenario) & (summary.metric ==
                             "council_spend") & (summary.financial_year == period)]
            assert row[-1] == report_text.value(county["mean"].item(), "GBP")
        living = [r for r in body if r[0] == "People in supported living (people, average)"]
        assert len(living) == len(scenarios)
        assert all(r[3] not in ("0.0", "n/a") for r in living)  # learning disability


def test_the_group_figure_sits_in_its_section_and_names_its_source(page):
    """Drawn once, in the section by client group rather than among the other figures."""
    ids = [a.get("id") for tag, a in page.tags if tag == "figure"]
    assert ids.count("figure-council_spend_by_group") == 1
    groups = page.text("groups")
    assert "Source: caremarket run" in groups and "From summary_by_group.csv" in groups
    assert "From summary_by_group.csv" not in page.text("figures")


def test_an_older_run_without_results_by_client_group_still_reports(run_dir, tmp_path):
    copy = Path(shutil.copytree(run_dir, tmp_path / run_dir.name))
    (copy / "by_group.parquet").unlink()
    (copy / "summary_by_group.csv").unlink()
    (copy / REPORT).unlink(missing_ok=True)
    parser = Page()
    parser.feed(write_report(copy).read_text(encoding="utf-8"))
    assert "groups" not in parser.sections
    assert not any(a.get("id") == "figure-council_spend_by_group" for _, a in parser.tags)
    assert "figure-council_spend_components" in {a.get("id") for _, a in parser.tags}


def test_without_working_age_groups_only_older_people_are_shown(run_dir):
    """A run with ``working_age.enabled`` false has zeros in every working-age group: the
    tables show older people's column alone and say why."""
    table = pd.read_csv(run_dir / "summary_by_group.csv", dtype={"financial_year": str})
    summary = pd.read_csv(run_dir / "summary.csv", dtype={"financial_year": str})
    off = table.assign(mean=table["mean"].where(table.client_group == "older_people", 0.0))
    parser = Page()
    parser.feed('<section id="groups">' + group_section(off, summary, ["2025-26", "all"],
                                                        REPS, False) + "</section>")
    text = parser.text("groups")
    assert "were not simulated in this run (working_age.enabled is false)" in text
    assert "All groups" not in text
    headings = [r for r in parser.rows["groups"] if r[0] == "Metric (unit, aggregate)"]
    assert headings == [["Metric (unit, aggregate)", "Scenario", "Older people (65+)"]] * 2
    assert "Left out, 0 for every group and scenario: Council spend: supported living" in text
