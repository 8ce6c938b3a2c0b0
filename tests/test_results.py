"""The results folder: layout, manifest, timeseries, summary, paired deltas and the results
by district, council and client group."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim.model
from sim.dims import CLIENT_GROUPS
from sim.errors import InputError
from sim.metrics import BY_COUNCIL, BY_DISTRICT, BY_GROUP, BY_NAME, METRICS
from sim.plan import plan_run
from sim.results import (
    BY_COUNCIL_FILE,
    BY_DISTRICT_FILE,
    BY_GROUP_FILE,
    SUMMARY_BY_GROUP,
    execute,
    new_run_dir,
    read_results,
)
from sim.runner import JobFailedError, job_file
from sim.summary import (
    PERIOD_ALL,
    PERIOD_DISCOUNTED,
    Periods,
    paired_deltas,
    summarise,
    summarise_split,
    week_financial_year,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
REPS, YEARS, SCALE, SEED = 3, 2, 0.05, 11
KEYS = ["scenario", "metric", "financial_year"]
FLOWS = [m.name for m in METRICS if m.aggregate == "sum"]
SAME_AS_BASELINE = """\
name: same_as_baseline
label: Same as baseline
description: No changes at all; its paired differences must be exactly zero.
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "same.yaml").write_text(SAME_AS_BASELINE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, inputs) -> Path:
    out = tmp_path_factory.mktemp("results")
    targets = [SCENARIOS / "baseline.yaml", SCENARIOS / "homecare_fee_uplift.yaml",
               inputs / "same.yaml"]
    plan = plan_run(targets, reps=REPS, years=YEARS, seed=SEED, scale=SCALE, jobs=2, out=out)
    return execute(plan, ["caremarket", "run", "(test)"])


@pytest.fixture(scope="module")
def results(run_dir):
    return read_results(run_dir)


def test_folder_layout(run_dir):
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", run_dir.name)
    names = {p.name for p in run_dir.iterdir()}
    assert names == {"manifest.json", "scenarios", "jobs", "timeseries.parquet", BY_DISTRICT_FILE,
                     BY_COUNCIL_FILE, BY_GROUP_FILE, "summary.csv", SUMMARY_BY_GROUP,
                     "deltas.csv", "decision.csv"}
    assert {p.name for p in (run_dir / "scenarios").iterdir()} == {
        "baseline.yaml", "homecare_fee_uplift.yaml", "same_as_baseline.yaml",
        "parameters.json"}
    assert len(list((run_dir / "jobs").glob("*.npz"))) == 3 * REPS
    assert not list(run_dir.rglob("*.tmp"))


def test_resolved_scenario_and_parameters_are_recorded(run_dir, results):
    fee = yaml.safe_load((run_dir / "scenarios" / "homecare_fee_uplift.yaml").read_text())
    assert fee["name"] == "homecare_fee_uplift" and fee["label"] and fee["description"]
    (uplift,) = fee["interventions"]
    assert (uplift["which"], uplift["service"]) == ("fee_uplift", "homecare")
    assert uplift["to"] == 28.0 and uplift["from"] == "2026-04-01"
    assert uplift["file"].endswith("homecare_fee_uplift.yaml")
    assert fee["expect"]["council_spend"] == "up"
    saved = json.loads((run_dir / "scenarios" / "parameters.json").read_text())
    assert saved["fingerprint"] == results.manifest["parameters_fingerprint"]
    assert saved["values"]["commissioner.fee_homecare_hourly"] > 0


