"""Figures drawn from a saved results folder (sim/figures/) and `caremarket plot`.

One tiny real run; the tests inspect the figure objects (titles, units, one line or point
set per scenario, band bounds, bar heights) against numbers computed here from the
folder's files, then check the files and the command.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SMALL_RUN
from matplotlib.dates import date2num
from matplotlib.text import Annotation

import cli
from sim.dims import CLIENT_GROUPS
from sim.figures import (
    build_figures,
    cost_outcome_plane,
    difference_chart,
    fan_chart,
    load_run,
    market_dynamics,
    need_by_district,
    spend_by_group,
    spend_components,
    write_figures,
)
from sim.figures.charts import (
    FIGURE_METRICS,
    MARKET_HIGHLIGHTS,
    MARKET_METRICS,
    SPEND_COMPONENTS,
)
from sim.figures.groups import GROUP_FIGURE, GROUP_PANELS, group_label
from sim.figures.style import MAX_OVERLAID, RC
from sim.metrics import BY_DISTRICT, BY_NAME, HEADLINE

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
REPS = SMALL_RUN["reps"]
NAMES = ["baseline", "homecare_fee_uplift", "stress_demand_shock"]
WEEK = 60  # a week after the scenarios start (April 2026)


@pytest.fixture(scope="module")
def run_dir(small_run) -> Path:
    return small_run


@pytest.fixture(scope="module")
def data(run_dir):
    return load_run(run_dir, (*HEADLINE, *FIGURE_METRICS))


@pytest.fixture(scope="module")
def timeseries(run_dir) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "timeseries.parquet")


@pytest.fixture
def copy(run_dir, tmp_path) -> Path:
    """A copy of the run that a test may write into."""
    return Path(shutil.copytree(run_dir, tmp_path / run_dir.name))


def by_gid(artists, prefix: str) -> dict[str, object]:
    return {a.get_gid().split(":", 1)[1]: a for a in artists
            if (a.get_gid() or "").startswith(f"{prefix}:")}


def caption(figure) -> str:
    return next(t.get_text() for t in figure.texts if t.get_gid() == "caption")


def weekly(timeseries: pd.DataFrame, metric: str, scenario: str) -> np.ndarray:
    """(replication x week) values of one metric and scenario, straight from the parquet."""
    rows = timeseries[(timeseries.metric == metric) & (timeseries.scenario == scenario)]
    return rows.pivot(index="rep", columns="week", values="value").to_numpy()


def band_at(band, x: float) -> list[float]:
    vertices = band.get_paths()[0].vertices
    return sorted(set(vertices[np.isclose(vertices[:, 0], x), 1]))


# --- the figure objects ---------------------------------------------------------------

@pytest.mark.parametrize("metric", HEADLINE)
def test_fan_chart_has_the_registry_title_unit_and_a_line_per_scenario(data, metric):
    ax = fan_chart(data, metric).axes[0]
    spec = BY_NAME[metric]
    assert ax.get_title() == spec.label
    assert spec.unit in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES
    assert sorted(by_gid(ax.lines, "line")) == sorted(NAMES)
    assert sorted(by_gid(ax.collections, "band")) == sorted(NAMES)


def test_fan_band_is_the_p5_p95_over_replications_and_the_line_the_median(data, timeseries):
    ax = fan_chart(data, "people_waiting").axes[0]
    x = date2num(np.datetime64(timeseries.date[timeseries.week == WEEK].iloc[0], "D"))
    for scenario in NAMES:
        values = weekly(timeseries, "people_waiting", scenario)[:, WEEK]
        low, mid, high = np.percentile(values, [5, 50, 95])
        assert band_at(by_gid(ax.collections, "band")[scenario], x) == \
            pytest.approx(sorted({low, high}))
        assert by_gid(ax.lines, "line")[scenario].get_ydata()[WEEK] == pytest.approx(mid)


def test_fan_chart_marks_when_each_scenario_starts(data):
    ax = fan_chart(data, "council_spend").axes[0]
    starts = [line for line in ax.lines if (line.get_gid() or "").startswith("start:")]
    assert sorted(line.get_gid() for line in starts) == \
        ["start:homecare_fee_uplift", "start:stress_demand_shock"]
    for line in starts:
        assert line.get_xdata()[0] == np.datetime64(dt.date(2026, 4, 1), "D")


def test_difference_chart_shows_the_mean_paired_difference_and_a_zero_line(data, timeseries):
    ax = difference_chart(data, "unmet_need_hours").axes[0]
    assert ax.get_title() == BY_NAME["unmet_need_hours"].label
    assert "hours per week" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES[1:]
    assert any(line.get_gid() == "zero" and set(line.get_ydata()) == {0}
               for line in ax.lines)
    base = weekly(timeseries, "unmet_need_hours", "baseline")
    for scenario in NAMES[1:]:
        differences = weekly(timeseries, "unmet_need_hours", scenario) - base
        line = by_gid(ax.lines, "line")[scenario]
        np.testing.assert_allclose(line.get_ydata(), differences.mean(axis=0))
        low, high = np.percentile(differences[:, WEEK], [5, 95])
        x = date2num(data.dates[WEEK])
        assert band_at(by_gid(ax.collections, "band")[scenario], x) == \
            pytest.approx(sorted({low, high}))


def test_cost_outcome_plane_has_a_point_per_replication_and_the_decision_means(data, run_dir):
    ax = cost_outcome_plane(data).axes[0]
    decision = pd.read_csv(run_dir / "decision.csv").set_index("scenario")
    reps, means = by_gid(ax.collections, "reps"), by_gid(ax.collections, "mean")
    assert sorted(reps) == sorted(means) == sorted(NAMES[1:])
    for scenario in NAMES[1:]:
        points = reps[scenario].get_offsets()
        assert len(points) == REPS
        gained, change = means[scenario].get_offsets()[0]
        assert gained == pytest.approx(points[:, 0].mean())
        assert change == pytest.approx(points[:, 1].mean())
        assert gained == pytest.approx(decision.loc[scenario, "wellbeing_weeks_gained_mean"])
        assert change == pytest.approx(decision.loc[scenario, "council_cost_change_gbp_mean"])
    assert "GBP" in ax.get_ylabel() and BY_NAME["wellbeing_weeks"].unit in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == NAMES[1:]


def test_market_dynamics_has_a_panel_per_metric_and_a_line_per_scenario(data):
    figure = market_dynamics(data)
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [BY_NAME[m].label for m in MARKET_METRICS]
    for ax, metric in zip(panels, MARKET_METRICS):
        assert BY_NAME[metric].unit in ax.get_ylabel()
        assert sorted(by_gid(ax.lines, "line")) == sorted(NAMES)
    assert [t.get_text() for t in figure.legends[0].get_texts()] == NAMES


def test_money_chart_bars_are_the_whole_run_totals_of_summary_csv(data, run_dir):
    summary = pd.read_csv(run_dir / "summary.csv", dtype={"financial_year": str})
    totals = summary[summary.financial_year == "all"].set_index(["scenario", "metric"])["mean"]
    left = spend_components(data).axes[0]
    for component in SPEND_COMPONENTS:
        bars = [p for p in left.patches if p.get_gid() == f"bars:{component}"]
        assert [p.get_height() for p in bars] == \
            pytest.approx([totals[(s, component)] for s in NAMES])
    assert [t.get_text() for t in left.get_xticklabels()] == NAMES
    assert "GBP" in left.get_ylabel()


def group_whole_run(table: pd.DataFrame) -> pd.Series:
    """Whole-run means of summary_by_group.csv by (scenario, metric, client group)."""
    return table[table.financial_year == "all"].set_index(
        ["scenario", "metric", "client_group"])["mean"]


def test_spend_by_group_bars_are_the_whole_run_means_of_summary_by_group(data, run_dir):
    whole = group_whole_run(pd.read_csv(run_dir / "summary_by_group.csv",
                                        dtype={"financial_year": str}))
    figure = spend_by_group(data)
    for ax, metric in zip(figure.axes, GROUP_PANELS, strict=True):
        assert ax.get_title() == f"{BY_NAME[metric].label} by client group"
        assert BY_NAME[metric].unit in ax.get_ylabel()
        assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
        for group in CLIENT_GROUPS:
            bars = [p for p in ax.patches if p.get_gid() == f"bars:{metric}:{group}"]
            assert [p.get_height() for p in bars] == \
                pytest.approx([whole[(s, metric, group)] for s in NAMES])
    assert [t.get_text() for t in figure.legends[0].get_texts()] == \
        [group_label(g) for g in CLIENT_GROUPS]
    assert "From summary_by_group.csv" in caption(figure)
    assert "Left out" not in caption(figure)


def test_spend_by_group_leaves_out_groups_without_clients(data):
    """A run with the working-age groups switched off: older people's bars alone."""
    table = data.group_summary
    off = table.assign(mean=table["mean"].where(table.client_group == "older_people", 0.0))
    figure = spend_by_group(dataclasses.replace(data, group_summary=off))
    assert [t.get_text() for t in figure.legends[0].get_texts()] == \
        [group_label("older_people")]
    assert {p.get_gid().rsplit(":", 1)[-1] for p in figure.axes[0].patches} == {"older_people"}
    assert "working-age client groups were not simulated" in " ".join(caption(figure).split())


