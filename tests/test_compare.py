"""The scenario comparison (sim/compare.py): discounting, the decision table, and
`caremarket compare` rebuilding it from a saved run."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cli
from sim.calendar import week_dates
from sim.compare import (
    COSTS_MORE_BETTER,
    DOMINANT,
    DOMINATED,
    NO_CHANGE,
    SAVES_WORSE,
    Appraisal,
    PairedChanges,
    cost_per_outcome,
    decision_table,
    verdicts,
)
from sim.errors import InputError
from sim.metrics import BY_NAME, METRICS
from sim.parameters import load_parameters
from sim.plan import plan_run
from sim.results import execute, read_results
from sim.summary import (
    PERIOD_ALL,
    PERIOD_DISCOUNTED,
    Periods,
    discount_factors,
    paired_deltas,
    summarise,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
REPS, YEARS, SCALE, SEED = 3, 2, 0.05, 5
KEYS = ["scenario", "metric", "financial_year"]
FLOWS = [m.name for m in METRICS if m.aggregate == "sum"]
STATS = ["mean", "p5", "p50", "p95"]
SAME_AS_BASELINE = """\
name: same_as_baseline
label: Same as baseline
description: No changes at all; its paired differences must be exactly zero.
"""


# --- discounting ---------------------------------------------------------------------

def test_a_constant_flow_is_discounted_per_financial_year():
    rate = 0.035
    periods = Periods.of(week_dates(dt.date(2025, 4, 1), 3 * 52), discount_rate=rate)
    assert periods.labels == ("2025-26", "2026-27", "2027-28", PERIOD_ALL, PERIOD_DISCOUNTED)
    assert periods.weeks.tolist() == [52, 52, 52, 156, 156]
    weekly = np.ones((len(METRICS), 3 * 52))
    by_rep = periods.aggregate(weekly)[None, None]  # one scenario, one replication
    present_value = 52 + 52 / 1.035 + 52 / 1.035 ** 2
    flow, stock = METRICS.index(BY_NAME["council_spend"]), METRICS.index(BY_NAME["people_waiting"])
    assert by_rep[0, 0, flow, -1] == pytest.approx(present_value, rel=1e-12)
    assert by_rep[0, 0, flow, -2] == 156
    assert np.isnan(by_rep[0, 0, stock, -1]) and by_rep[0, 0, stock, -2] == 1
    summary = summarise(by_rep, ["baseline"], periods).set_index(KEYS)
    assert summary.loc[("baseline", "council_spend", PERIOD_DISCOUNTED), "mean"] == \
        pytest.approx(present_value, rel=1e-12)
    discounted = summary.xs(PERIOD_DISCOUNTED, level="financial_year")
    assert sorted(discounted.index.get_level_values("metric")) == sorted(FLOWS)


def test_discount_factors_and_a_zero_rate():
    np.testing.assert_allclose(discount_factors(3, 0.1), [1, 1 / 1.1, 1 / 1.21])
    periods = Periods.of(week_dates(dt.date(2025, 4, 1), 2 * 52), discount_rate=0.0)
    weekly = np.random.default_rng(1).random((len(METRICS), 2 * 52))
    aggregated = periods.aggregate(weekly)
    flows = np.array([m.aggregate == "sum" for m in METRICS])
    np.testing.assert_allclose(aggregated[flows, -1], aggregated[flows, -2])


def test_the_later_years_of_a_change_are_worth_less():
    periods = Periods.of(week_dates(dt.date(2025, 4, 1), 2 * 52), discount_rate=0.5)
    weekly = np.zeros((2, len(METRICS), 2 * 52))
    weekly[1, :, 52:] = 1  # the scenario adds 1 a week in the second year only
    by_rep = np.array([periods.aggregate(w) for w in weekly])[:, None]
    deltas = paired_deltas(by_rep, ["baseline", "later"], periods).set_index(KEYS)
    assert deltas.loc[("later", "council_spend", PERIOD_ALL), "mean"] == 52
    assert deltas.loc[("later", "council_spend", PERIOD_DISCOUNTED), "mean"] == \
        pytest.approx(52 / 1.5)


# --- the decision table --------------------------------------------------------------

def _changes(cost, public, gain, waiting) -> PairedChanges:
    cost = np.array(cost, float)
    return PairedChanges(cost, np.array(public, float), np.array(gain, float),
                         {"people_waiting": np.array(waiting, float),
                          "unmet_need_hours": np.zeros(cost.shape),
                          "provider_exits": np.ones(cost.shape)})


@pytest.fixture
def decision() -> pd.DataFrame:
    """Four scenarios x four replications whose answers are worked out by hand."""
    names = ["dominated", "trade_off", "dominant", "saves_worse"]
    cost = [[10, 20, 30, 40], [100, 100, -20, 100], [-10, -20, -30, -40], [-10] * 4]
    public = [[10, 20, 30, 40], [100, 100, -20, 100], [-15, -25, -35, -45], [-10] * 4]
    gain = [[-1] * 4, [1, 1, 1, -1], [1, 2, 3, 2], [-1] * 4]
    waiting = [[4, 4, 4, 4], [0, 0, 0, 0], [-2, -2, -2, -2], [1, 2, 3, 4]]
    table = decision_table(names, [n.upper() for n in names], "baseline",
                           _changes(cost, public, gain, waiting),
                           Appraisal(discount_rate=0.035, wellbeing_week_value=100))
    return table.set_index("scenario")


def test_decision_ranks_by_mean_net_benefit(decision):
    # net benefit = 100 x gain - public cost change, per replication
    assert decision.index.tolist() == ["dominant", "trade_off", "saves_worse", "dominated"]
    assert decision["rank"].tolist() == [1, 2, 3, 4]
    assert decision.net_benefit_gbp_mean.tolist() == [230, -20, -90, -125]
    assert decision.loc["trade_off", "net_benefit_gbp_p5"] == pytest.approx(-170)
    assert decision.loc["dominant", "label"] == "DOMINANT"
    assert (decision.baseline == "baseline").all() and (decision.reps == 4).all()
    assert (decision.discount_rate == 0.035).all()
    assert (decision.wellbeing_week_value_gbp == 100).all()


def test_stress_tests_follow_the_policies_unranked():
    names = ["shock", "policy_a", "policy_b"]
    cost = [[-50] * 2, [10] * 2, [20] * 2]
    gain = [[0] * 2, [1] * 2, [1] * 2]
    table = decision_table(names, names, "baseline", _changes(cost, cost, gain, cost),
                           Appraisal(discount_rate=0.035, wellbeing_week_value=100),
                           stress_tests=[True, False, False])
    assert table.scenario.tolist() == ["policy_a", "policy_b", "shock"]  # shock: best net
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    assert table.stress_test.tolist() == [False, False, True]


def test_decision_verdicts_and_costs_per_wellbeing_week(decision):
    assert decision.verdict.to_dict() == {
        "dominant": DOMINANT, "trade_off": COSTS_MORE_BETTER, "saves_worse": SAVES_WORSE,
        "dominated": DOMINATED}
    assert decision.council_cost_per_wellbeing_week_gbp.to_dict() == {
        "dominant": -12.5, "trade_off": 140, "saves_worse": 10, "dominated": -25}


def test_decision_probabilities_are_shares_of_replications(decision):
    probs = decision[["prob_lower_council_cost", "prob_better_outcomes", "prob_both",
                      "prob_positive_net_benefit"]]
    assert probs.loc["dominant"].tolist() == [1, 1, 1, 1]
    assert probs.loc["dominated"].tolist() == [0, 0, 0, 0]
    # trade_off: cheaper only in replication 2, which is also better; net benefit
    # [0, 0, 120, -200] is positive once (0 is not a gain)
    assert probs.loc["trade_off"].tolist() == [0.25, 0.75, 0.25, 0.25]
    assert probs.loc["saves_worse"].tolist() == [1, 0, 0, 0]


def test_decision_spreads_and_context(decision):
    row = decision.loc["dominant"]
    assert (row.council_cost_change_gbp_mean, row.council_cost_change_gbp_p5,
            row.council_cost_change_gbp_p95) == pytest.approx((-25, -38.5, -11.5))
    assert row.total_public_cost_change_gbp_mean == -30
    assert row.wellbeing_weeks_gained_mean == 2
    assert row.people_waiting_change_mean == -2
    assert decision.loc["saves_worse", "people_waiting_change_mean"] == 2.5
    assert (decision.provider_exits_change_mean == 1).all()


def test_verdicts_of_zero_changes_and_no_cost_per_week_without_a_gain():
    got = verdicts(np.array([0, 0, -1, 1, 0]), np.array([0, 1, 0, 0, -1]))
    assert got.tolist() == [NO_CHANGE, DOMINANT, DOMINANT, DOMINATED, DOMINATED]
    ratio = cost_per_outcome(np.array([5.0, 0.0, 6.0]), np.array([0.0, 0.0, -2.0]))
    assert np.isnan(ratio[:2]).all() and ratio[2] == -3


def test_an_identical_scenario_has_no_cost_per_week():
    zeros = np.zeros((1, 3))
    table = decision_table(["same"], ["Same"], "baseline",
                           _changes(zeros, zeros, zeros, zeros), Appraisal(0.035, 385))
    row = table.iloc[0]
    assert np.isnan(row.council_cost_per_wellbeing_week_gbp)
    assert row.verdict == NO_CHANGE and row.net_benefit_gbp_mean == 0
    assert row.prob_positive_net_benefit == 0 and row.prob_lower_council_cost == 0


def test_no_scenario_but_the_baseline_gives_an_empty_ranking():
    empty = np.zeros((0, 3))
    table = decision_table([], [], "baseline", _changes(empty, empty, empty, empty),
                           Appraisal(0.035, 385))
    assert table.empty and "net_benefit_gbp_mean" in table.columns
    assert "only the baseline" in cli.format_ranking(table)


def test_the_appraisal_parameters_have_provenance():
    params = load_parameters()
    value = params.spec("appraisal.wellbeing_week_value")
    assert value.status == "assumption" and "nice.org.uk" in value.source["url"]
    assert value.range == pytest.approx((20000 / 52, 30000 / 52), abs=0.01)
    rate = params.spec("appraisal.discount_rate")
    assert params["appraisal.discount_rate"] == 0.035 and "green-book" in rate.source["url"]


# --- a real run, and `caremarket compare` ----------------------------------------------

@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "same.yaml").write_text(SAME_AS_BASELINE, encoding="utf-8")
    targets = [SCENARIOS / "baseline.yaml", SCENARIOS / "homecare_fee_uplift.yaml",
               folder / "same.yaml"]
    plan = plan_run(targets, reps=REPS, years=YEARS, seed=SEED,
                    scale=SCALE, jobs=1, out=tmp_path_factory.mktemp("results"))
    return execute(plan, ["caremarket", "run", "(test)"])


@pytest.fixture
def copy(run_dir, tmp_path) -> Path:
    """A copy of the run that a test may change."""
    return Path(shutil.copytree(run_dir, tmp_path / run_dir.name))


def invoke(*args):
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_run_writes_a_ranked_decision_table(run_dir):
    results = read_results(run_dir, timeseries=False)
    decision = results.decision
    assert sorted(decision.scenario) == ["homecare_fee_uplift", "same_as_baseline"]
    assert decision["rank"].tolist() == [1, 2]
    assert decision.net_benefit_gbp_mean.is_monotonic_decreasing
    assert (decision.reps == REPS).all() and (decision.discount_rate == 0.035).all()
    labels = dict(zip(decision.scenario, decision.label))
    assert labels["same_as_baseline"] == "Same as baseline"


def test_decision_agrees_with_the_discounted_deltas(run_dir):
    results = read_results(run_dir, timeseries=False)
    deltas = results.deltas.set_index(KEYS)["mean"]
    for _, row in results.decision.iterrows():
        name = row.scenario
        assert row.council_cost_change_gbp_mean == pytest.approx(
            deltas[(name, "council_spend", PERIOD_DISCOUNTED)], abs=1e-6)
        assert row.total_public_cost_change_gbp_mean == pytest.approx(
            deltas[(name, "total_public_cost", PERIOD_DISCOUNTED)], abs=1e-6)
        assert row.wellbeing_weeks_gained_mean == pytest.approx(
            deltas[(name, "wellbeing_weeks", PERIOD_DISCOUNTED)], abs=1e-6)
        assert row.people_waiting_change_mean == pytest.approx(
            deltas[(name, "people_waiting", PERIOD_ALL)], abs=1e-6)
        net = row.wellbeing_week_value_gbp * row.wellbeing_weeks_gained_mean \
            - row.total_public_cost_change_gbp_mean
        assert row.net_benefit_gbp_mean == pytest.approx(net, abs=1e-3)


def test_an_identical_scenario_in_a_real_run_has_no_cost_per_week(run_dir):
    decision = read_results(run_dir, timeseries=False).decision.set_index("scenario")
    same = decision.loc["same_as_baseline"]
    assert np.isnan(same.council_cost_per_wellbeing_week_gbp)
    assert same.verdict == NO_CHANGE
    assert same.wellbeing_weeks_gained_mean == 0 and same.council_cost_change_gbp_mean == 0


def test_discounted_summary_matches_a_hand_computation(run_dir):
    results = read_results(run_dir)
    ts = results.timeseries[results.timeseries.metric.isin(FLOWS)]
    yearly = ts.groupby(["scenario", "rep", "metric", "financial_year"]).value.sum()
    yearly = yearly.reset_index()
    first = yearly.financial_year.str[:4].astype(int)
    yearly["pv"] = yearly.value / 1.035 ** (first - first.min())
    by_rep = yearly.groupby(["scenario", "rep", "metric"]).pv.sum().reset_index()
    hand = by_rep.groupby(["scenario", "metric"]).pv.mean()
    got = results.summary[results.summary.financial_year == PERIOD_DISCOUNTED]
    assert len(got) == 3 * len(FLOWS)
    got = got.set_index(["scenario", "metric"])["mean"]
    np.testing.assert_allclose(got.sort_index(), hand.sort_index(), rtol=1e-9, atol=1e-6)
    # the second year is worth less than it would be undiscounted
    year_two = results.summary[(results.summary.financial_year == "2026-27")
                               & (results.summary.scenario == "baseline")]
    spend = year_two.set_index("metric").loc["council_spend", "mean"]
    whole = results.summary.set_index(KEYS)["mean"]
    assert whole[("baseline", "council_spend", PERIOD_ALL)] - \
        whole[("baseline", "council_spend", PERIOD_DISCOUNTED)] == \
        pytest.approx(spend * (1 - 1 / 1.035), rel=1e-9)


def test_compare_reproduces_the_tables_of_the_run(copy):
    before = read_results(copy, timeseries=False)
    result = invoke("compare", copy)
    assert result.exit_code == 0, result.output
    after = read_results(copy, timeseries=False)
    pd.testing.assert_frame_equal(after.decision, before.decision)
    pd.testing.assert_frame_equal(after.summary, before.summary)
    pd.testing.assert_frame_equal(after.deltas, before.deltas)
    assert "Ranking against baseline" in result.stdout
    first = before.decision.scenario.iloc[0]
    assert any(line.split()[:2] == ["1", first] for line in result.stdout.splitlines())
    comparison = after.manifest["comparison"]
    assert (comparison["baseline"], comparison["discount_rate"]) == ("baseline", 0.035)
    assert comparison["command"] == ["caremarket", "compare", str(copy)]
    assert not list(copy.rglob("*.tmp"))


def test_compare_against_another_baseline(copy, run_dir):
    original = read_results(run_dir, timeseries=False).deltas
    result = invoke("compare", copy, "--baseline", "homecare_fee_uplift")
    assert result.exit_code == 0, result.output
    after = read_results(copy, timeseries=False)
    assert set(after.deltas.scenario) == {"baseline", "same_as_baseline"}
    fee = original[original.scenario == "homecare_fee_uplift"].set_index(KEYS[1:])
    base = after.deltas[after.deltas.scenario == "baseline"].set_index(KEYS[1:])
    assert len(base) == len(fee)
    np.testing.assert_allclose(base["mean"], -fee.loc[base.index, "mean"], atol=1e-6)
    np.testing.assert_allclose(base["p5"], -fee.loc[base.index, "p95"], atol=1e-6)
    assert set(after.decision.scenario) == {"baseline", "same_as_baseline"}
    assert (after.decision.baseline == "homecare_fee_uplift").all()
    assert after.manifest["comparison"]["baseline"] == "homecare_fee_uplift"
    assert "Ranking against homecare_fee_uplift" in result.stdout


def test_compare_with_another_discount_rate(copy):
    result = invoke("compare", copy, "--discount-rate", "0")
    assert result.exit_code == 0, result.output
    after = read_results(copy, timeseries=False)
    whole = after.summary.set_index(KEYS)["mean"]
    discounted = whole.xs(PERIOD_DISCOUNTED, level="financial_year")
    undiscounted = whole.xs(PERIOD_ALL, level="financial_year").loc[discounted.index]
    np.testing.assert_allclose(discounted, undiscounted, rtol=1e-12)
    assert (after.decision.discount_rate == 0).all()
    assert after.manifest["comparison"]["discount_rate"] == 0
    assert after.manifest["comparison"]["wellbeing_week_value"] == pytest.approx(384.62)
    assert "discounted at 0% a year" in result.stdout


@pytest.mark.parametrize("args, expected", [
    (["--baseline", "nope"], ("Error: --baseline: no scenario 'nope' in {run}; valid: "
                              "baseline, homecare_fee_uplift, same_as_baseline")),
    (["--discount-rate", "1"], "Error: --discount-rate: must be at least 0 and below 1"),
    (["--discount-rate", "-0.01"], "Error: --discount-rate: must be at least 0 and below 1"),
    (["--discount-rate", "nan"], "Error: --discount-rate: must be at least 0 and below 1"),
])
def test_bad_options_are_one_clear_error_and_change_nothing(copy, args, expected):
    before = fingerprint(copy)
    result = invoke("compare", copy, *args)
    assert result.exit_code == 1
    (message,) = errors(result)
    assert message.startswith(expected.format(run=copy))
    assert "Traceback" not in result.output
    assert fingerprint(copy) == before


def test_a_folder_that_is_not_a_completed_run_is_one_clear_error(copy, tmp_path):
    missing = tmp_path / "nowhere"
    result = invoke("compare", missing)
    assert result.exit_code == 1 and errors(result) == [
        (f"Error: {missing}: no such folder; give a run folder written by `caremarket run`, "
         "e.g. results/<run-id>")]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("compare", empty)
    (message,) = errors(result)
    assert result.exit_code == 1 and "not a results folder (no manifest.json)" in message
    assert list(empty.iterdir()) == []
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["status"] = "running"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    before = fingerprint(copy)
    result = invoke("compare", copy)
    (message,) = errors(result)
    assert result.exit_code == 1 and "run is 'running', not completed" in message
    assert "--resume" in message
    assert fingerprint(copy) == before


def test_compare_rebuilds_an_older_run(copy, run_dir):
    """A run from before decision.csv, the appraisal parameters and a newer metric."""
    (copy / "decision.csv").unlink()
    with pytest.raises(InputError, match="caremarket compare"):
        read_results(copy)
    parameters = json.loads((copy / "scenarios" / "parameters.json").read_text())
    del parameters["values"]["appraisal.discount_rate"]
    (copy / "scenarios" / "parameters.json").write_text(json.dumps(parameters))
    table = pq.read_table(copy / "timeseries.parquet")
    kept = table.filter(np.array(table["metric"].to_pylist()) != "care_home_beds")
    pq.write_table(kept, copy / "timeseries.parquet")
    result = invoke("compare", copy)
    assert result.exit_code == 0, result.output
    after = read_results(copy, timeseries=False)
    pd.testing.assert_frame_equal(after.decision,
                                  read_results(run_dir, timeseries=False).decision)
    assert "care_home_beds" not in set(after.deltas.metric)
    assert "care_home_occupancy" in set(after.deltas.metric)
