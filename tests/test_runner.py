"""The runner: seeds, determinism, workers, job files, resume and failures."""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import sim.model
from sim.calendar import WEEKS_PER_YEAR, run_end
from sim.dims import CLIENT_GROUPS
from sim.metrics import BY_GROUP, BY_NAME, METRICS
from sim.parameters import load_parameters
from sim.runner import (
    Ensemble,
    JobFailedError,
    job_file,
    job_shapes,
    replication_seeds,
    run_ensemble,
)
from sim.scenario import load_scenarios

ROOT = Path(__file__).resolve().parent.parent
FEE_SCENARIO = ROOT / "scenarios" / "homecare_fee_uplift.yaml"
WEEKS = WEEKS_PER_YEAR + 8  # past the fee change on 1 April 2026
SCALE = 0.05
SEED = 7


@pytest.fixture(scope="module")
def params():
    return load_parameters()


@pytest.fixture(scope="module")
def scenarios(params):
    start = params["run.start_date"]
    return load_scenarios([FEE_SCENARIO], params, start, run_end(start, WEEKS))


@pytest.fixture(scope="module")
def serial(params, scenarios) -> Ensemble:
    return run_ensemble(scenarios, params, reps=2, seed=SEED, weeks=WEEKS, scale=SCALE)


def test_replication_seeds_are_spawned_and_stable():
    seeds = replication_seeds(SEED, 3)
    expected = np.random.SeedSequence(SEED).spawn(3)
    assert [s.spawn_key for s in seeds] == [s.spawn_key for s in expected]
    assert [s.entropy for s in seeds] == [SEED] * 3
    more = replication_seeds(SEED, 5)
    assert [s.generate_state(4).tolist() for s in more[:3]] == \
        [s.generate_state(4).tolist() for s in seeds]


def test_every_job_returns_metrics_by_week(serial, scenarios):
    assert serial.names == ["baseline", "homecare_fee_uplift"]
    for scenario in scenarios:
        for rep in range(2):
            assert serial.raw(scenario.name, rep).shape == (len(METRICS), WEEKS)
            assert np.isfinite(serial.raw(scenario.name, rep)).all()


def test_same_seed_gives_identical_results(serial, params, scenarios):
    again = run_ensemble(scenarios[:1], params, reps=1, seed=SEED, weeks=WEEKS, scale=SCALE)
    np.testing.assert_array_equal(again.raw("baseline", 0), serial.raw("baseline", 0))


def test_replications_differ(serial):
    assert not np.array_equal(serial.raw("baseline", 0), serial.raw("baseline", 1))


def test_workers_do_not_change_results(serial, params, scenarios):
    pooled = run_ensemble(scenarios, params, reps=2, seed=SEED, weeks=WEEKS, scale=SCALE,
                          jobs=2)
    for scenario in scenarios:
        for rep in range(2):
            np.testing.assert_array_equal(pooled.raw(scenario.name, rep),
                                          serial.raw(scenario.name, rep))


def test_any_executor_can_run_the_jobs(serial, params, scenarios):
    with ThreadPoolExecutor(max_workers=2) as executor:
        threaded = run_ensemble(scenarios[:1], params, reps=2, seed=SEED, weeks=WEEKS,
                                scale=SCALE, executor=executor)
    np.testing.assert_array_equal(threaded.raw("baseline", 1), serial.raw("baseline", 1))


def test_county_values_are_scaled_back(serial):
    raw, county = serial.raw("baseline", 0), serial.county("baseline", 0)
    for i, metric in enumerate(METRICS):
        expected = raw[i] / SCALE if metric.extensive else raw[i]
        np.testing.assert_allclose(county[i], expected)


def test_results_by_client_group_are_scaled_back_and_add_up_to_the_county(serial):
    raw, groups = serial.raw("baseline", 0, "by_group"), serial.by_group("baseline", 0)
    assert groups.shape == (len(BY_GROUP), len(CLIENT_GROUPS), WEEKS)
    np.testing.assert_allclose(groups, raw / SCALE)  # every BY_GROUP metric is extensive
    county = serial.county("baseline", 0)[[METRICS.index(BY_NAME[m]) for m in BY_GROUP]]
    np.testing.assert_allclose(groups.sum(axis=1), county, rtol=1e-9, atol=1e-6)