def test_manifest(run_dir, results):
    manifest = results.manifest
    assert manifest["status"] == "completed" and manifest["error"] is None
    assert manifest["run_id"] == run_dir.name
    assert manifest["command"] == ["caremarket", "run", "(test)"]
    assert manifest["reps"] == REPS and manifest["seed"] == SEED and manifest["scale"] == SCALE
    assert manifest["years"] == YEARS and manifest["weeks"] == YEARS * 52
    assert manifest["scenarios"] == ["baseline", "homecare_fee_uplift", "same_as_baseline"]
    assert set(manifest["versions"]) >= {"caremarket", "python", "numpy", "mesa", "pandas"}
    assert set(manifest["git"]) == {"commit", "dirty"}
    assert manifest["elapsed_s"] >= 0 and manifest["created"] <= manifest["finished"]
    hashes = {Path(k).name: v for k, v in manifest["input_files"].items()}
    fee = SCENARIOS / "homecare_fee_uplift.yaml"
    assert hashes[fee.name] == hashlib.sha256(fee.read_bytes()).hexdigest()
    assert "commissioner.yaml" in hashes
    assert [j["state"] for j in manifest["jobs"]] == ["done"] * 3 * REPS
    assert [(j["scenario"], j["rep"]) for j in manifest["jobs"][:4]] == [
        ("baseline", 0), ("homecare_fee_uplift", 0), ("same_as_baseline", 0), ("baseline", 1)]
    for job in manifest["jobs"]:
        assert job["seed"] == {"entropy": SEED, "spawn_key": [job["rep"]]}
        assert job["file"] == f"jobs/{job['scenario']}__r{job['rep']}.npz"
        assert job["elapsed_s"] > 0 and job["error"] is None and job["traceback"] is None
    assert not (run_dir / ".lock").exists()
    assert manifest["reproduce"].startswith("caremarket run ")
    assert manifest["comparison"]["baseline"] == "baseline"
    assert manifest["comparison"]["discount_rate"] == 0.035
    assert manifest["comparison"]["command"] == manifest["command"]
    for option in ("--reps 3", "--years 2", "--seed 11", "--scale 0.05"):
        assert option in manifest["reproduce"]


def test_timeseries_is_long_and_scaled_back(run_dir, results):
    ts = results.timeseries
    assert list(ts.columns) == ["scenario", "rep", "week", "date", "financial_year",
                                "metric", "value"]
    assert len(ts) == 3 * REPS * len(METRICS) * YEARS * 52
    with np.load(job_file(run_dir, "homecare_fee_uplift", 1)) as arrays:
        raw = arrays["metrics"]
    for i, metric in enumerate(METRICS):
        rows = ts[(ts.scenario == "homecare_fee_uplift") & (ts.rep == 1)
                  & (ts.metric == metric.name)].sort_values("week")
        expected = raw[i] / SCALE if metric.extensive else raw[i]
        np.testing.assert_allclose(rows.value.to_numpy(), expected)
    dates = ts[(ts.scenario == "baseline") & (ts.rep == 0) & (ts.metric == "council_spend")]
    assert pd.to_datetime(dates.date).dt.date.iloc[0] == dt.date(2025, 4, 1)
    assert list(dates.financial_year.unique()) == ["2025-26", "2026-27"]


def test_by_district_splits_the_county_figures(run_dir, results, params):
    """by_district.parquet: every district, week and replication, summing to the county's
    timeseries (both scaled back)."""
    frame = pd.read_parquet(run_dir / BY_DISTRICT_FILE)
    districts = params["county.districts"]
    assert len(frame) == 3 * REPS * len(BY_DISTRICT) * len(districts) * YEARS * 52
    assert set(frame.district) == set(districts)
    ts = results.timeseries
    for metric in BY_DISTRICT:
        split = frame[frame.metric == metric].groupby(["scenario", "rep", "week"]).value.sum()
        county = ts[ts.metric == metric].set_index(["scenario", "rep", "week"]).value
        np.testing.assert_allclose(split.sort_index(), county.sort_index(), rtol=1e-9,
                                   atol=1e-6)
    waiting = frame[frame.metric == "people_waiting"].groupby("district").value.sum()
    assert (waiting > 0).sum() >= 2  # a real split, not everything in one district