def test_a_run_without_results_by_client_group_draws_no_figure_of_them(data):
    older = dataclasses.replace(data, group_summary=None)
    assert GROUP_FIGURE in build_figures(data, HEADLINE)
    assert GROUP_FIGURE not in build_figures(older, HEADLINE)
    with pytest.raises(ValueError, match="summary_by_group.csv"):
        spend_by_group(older)


def district_averages(run_dir: Path, metric: str, scenario: str) -> pd.DataFrame:
    """(replication x district) weekly averages over the run, from by_district.parquet."""
    frame = pd.read_parquet(run_dir / "by_district.parquet")
    rows = frame[(frame.metric == metric) & (frame.scenario == scenario)]
    return rows.groupby(["rep", "district"], sort=False).value.mean().unstack("district")


def test_need_by_district_has_a_dot_per_scenario_and_district(data, run_dir):
    figure = need_by_district(data)
    axes = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == [BY_NAME[m].label for m in BY_DISTRICT]
    ticks = sorted(axes[0].get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in ticks] == list(data.districts)  # first at the top
    for ax, metric in zip(axes, BY_DISTRICT, strict=True):
        assert BY_NAME[metric].unit in ax.get_xlabel()
        dots = {c.get_label(): c for c in ax.containers}
        assert sorted(dots) == sorted(NAMES)
        for scenario in NAMES:
            x = dots[scenario].lines[0].get_xdata()
            expected = district_averages(run_dir, metric, scenario)[list(data.districts)]
            np.testing.assert_allclose(x, np.median(expected.to_numpy(), axis=0))
    assert "5th-95th percentile" in caption(figure)


