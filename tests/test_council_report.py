"""Results by council for a region of several councils: the report's section, the
workbook's sheet and the figures (sim/report/, sim/figures/).

One tiny real run of the two-council test region of ``test_regions`` (councils A and B):
the baseline, a fee uplift aimed at council A and more assessors for council B. Each
council's figures must add up to the region's in ``summary.csv`` and ``deltas.csv``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_figures import by_gid, caption, widen
from test_regions import REGION, params_folder
from test_report import Page

from sim.errors import InputError
from sim.figures import build_figures, council_chart, load_run
from sim.figures.charts import FIGURE_METRICS
from sim.figures.style import MAX_OVERLAID
from sim.metrics import BY_COUNCIL, BY_NAME, HEADLINE
from sim.plan import plan_run
from sim.report import text as report_text
from sim.report import write_report
from sim.report.excel import write_excel
from sim.report.sections import REGION_ROW
from sim.results import execute

COUNCILS = ("A", "B")
SCENARIOS = ("baseline", "a_uplift", "b_assess")
CHARTED = tuple(m for m in HEADLINE if m in BY_COUNCIL)
SCENARIO_FILES = {
    "a_uplift": """\
name: a_uplift
label: Council A raises every fee by 10%
description: Council A alone raises its fees.
interventions:
  - {which: fee_uplift, service: all, by: 0.1, council: A, from: 2025-06-01}
""",
    "b_assess": """\
name: b_assess
label: Council B adds a half more assessors
description: Council B alone adds assessors.
interventions:
  - {which: assessment_capacity, change: 0.5, council: B, from: 2025-06-01}
""",
}


@pytest.fixture(scope="module")
def region_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("region_run")
    folder = params_folder(root / "params", county=REGION)
    for name, text in SCENARIO_FILES.items():
        (root / f"{name}.yaml").write_text(text)
    plan = plan_run([root / f"{name}.yaml" for name in SCENARIO_FILES], reps=2, years=1,
                    scale=0.05, seed=3, jobs=1, out=root / "out", params_dir=folder)
    return execute(plan, ["caremarket", "run", "(test)"])


@pytest.fixture(scope="module")
def workbook(region_run) -> dict[str, pd.DataFrame]:
    return pd.read_excel(write_excel(region_run), sheet_name=None)


@pytest.fixture(scope="module")
def page(region_run) -> Page:
    parser = Page()
    parser.feed(write_report(region_run).read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def data(region_run):
    return load_run(region_run, (*HEADLINE, *FIGURE_METRICS))


def whole_run(region_run: Path, scenario: str) -> pd.DataFrame:
    """summary.csv's whole-run rows of one scenario, by metric."""
    summary = pd.read_csv(region_run / "summary.csv", dtype={"financial_year": str})
    return summary[(summary.scenario == scenario) & (summary.financial_year == "all")] \
        .set_index("metric")


# --- the workbook -------------------------------------------------------------------------

def test_the_workbook_has_a_sheet_by_council(workbook):
    assert list(workbook)[-3:] == ["By district", "By council", "By client group"]
    about = dict(zip(workbook["About"]["item"], workbook["About"]["value"], strict=True))
    assert "Sheet: By council" in about
    table = workbook["By council"]
    assert tuple(dict.fromkeys(table.council)) == COUNCILS
    assert tuple(dict.fromkeys(table.scenario)) == SCENARIOS
    assert len(table) == len(SCENARIOS) * len(BY_COUNCIL) * len(COUNCILS)
    assert (table.p5 <= table["mean"]).all() and (table["mean"] <= table.p95).all()


def test_the_councils_add_up_to_the_region(workbook, region_run):
    """Every BY_COUNCIL metric is additive: the councils' figures over the run (totals of
    flows, averages of stocks) sum to the region's in summary.csv, and their changes to
    the region's in deltas.csv."""
    table = workbook["By council"]
    deltas = pd.read_csv(region_run / "deltas.csv", dtype={"financial_year": str})
    for scenario in SCENARIOS:
        region = whole_run(region_run, scenario)
        sums = table[table.scenario == scenario].groupby("metric")[["mean", "change"]].sum()
        for metric in BY_COUNCIL:
            assert sums.loc[metric, "mean"] == pytest.approx(region.loc[metric, "mean"],
                                                             rel=1e-9), (scenario, metric)
            if scenario != "baseline":
                change = deltas[(deltas.scenario == scenario) & (deltas.metric == metric) &
                                (deltas.financial_year == "all")]["mean"].item()
                assert sums.loc[metric, "change"] == pytest.approx(change, rel=1e-9,
                                                                   abs=1e-6)


def test_the_sheet_reads_the_weekly_values_by_council(workbook, region_run):
    frame = pd.read_parquet(region_run / "by_council.parquet")
    table = workbook["By council"].set_index(["scenario", "metric", "council"])
    for metric in ("council_spend", "people_waiting"):
        weekly = frame[(frame.scenario == "a_uplift") & (frame.metric == metric) &
                       (frame.council == "B")].groupby("rep").value
        per_rep = weekly.sum() if BY_NAME[metric].aggregate == "sum" else weekly.mean()
        assert table.loc[("a_uplift", metric, "B"), "mean"] == pytest.approx(per_rep.mean())
    assert table.loc[("a_uplift", "council_spend", "A"), "unit"] == "GBP, total over the run"
    assert table.loc[("a_uplift", "people_waiting", "A"), "unit"] == "people, weekly average"