def test_by_council_of_the_default_county_is_the_county(run_dir, results, params):
    """by_council.parquet: one council (the default county), whose rows are the county's
    timeseries."""
    frame = pd.read_parquet(run_dir / BY_COUNCIL_FILE)
    assert len(frame) == 3 * REPS * len(BY_COUNCIL) * YEARS * 52
    assert set(frame.council) == set(params["county.councils"]) == {"Essex"}
    ts = results.timeseries
    for metric in BY_COUNCIL:
        split = frame[frame.metric == metric].set_index(["scenario", "rep", "week"]).value
        county = ts[ts.metric == metric].set_index(["scenario", "rep", "week"]).value
        np.testing.assert_allclose(split.sort_index(), county.sort_index(), rtol=1e-12)


def test_job_files_hold_the_results_by_client_group(run_dir):
    with np.load(job_file(run_dir, "homecare_fee_uplift", 1)) as arrays:
        assert arrays["by_group"].shape == (len(BY_GROUP), len(CLIENT_GROUPS), YEARS * 52)
        county = arrays["metrics"][[METRICS.index(BY_NAME[m]) for m in BY_GROUP]]
        np.testing.assert_allclose(arrays["by_group"].sum(axis=1), county, rtol=1e-9,
                                   atol=1e-6)


def test_by_group_splits_the_county_figures(run_dir, results):
    """by_group.parquet: every client group, week and replication of each BY_GROUP metric,
    summing to the county's timeseries (both scaled back); working-age groups have
    clients in the default county."""
    frame = pd.read_parquet(run_dir / BY_GROUP_FILE)
    assert list(frame.columns) == ["scenario", "rep", "week", "date", "financial_year",
                                   "metric", "client_group", "value"]
    assert len(frame) == 3 * REPS * len(BY_GROUP) * len(CLIENT_GROUPS) * YEARS * 52
    assert tuple(pd.unique(frame.client_group)) == CLIENT_GROUPS
    ts = results.timeseries
    keys = ["scenario", "rep", "week"]
    for metric in BY_GROUP:
        split = frame[frame.metric == metric].groupby(keys).value.sum()
        county = ts[ts.metric == metric].set_index(keys).value
        np.testing.assert_allclose(split.sort_index(), county.sort_index(), rtol=1e-9,
                                   atol=1e-6, err_msg=metric)
    spend = frame[frame.metric == "council_spend"].groupby("client_group").value.sum()
    assert (spend > 0).all()


def test_summary_by_group_adds_up_to_the_summary(run_dir, results):
    """summary_by_group.csv: each BY_GROUP metric per scenario, client group and period
    (the financial years and the whole run, not discounted); the groups' means add up to
    summary.csv's, and each row's statistics are those of the replications' figures."""
    table = results.summary_by_group
    assert list(table.columns[:4]) == ["scenario", "metric", "client_group", "financial_year"]
    assert list(table.columns[-4:]) == ["mean", "p5", "p50", "p95"]
    assert set(table.financial_year) == {"2025-26", "2026-27", PERIOD_ALL}
    assert len(table) == 3 * len(BY_GROUP) * len(CLIENT_GROUPS) * 3
    assert table.equals(pd.read_csv(run_dir / SUMMARY_BY_GROUP, dtype={"financial_year": str}))
    sums = table.groupby(KEYS)["mean"].sum()
    county = results.summary.set_index(KEYS)["mean"].reindex(sums.index)
    np.testing.assert_allclose(sums, county, rtol=1e-9, atol=1e-6)
    frame = pd.read_parquet(run_dir / BY_GROUP_FILE)
    for metric in ("council_spend", "people_in_supported_living"):
        rows = frame[(frame.scenario == "homecare_fee_uplift") & (frame.metric == metric) &
                     (frame.client_group == "learning_disability")].groupby("rep").value
        per_rep = rows.sum() if BY_NAME[metric].aggregate == "sum" else rows.mean()
        row = table.set_index(["scenario", "metric", "client_group", "financial_year"]).loc[
            ("homecare_fee_uplift", metric, "learning_disability", PERIOD_ALL)]
        assert row["mean"] == pytest.approx(per_rep.mean())
        assert row.p5 == pytest.approx(np.percentile(per_rep, 5))
        assert row.unit == BY_NAME[metric].unit