def test_need_by_district_with_many_scenarios_is_a_table_of_changes(many):
    figure = need_by_district(many)
    axes = [ax for ax in figure.axes if ax.get_title()]
    assert len(axes) == len(BY_DISTRICT)
    for ax, metric in zip(axes, BY_DISTRICT, strict=True):
        assert ax.get_title().startswith(BY_NAME[metric].label)
        assert len(ax.get_yticklabels()) == MANY
        assert len(ax.get_xticklabels()) == len(many.districts)
        (image,) = ax.images
        changes = np.asarray(image.get_array())
        assert changes.shape == (MANY, len(many.districts))
        scenario = many.others[-1]
        expected = (many.district_values(metric, scenario).mean(axis=-1) -
                    many.district_values(metric, many.baseline).mean(axis=-1)).mean(axis=0)
        np.testing.assert_allclose(changes[-1], expected)
        cells = [t for t in ax.texts if (t.get_gid() or "").startswith("cell:")]
        assert len(cells) == changes.size
    assert "paired change" in caption(figure)


def test_every_figure_names_its_source_in_a_caption(data):
    for stem, build in build_figures(data, ["council_spend"]).items():
        text = caption(build())
        assert f"caremarket run {data.run_id}, {REPS} replications" in text, stem


# --- many scenarios -------------------------------------------------------------------

MANY = 20  # scenarios besides the baseline, as in the scenario library
LONG = " and a long tail so that the label has to wrap over lines"