def test_jobs_write_their_own_files_and_resume(tmp_path, serial, params, scenarios):
    progress = []
    first = run_ensemble(scenarios, params, reps=2, seed=SEED, weeks=WEEKS, scale=SCALE,
                         run_dir=tmp_path, progress=lambda done, total: progress.append(done))
    files = sorted(p.name for p in (tmp_path / "jobs").iterdir())
    assert files == ["baseline__r0.npz", "baseline__r1.npz", "ensemble.json",
                     "homecare_fee_uplift__r0.npz", "homecare_fee_uplift__r1.npz"]
    assert progress == [0, 1, 2, 3, 4]
    assert {r.status for r in first.results.values()} == {"ran"}
    assert all(r.arrays is None for r in first.results.values())  # nothing kept in memory
    with np.load(job_file(tmp_path, "homecare_fee_uplift", 1)) as saved:
        assert sorted(saved.files) == sorted(job_shapes(WEEKS, 1))
        for name in ("metrics", "by_district", "by_council", "by_group"):
            np.testing.assert_array_equal(saved[name],
                                          serial.raw("homecare_fee_uplift", 1, name))

    job_file(tmp_path, "baseline", 1).unlink()
    again = run_ensemble(scenarios, params, reps=2, seed=SEED, weeks=WEEKS, scale=SCALE,
                         run_dir=tmp_path)
    statuses = {key: r.status for key, r in again.results.items()}
    assert statuses == {("baseline", 0): "reused", ("homecare_fee_uplift", 0): "reused",
                        ("baseline", 1): "ran", ("homecare_fee_uplift", 1): "reused"}
    np.testing.assert_array_equal(again.raw("baseline", 1), serial.raw("baseline", 1))


def test_a_job_file_without_results_by_client_group_is_run_again(tmp_path, serial, params,
                                                                  scenarios):
    """A job file lacking ``by_group`` (as written before results were recorded by client
    group) is incomplete, like one cut short: the job runs again, the others are reused."""
    run_ensemble(scenarios, params, reps=1, seed=SEED, weeks=WEEKS, scale=SCALE,
                 run_dir=tmp_path)
    path = job_file(tmp_path, "homecare_fee_uplift", 0)
    with np.load(path) as saved:
        older = {name: saved[name] for name in saved.files if name != "by_group"}
    np.savez(path, **older)
    again = run_ensemble(scenarios, params, reps=1, seed=SEED, weeks=WEEKS, scale=SCALE,
                         run_dir=tmp_path)
    statuses = {key: r.status for key, r in again.results.items()}
    assert statuses == {("baseline", 0): "reused", ("homecare_fee_uplift", 0): "ran"}
    np.testing.assert_array_equal(again.raw("homecare_fee_uplift", 0, "by_group"),
                                  serial.raw("homecare_fee_uplift", 0, "by_group"))


def test_a_folder_of_jobs_made_before_results_by_client_group_is_refused(tmp_path, params,
                                                                         scenarios):
    """Its ``ensemble.json`` does not list the ``BY_GROUP`` metrics: not reused."""
    run_ensemble(scenarios[:1], params, reps=1, seed=SEED, weeks=WEEKS, scale=SCALE,
                 run_dir=tmp_path)
    key_path = tmp_path / "jobs" / "ensemble.json"
    key = json.loads(key_path.read_text())
    assert key["by_group"] == list(BY_GROUP) and key["client_groups"] == list(CLIENT_GROUPS)
    del key["by_group"], key["client_groups"]
    key_path.write_text(json.dumps(key))
    with pytest.raises(ValueError, match="other inputs.*by_group"):
        run_ensemble(scenarios[:1], params, reps=1, seed=SEED, weeks=WEEKS, scale=SCALE,
                     run_dir=tmp_path)


def test_a_folder_of_other_inputs_is_refused(tmp_path, params, scenarios):
    run_ensemble(scenarios[:1], params, reps=1, seed=SEED, weeks=WEEKS, scale=SCALE,
                 run_dir=tmp_path)
    with pytest.raises(ValueError, match="other inputs"):
        run_ensemble(scenarios[:1], params, reps=1, seed=SEED + 1, weeks=WEEKS, scale=SCALE,
                     run_dir=tmp_path)


def _fail_one(monkeypatch, scenario: str, rep: int) -> list[tuple[str, int]]:
    """Make the model raise for one (scenario, rep); the list records every job run."""
    real, ran = sim.model.simulate_arrays, []

    def fail_one(params, this, seed, weeks, scale=1.0, check=None):
        ran.append((this.name, seed.spawn_key[0]))
        if (this.name, seed.spawn_key) == (scenario, (rep,)):
            raise RuntimeError("boom")
        return real(params, this, seed, weeks, scale, check)

    monkeypatch.setattr(sim.model, "simulate_arrays", fail_one)
    return ran


