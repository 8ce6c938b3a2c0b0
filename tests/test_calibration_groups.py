"""Calibration targets by client group: ``group:`` reads that group's rows of the
``BY_GROUP`` metrics (both sides of a ``per`` ratio), and a bad group is one clear error
naming the file and key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import cli
from sim.calibration.outputs import fit_table
from sim.calibration.simulator import TargetSimulator, point_seed
from sim.calibration.space import build_space
from sim.calibration.targets import load_targets
from sim.calibration.text import fit_rows
from sim.calibration.weekly import Weekly
from sim.dims import CLIENT_GROUPS
from sim.errors import InputError
from sim.metrics import BY_GROUP, INDEX

START = dt.date(2025, 4, 1)
WEEKS = 4
PERIOD = "2025-04-01 to 2025-04-28"
SOURCE = '{title: t, url: "https://example.org"}'
LONG_TERM = BY_GROUP.index("council_funded_long_term")
CARE_HOMES = BY_GROUP.index("council_funded_care_home_residents")
OLDER, LEARNING = CLIENT_GROUPS.index("older_people"), CLIENT_GROUPS.index("learning_disability")


def target(name: str, metric: str, *, group: object = None, per: str | None = None) -> str:
    lines = [f"  {name}:", f"    metric: {metric}", f"    period: {PERIOD}", "    value: 1",
             "    sd: 1", f"    source: {SOURCE}"]
    lines += [f"    group: {group}"] if group is not None else []
    lines += [f"    per: {per}"] if per else []
    return "\n".join(lines) + "\n"


def targets_file(folder: Path, *entries: str) -> Path:
    path = folder / "groups.yaml"
    path.write_text("name: groups\ndescription: Targets by client group.\ntargets:\n"
                    + "".join(entries), encoding="utf-8")
    return path


def fake_run() -> Weekly:
    """Long-term support: 12 older people and 8 with a learning disability (20 in all);
    care homes: 5 older people and 1 (6 in all)."""
    metrics = np.zeros((len(INDEX), WEEKS))
    by_group = np.zeros((len(BY_GROUP), len(CLIENT_GROUPS), WEEKS))
    by_group[LONG_TERM, [OLDER, LEARNING]] = [[12.0], [8.0]]
    by_group[CARE_HOMES, [OLDER, LEARNING]] = [[5.0], [1.0]]
    for row in (LONG_TERM, CARE_HOMES):
        metrics[INDEX[BY_GROUP[row]]] = by_group[row].sum(axis=0)
    return Weekly(metrics, by_group)


def test_a_target_with_a_group_reads_that_groups_rows(tmp_path):
    path = targets_file(
        tmp_path, target("total", "council_funded_long_term"),
        target("older", "council_funded_long_term", group="older_people"),
        target("learning", "council_funded_long_term", group="learning_disability"),
        target("share", "council_funded_care_home_residents", per="council_funded_long_term"),
        target("older_share", "council_funded_care_home_residents", group="older_people",
               per="council_funded_long_term"))
    figures = load_targets(path).simulated(fake_run(), START)
    assert figures == pytest.approx({"total": 20, "older": 12, "learning": 8,
                                     "share": 6 / 20, "older_share": 5 / 12})


def test_a_small_runs_group_figures_are_its_rows_and_add_up_to_the_total(tmp_path, params):
    metrics = ("council_funded_long_term", "council_spend")
    entries = [target(f"{m}_{g}", m, group=g) for m in metrics for g in CLIENT_GROUPS]
    path = targets_file(tmp_path, *entries, *[target(m, m) for m in metrics])
    space = build_space(["pathway.request_hazard"], params, "test")
    model = TargetSimulator(params, space, load_targets(path), WEEKS, scale=0.02, seed=7)
    figures = model.at_defaults()

    from sim.model import simulate_arrays

    arrays = simulate_arrays(params, None, point_seed(7, [1.0]), WEEKS, 0.02)
    for m in metrics:
        row = arrays["by_group"][BY_GROUP.index(m), OLDER] / 0.02
        expected = row.sum() if m == "council_spend" else row.mean()
        assert figures[f"{m}_older_people"] == pytest.approx(expected)
        groups = [figures[f"{m}_{g}"] for g in CLIENT_GROUPS]
        assert sum(groups) == pytest.approx(figures[m])
        assert 0 < figures[f"{m}_older_people"] < figures[m]  # working-age groups count too


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_targets(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(("entry", "words"), [
    (target("x", "council_spend", group="older_peple"),
     ["unknown client group 'older_peple'", "did you mean older_people", *CLIENT_GROUPS]),
    (target("x", "council_spend", group=3), ["expected one of", *CLIENT_GROUPS]),
    (target("x", "council_spend", group="[older_people]"), ["expected one of"]),
    (target("x", "requests", group="older_people"),
     ["metric requests is not recorded by client group", *BY_GROUP]),
    (target("x", "council_funded_care_home_residents", group="older_people",
            per="care_homes_open"),
     ["per care_homes_open is not recorded by client group", *BY_GROUP]),
])
def test_a_bad_group_is_one_error_naming_file_and_key(tmp_path, entry, words):
    path = targets_file(tmp_path, entry)
    found = problems(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path} [targets.x.group]: "), found
    assert all(w in found[0] for w in words), found


def test_calibrate_refuses_a_bad_group_in_one_line(tmp_path):
    path = targets_file(tmp_path, target("x", "requests", group="older_people"))
    result = CliRunner().invoke(cli.main, ["calibrate", str(path), "--params",
                                           "pathway.request_hazard", "--out",
                                           str(tmp_path / "out")])
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert result.exit_code == 1 and len(errors) == 1, result.stderr
    assert errors[0].startswith(f"Error: {path} [targets.x.group]: metric requests is not")
    assert not (tmp_path / "out").exists()


def test_the_fit_table_says_each_targets_group(tmp_path):
    path = targets_file(tmp_path, target("total", "council_funded_long_term"),
                        target("older", "council_funded_long_term", group="older_people"))
    targets = load_targets(path)
    simulated = pd.DataFrame({"weight": [1.0], "total": [20.0], "older": [12.0]})
    fit = fit_table(targets, simulated, {"total": 20.0, "older": 12.0})
    assert fit.group.tolist() == ["all", "older_people"]
    assert [row[1] for row in fit_rows(fit)] == ["group", "all", "older_people"]
    saved = tmp_path / "fit.csv"
    fit.drop(columns="group").to_csv(saved, index=False)  # a calibration before groups
    assert [row[1] for row in fit_rows(pd.read_csv(saved))] == ["group", "all", "all"]


def test_group_rows_scale_back_as_the_county_does():
    arrays = {"metrics": np.ones((len(INDEX), WEEKS)),
              "by_group": np.ones((len(BY_GROUP), len(CLIENT_GROUPS), WEEKS))}
    run = Weekly.from_run(arrays, 0.5)
    for metric in BY_GROUP:
        assert run.series(metric, "autism")[0] == run.series(metric)[0]