def widen(data, count: int):
    """The small run with ``count`` scenarios besides the baseline: copies of its two,
    each scaled by its own factor (so every scenario differs), named and labelled afresh;
    every weekly array is copied along its scenario axis and every table's rows."""
    sources = [data.others[i % len(data.others)] for i in range(count)]
    names = [f"{source}_{i:02d}" for i, source in enumerate(sources, start=1)]
    picks = [data.scenarios.index(s) for s in (data.baseline, *sources)]
    factors = np.array([1.0, *(1 + 0.02 * np.arange(1, count + 1))])
    renamed = dict(zip(names, sources, strict=True))
    changes = {"scenarios": (data.baseline, *names),
               "starts": {data.baseline: data.starts[data.baseline],
                          **{n: data.starts[s] for n, s in renamed.items()}}}
    for field in dataclasses.fields(data):
        value = getattr(data, field.name)
        if isinstance(value, dict) and value and all(
                isinstance(v, np.ndarray) and v.shape[:1] == (len(data.scenarios),)
                for v in value.values()):
            changes[field.name] = {
                k: v[picks] * factors.reshape(-1, *[1] * (v.ndim - 1))
                for k, v in value.items()}
    for name in ("summary", "deltas", "decision", "group_summary"):
        table = getattr(data, name)
        if table is None:  # a run made before results by client group
            continue
        copies = [table[table.scenario == data.baseline]]
        for i, (new, source) in enumerate(renamed.items(), start=1):
            rows = table[table.scenario == source].assign(scenario=new)
            if "label" in rows and name == "decision":
                rows = rows.assign(label=f"Scenario {i}: {source}" + LONG * (i % 3 == 0))
            copies.append(rows)
        changes[name] = pd.concat([c for c in copies if len(c)], ignore_index=True)
    return dataclasses.replace(data, **changes)


@pytest.fixture(scope="module")
def many(data):
    return widen(data, MANY)


def label_of(many, scenario: str) -> str:
    return many.decision.set_index("scenario").label[scenario]


def visible(figure) -> list:
    return [ax for ax in figure.axes if ax.get_visible()]


def draws(figure) -> None:
    """The figure draws (its layout and ticks made) without error."""
    with matplotlib.rc_context(RC):
        figure.savefig(io.BytesIO(), format="png", dpi=30)


def test_a_few_scenarios_share_one_axes_and_more_get_a_panel_each(data):
    assert len(fan_chart(widen(data, MAX_OVERLAID), "council_spend").axes) == 1
    assert len(visible(fan_chart(widen(data, MAX_OVERLAID + 1), "council_spend"))) == \
        MAX_OVERLAID + 1


def test_many_scenarios_fan_chart_is_a_panel_each_against_the_baseline(many):
    metric, spec = "people_waiting", BY_NAME["people_waiting"]
    figure = fan_chart(many, metric)
    panels = visible(figure)
    assert len(panels) == MANY
    assert figure.get_suptitle() == spec.label and spec.unit in figure.get_supylabel()
    assert len(figure.legends) == 1 and len(figure.legends[0].get_texts()) <= 6
    base = np.median(many.values(metric, many.baseline), axis=0)
    for ax, scenario in zip(panels, many.others):
        assert " ".join(ax.get_title(loc="left").split()) == label_of(many, scenario)
        assert ax.get_legend() is None and ax.get_shared_y_axes().joined(ax, panels[0])
        lines = by_gid(ax.lines, "line")
        assert list(lines) == [scenario]
        np.testing.assert_allclose(lines[scenario].get_ydata(),
                                   np.median(many.values(metric, scenario), axis=0))
        np.testing.assert_allclose(by_gid(ax.lines, "reference")["baseline"].get_ydata(),
                                   base)
        assert list(by_gid(ax.collections, "band")) == [scenario]
        assert list(by_gid(ax.collections, "reference_band")) == ["baseline"]
        assert set(by_gid(ax.lines, "start")) == {scenario}
    assert max(len(ax.get_title(loc="left").splitlines()) for ax in panels) <= 3
    assert "One panel per scenario" in caption(figure)
    draws(figure)


def test_many_scenarios_difference_chart_is_a_panel_each_with_a_zero_line(many):
    metric = "unmet_need_hours"
    figure = difference_chart(many, metric)
    panels = visible(figure)
    assert len(panels) == MANY
    assert BY_NAME[metric].label in figure.get_suptitle()
    assert "hours per week" in figure.get_supylabel()
    assert len(figure.legends[0].get_texts()) <= 6
    for ax, scenario in zip(panels, many.others):
        assert any(line.get_gid() == "zero" for line in ax.lines)
        np.testing.assert_allclose(by_gid(ax.lines, "line")[scenario].get_ydata(),
                                   many.paired(metric, scenario).mean(axis=0))
    draws(figure)