def test_an_older_folder_without_results_by_client_group_still_reads(run_dir, tmp_path):
    copy = Path(shutil.copytree(run_dir, tmp_path / run_dir.name))
    (copy / BY_GROUP_FILE).unlink()
    (copy / SUMMARY_BY_GROUP).unlink()
    older = read_results(copy, timeseries=False)
    assert older.summary_by_group is None and not older.summary.empty


def _by_rep(ts: pd.DataFrame) -> pd.DataFrame:
    """Each replication's value per financial year and for the whole run, by hand."""
    how = ts.metric.map({m.name: m.aggregate for m in METRICS})
    parts = []
    for keys, extra in ((["scenario", "rep", "metric", "financial_year"], {}),
                        (["scenario", "rep", "metric"], {"financial_year": PERIOD_ALL})):
        grouped = ts.assign(how=how).groupby(keys + ["how"]).value.agg(["sum", "mean"])
        grouped = grouped.reset_index().assign(**extra)
        grouped["value"] = np.where(grouped.how == "sum", grouped["sum"], grouped["mean"])
        parts.append(grouped[["scenario", "rep", "metric", "financial_year", "value"]])
    return pd.concat(parts, ignore_index=True)


def _stats(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.groupby(KEYS)[column].agg(
        mean="mean", p5=lambda x: np.percentile(x, 5), p50=lambda x: np.percentile(x, 50),
        p95=lambda x: np.percentile(x, 95)).reset_index()


def test_summary_matches_a_hand_computation(results):
    expected = _stats(_by_rep(results.timeseries), "value")
    got = results.summary.merge(expected, on=KEYS, suffixes=("", "_hand"))
    discounted = results.summary.financial_year == PERIOD_DISCOUNTED
    assert len(got) == (~discounted).sum() == 3 * len(METRICS) * 3  # 2 years + all
    assert sorted(results.summary[discounted].metric.unique()) == sorted(FLOWS)
    assert discounted.sum() == 3 * len(FLOWS)
    for stat in ("mean", "p5", "p50", "p95"):
        np.testing.assert_allclose(got[stat], got[f"{stat}_hand"], rtol=1e-9, atol=1e-9)
    units = got.metric.map(lambda name: BY_NAME[name].unit)
    assert (got.unit == units).all()
    year_one = got[(got.financial_year == "2025-26") & (got.scenario == "baseline")]
    assert (year_one.weeks == 52).all()


def test_deltas_are_paired_differences(results):
    by_rep = _by_rep(results.timeseries)
    base = by_rep[by_rep.scenario == "baseline"].drop(columns="scenario")
    paired = by_rep[by_rep.scenario != "baseline"].merge(
        base, on=["rep", "metric", "financial_year"], suffixes=("", "_base"))
    paired["diff"] = paired.value - paired.value_base
    expected = _stats(paired, "diff")
    got = results.deltas.merge(expected, on=KEYS, suffixes=("", "_hand"))
    discounted = results.deltas.financial_year == PERIOD_DISCOUNTED
    assert len(got) == (~discounted).sum() == 2 * len(METRICS) * 3
    assert discounted.sum() == 2 * len(FLOWS)
    for stat in ("mean", "p5", "p50", "p95"):
        np.testing.assert_allclose(got[stat], got[f"{stat}_hand"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(got.scenario_mean - got.baseline_mean, got["mean"],
                               rtol=1e-9, atol=1e-6)


def test_a_scenario_identical_to_baseline_has_zero_deltas(results):
    same = results.deltas[results.deltas.scenario == "same_as_baseline"]
    assert len(same) == len(METRICS) * 3 + len(FLOWS)
    assert (same[["mean", "p5", "p50", "p95"]] == 0).all().all()


def test_the_fee_uplift_leaves_the_first_year_alone(results):
    fee = results.deltas[(results.deltas.scenario == "homecare_fee_uplift")
                         & (results.deltas.financial_year == "2025-26")]
    assert (fee[["mean", "p5", "p50", "p95"]] == 0).all().all()


def test_summary_and_deltas_of_a_small_table():
    dates = [dt.date(2025, 3, 18) + dt.timedelta(weeks=w) for w in range(4)]
    periods = Periods.of(dates)
    assert periods.labels == ("2024-25", "2025-26", PERIOD_ALL)
    assert periods.weeks.tolist() == [2, 2, 4]
    flow, stock = METRICS.index(BY_NAME["council_spend"]), METRICS.index(BY_NAME["people_waiting"])
    weekly = np.zeros((2, 2, len(METRICS), 4))
    weekly[:, :, flow] = [[[1, 2, 3, 4], [2, 2, 2, 2]], [[1, 2, 3, 6], [2, 2, 2, 4]]]
    weekly[:, :, stock] = weekly[:, :, flow] * 10
    by_rep = np.array([[periods.aggregate(weekly[s, r]) for r in range(2)] for s in range(2)])
    assert by_rep[0, 0, flow].tolist() == [3, 7, 10]
    assert by_rep[0, 0, stock].tolist() == [15, 35, 25]
    summary = summarise(by_rep, ["baseline", "more"], periods).set_index(KEYS)
    assert summary.loc[("baseline", "council_spend", "all"), "mean"] == 9
    assert summary.loc[("baseline", "council_spend", "all"), "p50"] == 9
    assert summary.loc[("baseline", "council_spend", "all"), "p5"] == pytest.approx(8.1)
    deltas = paired_deltas(by_rep, ["baseline", "more"], periods).set_index(KEYS)
    row = deltas.loc[("more", "council_spend", "2025-26")]
    assert (row["mean"], row.baseline_mean, row.scenario_mean) == (2, 5.5, 7.5)
    assert row.p5 == row.p95 == 2


def test_a_summary_split_by_group_keeps_the_order_of_its_axes():
    dates = [dt.date(2025, 3, 18) + dt.timedelta(weeks=w) for w in range(4)]
    periods = Periods.of(dates)
    metrics = [BY_NAME["council_spend"], BY_NAME["people_waiting"]]
    by_rep = np.arange(2 * 3 * 2 * 2 * 3, dtype=float).reshape(2, 3, 2, 2, 3)
    table = summarise_split(by_rep, ["baseline", "more"], periods, metrics, "client_group",
                            ["b_group", "a_group"])
    assert list(table.columns[:4]) == ["scenario", "metric", "client_group", "financial_year"]
    assert len(table) == 2 * 2 * 2 * 3
    assert list(table.client_group[:6]) == ["b_group"] * 3 + ["a_group"] * 3
    row = table.set_index(["scenario", "metric", "client_group", "financial_year"]).loc[
        ("more", "people_waiting", "a_group", PERIOD_ALL)]
    assert row["mean"] == by_rep[1, :, 1, 1, 2].mean()


def test_week_belongs_to_the_financial_year_of_most_of_its_days():
    assert week_financial_year(dt.date(2026, 3, 31)) == "2026-27"
    assert week_financial_year(dt.date(2026, 3, 28)) == "2025-26"


def test_run_ids_never_collide(tmp_path):
    when = dt.datetime(2025, 4, 1, 12, 0, 0)
    first = new_run_dir(tmp_path, "abcdef123456", when)
    second = new_run_dir(tmp_path, "abcdef123456", when)
    assert (first.name, second.name) == ("20250401-120000-abcdef", "20250401-120000-abcdef-2")


@pytest.mark.parametrize("key", ["../../", "/etc/x", "a/b/cd"])
def test_run_ids_cannot_leave_the_output_folder(tmp_path, key):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="stays in"):
        new_run_dir(out, key)
    assert list(out.iterdir()) == [] and sorted(tmp_path.iterdir()) == [out]


def test_a_failing_run_is_marked_failed(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("model crashed")

    monkeypatch.setattr(sim.model, "simulate_arrays", crash)
    plan = plan_run([SCENARIOS / "baseline.yaml"], reps=1, years=1, scale=SCALE, out=tmp_path)
    with pytest.raises(JobFailedError) as info:
        execute(plan, ["caremarket", "run"])
    (run_dir,) = tmp_path.iterdir()
    assert str(info.value).endswith(f"rerun only the failed jobs with: {plan.reproduce()} "
                                    f"--resume {run_dir}")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["error"] == ("1 of 1 jobs failed (baseline replication 0); each job's "
                                 "error is under jobs")
    (job,) = manifest["jobs"]
    assert (job["state"], job["error"]) == ("failed", "RuntimeError: model crashed")
    assert job["traceback"].splitlines()[-1] == "RuntimeError: model crashed"
    assert not (run_dir / "summary.csv").exists() and not (run_dir / ".lock").exists()
    with pytest.raises(InputError, match="failed"):
        read_results(run_dir)


def test_an_interrupted_run_resumes_with_identical_results(tmp_path, monkeypatch):
    plan = plan_run([SCENARIOS / "baseline.yaml"], reps=2, years=1, seed=SEED, scale=SCALE,
                    out=tmp_path)
    run_dir = execute(plan, ["caremarket", "run"])
    before = read_results(run_dir)
    job_file(run_dir, "baseline", 1).unlink()
    (run_dir / "summary.csv").unlink()
    resumed = plan_run([SCENARIOS / "baseline.yaml"], reps=2, years=1, seed=SEED,
                       scale=SCALE, out=tmp_path, resume=run_dir)
    assert execute(resumed, ["caremarket", "run", "--resume"]) == run_dir
    after = read_results(run_dir)
    assert [j["state"] for j in after.manifest["jobs"]] == ["reused", "done"]
    pd.testing.assert_frame_equal(after.summary, before.summary)
    with pytest.raises(InputError, match="other inputs"):
        plan_run([SCENARIOS / "baseline.yaml"], reps=2, years=1, seed=SEED + 1, scale=SCALE,
                 out=tmp_path, resume=run_dir)


def test_an_interrupt_is_recorded_with_the_jobs_that_finished(tmp_path, monkeypatch):
    real = sim.model.simulate_arrays

    def interrupt_second(params, scenario, seed, weeks, scale=1.0, check=None):
        if seed.spawn_key == (1,):
            raise KeyboardInterrupt
        return real(params, scenario, seed, weeks, scale, check)

    monkeypatch.setattr(sim.model, "simulate_arrays", interrupt_second)
    plan = plan_run([SCENARIOS / "baseline.yaml"], reps=2, years=1, scale=SCALE, out=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        execute(plan, ["caremarket", "run"])
    (run_dir,) = tmp_path.iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert (manifest["status"], manifest["error"]) == ("failed", "interrupted")
    assert [j["state"] for j in manifest["jobs"]] == ["done", "pending"]


def test_files_written_atomically_get_ordinary_permissions(tmp_path):
    from sim.fileio import NEW_FILE_MODE, write_text

    write_text(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == NEW_FILE_MODE
    assert NEW_FILE_MODE & 0o600 == 0o600


def test_names_that_cannot_name_files_in_the_run_folder_are_input_errors():
    from sim.plan import _file_name_problems
    from sim.scenario import Scenario

    names = ["fine", "../x", "a/b", "/etc/passwd", "nul\x00", "x" * 250]
    scenarios = [Scenario(name=n, label=n, description="", file="s.yaml") for n in names]
    problems = _file_name_problems(scenarios, reps=10)
    assert [(p.file, p.key) for p in problems] == [("s.yaml", "name")] * 5
    assert "cannot name a file in the run folder" in str(problems[0])