def test_a_failing_job_stops_no_other_and_reruns_alone(tmp_path, monkeypatch, params,
                                                       scenarios):
    ran = _fail_one(monkeypatch, "baseline", 0)
    seen = []
    with pytest.raises(JobFailedError) as info:
        run_ensemble(scenarios, params, reps=2, seed=SEED, weeks=WEEKS, scale=SCALE,
                     run_dir=tmp_path, on_job=seen.append)
    error = info.value
    assert len(ran) == 4 and error.total == 4
    (failure,) = error.failures
    assert (failure.scenario, failure.rep, failure.error) == ("baseline", 0,
                                                              "RuntimeError: boom")
    assert failure.seed.spawn_key == (0,) and failure.seed.entropy == SEED
    assert "raise RuntimeError" in failure.traceback and "fail_one" in failure.traceback
    assert str(error).splitlines() == [
        f"scenario 'baseline' replication 0 (seed {SEED}, spawn key (0,)) failed: "
        "RuntimeError: boom",
        "1 of 4 jobs failed, the others finished; run the ensemble again into the same "
        "run_dir to rerun only the failed jobs"]
    assert {k: r.status for k, r in error.results.items()} == {
        ("baseline", 0): "failed", ("homecare_fee_uplift", 0): "ran",
        ("baseline", 1): "ran", ("homecare_fee_uplift", 1): "ran"}
    assert sorted((r.scenario, r.rep, r.status) for r in seen) == sorted(
        (*k, r.status) for k, r in error.results.items())
    left = sorted(p.name for p in (tmp_path / "jobs").iterdir())
    assert left == ["baseline__r1.npz", "ensemble.json", "homecare_fee_uplift__r0.npz",
                    "homecare_fee_uplift__r1.npz"]

    monkeypatch.undo()
    again = run_ensemble(scenarios, params, reps=2, seed=SEED, weeks=WEEKS, scale=SCALE,
                         run_dir=tmp_path)
    assert {k: r.status for k, r in again.results.items()} == {
        ("baseline", 0): "ran", ("homecare_fee_uplift", 0): "reused",
        ("baseline", 1): "reused", ("homecare_fee_uplift", 1): "reused"}


def test_failures_on_an_executor_are_kept_and_listed_in_job_order(monkeypatch, params,
                                                                  scenarios):
    """Jobs that raise on an executor, and the executor's own failure of a job (as when a
    worker dies), are each recorded; every other job still runs."""
    import sim.runner

    _fail_one(monkeypatch, "homecare_fee_uplift", 1)
    attempt = sim.runner.attempt_job

    def worker_dies(job):
        if (job.scenario.name, job.rep) == ("baseline", 1):
            raise OSError("worker died")
        return attempt(job)

    monkeypatch.setattr(sim.runner, "attempt_job", worker_dies)
    with ThreadPoolExecutor(max_workers=2) as executor, \
            pytest.raises(JobFailedError) as info:
        run_ensemble(scenarios, params, reps=2, seed=SEED, weeks=WEEKS, scale=SCALE,
                     executor=executor)
    assert [(f.scenario, f.rep, f.error) for f in info.value.failures] == [
        ("baseline", 1, "OSError: worker died"),
        ("homecare_fee_uplift", 1, "RuntimeError: boom")]
    lines = str(info.value).splitlines()
    assert lines[1].startswith("Error: scenario 'homecare_fee_uplift' replication 1 ")
    assert lines[2].startswith("2 of 4 jobs failed")
    assert info.value.results[("baseline", 0)].arrays is not None


@pytest.mark.parametrize("name", ["..", ".", "", "-", ".hidden"])
def test_odd_names_still_name_a_file_in_the_jobs_folder(tmp_path, name):
    path = job_file(tmp_path, name, 3)
    assert path.resolve().parent == (tmp_path / "jobs").resolve()
    assert path.name == f"{name}__r3.npz"
    for rep in (-1, 1.5, True):
        with pytest.raises(ValueError, match="replication"):
            job_file(tmp_path, name, rep)


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "a/b", "../x", "a\x00b",
                                  "x" * 300])
def test_job_files_cannot_leave_the_jobs_folder(tmp_path, params, scenarios, name):
    with pytest.raises(ValueError, match="stays in"):
        job_file(tmp_path, name, 0)
    bad = dataclasses.replace(scenarios[1], name=name)
    with pytest.raises(ValueError, match="stays in"):
        run_ensemble([scenarios[0], bad], params, reps=1, seed=SEED, weeks=WEEKS,
                     scale=SCALE, run_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", [{"reps": 0}, {"weeks": -1}, {"scale": 0.0}, {"jobs": 0}])
def test_bad_arguments_are_refused(params, scenarios, bad):
    arguments = {"reps": 1, "seed": SEED, "weeks": WEEKS, "scale": SCALE, **bad}
    with pytest.raises(ValueError):
        run_ensemble(scenarios, params, **arguments)


def test_api_loads_scenarios_by_path_or_name(monkeypatch, params):
    from sim.api import load_scenario
    from sim.errors import InputError

    by_path = load_scenario(FEE_SCENARIO, params)
    monkeypatch.chdir(ROOT)
    by_name = load_scenario("homecare_fee_uplift", params)
    assert [(c.param, c.value, c.start) for c in by_name.changes] == \
        [(c.param, c.value, c.start) for c in by_path.changes]
    assert load_scenario("baseline", params).changes == []
    with pytest.raises(InputError, match="no such scenario"):
        load_scenario("no_such_scenario", params)


def test_api_builds_a_model_to_step(params):
    from sim.api import build_model

    model = build_model(FEE_SCENARIO, seed=1, years=2, scale=SCALE, params=params)
    model.step()
    assert model.recorder.data.shape == (len(METRICS), 2 * WEEKS_PER_YEAR)
    assert len(model.dates) == 2 * WEEKS_PER_YEAR