def test_many_scenarios_plane_numbers_every_mean_with_a_key(many):
    figure = cost_outcome_plane(many)
    ax, key = figure.axes
    means = by_gid(ax.collections, "mean")
    assert sorted(means) == sorted(by_gid(ax.collections, "reps")) == sorted(many.others)
    numbers = {t.get_gid().split(":", 1)[1]: t for t in ax.texts
               if isinstance(t, Annotation)}
    keys = by_gid(key.texts, "key")
    assert list(numbers) == list(keys) == list(many.others)
    for number, scenario in enumerate(many.others, start=1):
        assert numbers[scenario].get_text() == str(number)
        assert numbers[scenario].xy == pytest.approx(tuple(means[scenario].get_offsets()[0]))
        assert " ".join(keys[scenario].get_text().split()) == label_of(many, scenario)
        assert by_gid(key.texts, "key_number")[scenario].get_text() == str(number)
    stress = set(many.decision.scenario[many.decision.stress_test.astype(str) == "True"])
    assert stress and stress < set(many.others)
    for scenario, mean in means.items():
        white = tuple(mean.get_facecolor()[0][:3]) == (1.0, 1.0, 1.0)
        assert white == (scenario in stress)  # stress tests: open markers
    assert len(key.get_legend().get_texts()) == 3
    assert "GBP" in ax.get_ylabel() and BY_NAME["wellbeing_weeks"].unit in ax.get_xlabel()
    draws(figure)
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in numbers.values()]
    overlaps = sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert overlaps <= 1


def test_many_scenarios_market_panels_pick_out_those_furthest_from_the_baseline(many):
    figure = market_dynamics(many)
    panels = visible(figure)
    assert [ax.get_title() for ax in panels] == [BY_NAME[m].label for m in MARKET_METRICS]
    for ax, metric in zip(panels, MARKET_METRICS):
        assert BY_NAME[metric].unit in ax.get_ylabel()
        medians = {s: np.median(many.values(metric, s).cumsum(axis=1)
                                if BY_NAME[metric].aggregate == "sum"
                                else many.values(metric, s), axis=0)
                   for s in many.scenarios}
        distance = {s: np.abs(medians[s] - medians["baseline"]).mean() for s in many.others}
        chosen = [s for s in sorted(many.others, key=lambda s: -distance[s])
                  if distance[s] > 0][:MARKET_HIGHLIGHTS]
        lines = by_gid(ax.lines, "line")
        assert list(lines) == ["baseline", *chosen]
        assert sorted(by_gid(ax.lines, "context")) == \
            sorted(set(many.others) - set(chosen))
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["baseline", *chosen]
    assert f"the {MARKET_HIGHLIGHTS} furthest from baseline" in caption(figure)
    draws(figure)


def test_many_scenarios_spend_is_a_row_of_bars_each(many):
    figure = spend_components(many)
    left, right = figure.axes
    totals = many.summary[many.summary.financial_year == "all"].set_index(
        ["scenario", "metric"])["mean"]
    changes = many.deltas[many.deltas.financial_year == "all"].set_index(
        ["scenario", "metric"])["mean"]
    labels = ["baseline", *(label_of(many, s) for s in many.others)]
    assert [" ".join(t.get_text().split()) for t in left.get_yticklabels()] == labels
    for component in SPEND_COMPONENTS:
        bars = [p for p in left.patches if p.get_gid() == f"bars:{component}"]
        assert [p.get_width() for p in bars] == \
            pytest.approx([totals[(s, component)] for s in many.scenarios])
        assert [p.get_y() + p.get_height() / 2 for p in bars] == \
            pytest.approx(range(len(many.scenarios)))
    net = by_gid(right.collections, "net")
    assert list(net) == list(many.others)
    for scenario, point in net.items():
        assert point.get_offsets()[0][0] == pytest.approx(changes[(scenario, "council_spend")])
    assert "GBP" in left.get_xlabel() and "GBP" in right.get_xlabel()
    assert len(figure.legends[0].get_texts()) == len(SPEND_COMPONENTS)
    draws(figure)