def test_an_uplift_aimed_at_a_shows_in_as_row(workbook):
    """A's spend rises by about the uplift; B's moves only through the shared market. The
    uplift raises the fees of older people's services, under half of A's council spend
    beside the working-age groups' (whose rates it leaves alone)."""
    table = workbook["By council"].set_index(["scenario", "metric", "council"])
    spend = table.xs(("a_uplift", "council_spend"), level=("scenario", "metric"))
    assert spend.loc["A", "change_p5"] > 0.025 * table.loc[("baseline", "council_spend", "A"),
                                                           "mean"]
    assert abs(spend.loc["B", "change"]) < 0.1 * spend.loc["A", "change"]
    assessors = table.xs(("b_assess", "council_spend"), level=("scenario", "metric"))
    assert assessors.loc["A", "change"] == 0 and assessors.loc["B", "change"] > 0


# --- the report ---------------------------------------------------------------------------

def test_the_report_has_the_results_by_council_after_the_headline(page):
    order = list(page.sections)
    assert order.index("councils") == order.index("headline") + 1
    text = page.text("councils")
    assert "Results by council" in text and "spend counts for the council that pays" in text


def test_each_council_and_the_region_has_a_row_per_metric(page, region_run):
    rows = page.rows["councils"]
    headings = [r for r in rows if r[0] == "Council"]
    assert len(headings) == len(BY_COUNCIL)
    assert headings[0] == ["Council", "baseline: figure", "a_uplift: change",
                           "b_assess: change"]
    body = [r for r in rows if r[0] != "Council"]
    assert [r[0] for r in body] == [*COUNCILS, REGION_ROW] * len(BY_COUNCIL)
    region = whole_run(region_run, "baseline")
    for i, metric in enumerate(BY_COUNCIL):  # the region's row: summary.csv's figures
        cell = body[3 * i + 2][1]
        expected = report_text.value(region.loc[metric, "mean"], BY_NAME[metric].unit)
        assert cell.startswith(f"{expected} ("), (metric, cell)


def test_the_report_embeds_a_figure_by_council_per_headline_metric(page):
    ids = [a["id"] for tag, a in page.tags if tag == "figure"]
    assert [i for i in ids if i.endswith("_by_council")] == \
        [f"figure-{m}_by_council" for m in CHARTED]


def test_an_older_run_without_results_by_council_reports_without_them(region_run, tmp_path):
    copy = Path(shutil.copytree(region_run, tmp_path / region_run.name))
    (copy / "by_council.parquet").unlink()
    parser = Page()
    parser.feed(write_report(copy).read_text(encoding="utf-8"))
    assert "councils" not in parser.sections
    assert not any(a.get("id", "").endswith("_by_council") for _, a in parser.tags)
    assert "By council" not in pd.read_excel(write_excel(copy), sheet_name=None)


def test_a_damaged_file_by_council_is_one_error_naming_it(region_run, tmp_path):
    copy = Path(shutil.copytree(region_run, tmp_path / region_run.name))
    (copy / "by_council.parquet").write_bytes(b"PAR1 not really parquet")
    for write in (write_report, write_excel):
        with pytest.raises(InputError, match="by_council.parquet"):
            write(copy)


# --- the figures ----------------------------------------------------------------------------

def test_the_figures_by_council_are_drawn_for_a_region(data):
    assert data.councils == COUNCILS
    stems = list(build_figures(data, HEADLINE))
    assert [s for s in stems if s.endswith("_by_council")] == \
        [f"{m}_by_council" for m in CHARTED]


def test_a_panel_per_council_with_each_scenarios_median(data, region_run):
    figure = council_chart(data, "council_spend")
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in panels] == list(COUNCILS)
    frame = pd.read_parquet(region_run / "by_council.parquet")
    for ax, council in zip(panels, COUNCILS, strict=True):
        lines = by_gid(ax.get_lines(), "line")
        assert set(lines) == set(SCENARIOS)
        rows = frame[(frame.scenario == "a_uplift") & (frame.metric == "council_spend") &
                     (frame.council == council)]
        weekly = rows.pivot(index="rep", columns="week", values="value").to_numpy()
        np.testing.assert_allclose(lines["a_uplift"].get_ydata(), np.median(weekly, axis=0))
    assert "by the council that pays" in " ".join(caption(figure).split())
    assert "by the council of the person's district" in " ".join(caption(
        council_chart(data, "people_waiting")).split())


def test_many_scenarios_by_council_are_a_table_of_changes(data):
    many = widen(data, MAX_OVERLAID + 2)
    figure = council_chart(many, "council_spend")
    (ax,) = figure.axes
    changes = ax.get_images()[0].get_array()
    assert changes.shape == (len(many.others), len(COUNCILS))
    scenario = many.others[-1]
    expected = (many.council_values("council_spend", scenario).sum(axis=-1) -
                many.council_values("council_spend", many.baseline).sum(axis=-1)).mean(axis=0)
    np.testing.assert_allclose(changes[-1], expected)
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == list(COUNCILS)


def test_a_metric_not_recorded_by_council_is_refused(data):
    with pytest.raises(ValueError, match="not recorded by council"):
        council_chart(data, "provider_exits")