def test_many_scenarios_spend_by_group_is_a_row_of_bars_each(many):
    figure = spend_by_group(many)
    whole = group_whole_run(many.group_summary)
    labels = ["baseline", *(label_of(many, s) for s in many.others)]
    left, right = figure.axes
    assert [" ".join(t.get_text().split()) for t in left.get_yticklabels()] == labels
    for ax, metric in ((left, "council_spend"), (right, "council_funded_long_term")):
        assert BY_NAME[metric].unit in ax.get_xlabel()
        bars = [p for p in ax.patches if p.get_gid() == f"bars:{metric}:learning_disability"]
        assert [p.get_width() for p in bars] == \
            pytest.approx([whole[(s, metric, "learning_disability")] for s in many.scenarios])
    draws(figure)


def test_every_figure_of_many_scenarios_names_its_source(many):
    for stem, build in build_figures(many, ["council_spend"]).items():
        assert f"caremarket run {many.run_id}, {REPS} replications" in caption(build()), stem


# --- files and the command ------------------------------------------------------------

def test_write_figures_writes_each_format_atomically(copy):
    paths = write_figures(copy, formats=("png", "svg", "pdf"), metrics=["council_spend"])
    stems = {"fan_council_spend", "difference_council_spend", "cost_outcome",
             "market_dynamics", "council_spend_components", "council_spend_by_group",
             "need_by_district"}
    assert {p.stem for p in paths} == stems and len(paths) == 3 * len(stems)
    assert sorted(p.name for p in (copy / "figures").iterdir()) == sorted(p.name for p in paths)
    for path in paths:
        assert path.stat().st_size > 0
    assert (copy / "figures" / "market_dynamics.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (copy / "figures" / "market_dynamics.svg").read_bytes()
    assert (copy / "figures" / "market_dynamics.pdf").read_bytes().startswith(b"%PDF")


def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def test_plot_rebuilds_the_figures(copy):
    result = invoke("plot", copy, "--metric", "people_waiting", "--format", "png")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (copy / "figures").iterdir())
    assert "fan_people_waiting.png" in written and len(written) == 7
    assert "council_spend_by_group.png" in written
    assert "Wrote 7 files" in result.stdout


def test_plot_refuses_an_unknown_metric_and_writes_nothing(copy):
    result = invoke("plot", copy, "--metric", "people_wating")
    assert result.exit_code == 1
    (line,) = errors(result)
    assert line.startswith("Error: --metric") and "did you mean 'people_waiting'" in line
    assert "council_spend" in line  # lists the valid metrics
    assert not (copy / "figures").exists()


def test_plot_refuses_an_unknown_format(copy):
    result = invoke("plot", copy, "--format", "gif")
    assert result.exit_code == 1 and errors(result)[0].startswith("Error: --format")
    assert not (copy / "figures").exists()


def test_plot_refuses_a_folder_that_is_not_a_completed_run(copy, tmp_path):
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    (copy / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}),
                                        encoding="utf-8")
    result = invoke("plot", copy)
    assert result.exit_code == 1 and "not completed" in errors(result)[0]
    assert not (copy / "figures").exists()
    result = invoke("plot", tmp_path / "empty")
    assert result.exit_code == 1 and "no such folder" in errors(result)[0]


def test_plot_refuses_a_run_missing_its_scenario_files(copy):
    (copy / "scenarios" / "homecare_fee_uplift.yaml").unlink()
    result = invoke("plot", copy)
    assert result.exit_code == 1 and "homecare_fee_uplift.yaml" in errors(result)[0]
    assert not (copy / "figures").exists()


def test_plot_help_imports_nothing_heavy():
    code = ("import sys, cli\n"
            "try:\n"
            "    cli.main(['plot', '--help'])\n"
            "except SystemExit:\n"
            "    pass\n"
            "heavy = {'numpy', 'pandas', 'mesa', 'pyarrow', 'sim', 'matplotlib'}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "Usage: " in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_single_council_run_draws_nothing_by_council(data):
    assert data.councils == ("Essex",) and data.by_council == {}
    assert not [s for s in build_figures(data, HEADLINE) if s.endswith("_by_council")]
