"""Global sensitivity: the SALib code path against Ishigami's known indices, the sentences
that name what matters, and a small Morris run of the model through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

import cli
from sim.calibration.sensitivity import run_sensitivity, sentence
from sim.calibration.space import VALUE, Dimension, Space

#: Ishigami's function (a = 7, b = 0.1) on [-pi, pi]^3 and its exact Sobol indices
#: (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, section 4.7).
ROOT = Path(__file__).resolve().parent.parent
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)
TOLERANCE = 0.05
BASE_SAMPLES = 1024


def ishigami(points: np.ndarray) -> dict[str, np.ndarray]:
    x1, x2, x3 = points.T
    return {"y": np.sin(x1) + ISHIGAMI_A * np.sin(x2) ** 2
            + ISHIGAMI_B * x3 ** 4 * np.sin(x1)}


ISHIGAMI_SPACE = Space(tuple(Dimension(f"x{i}", VALUE, -np.pi, np.pi, "index", 0.0)
                             for i in (1, 2, 3)))


def test_sobol_indices_of_ishigami_match_the_known_values():
    result = run_sensitivity("sobol", ISHIGAMI_SPACE, ishigami, BASE_SAMPLES, seed=1)
    table = result.indices.set_index("parameter").loc[["x1", "x2", "x3"]]
    assert np.allclose(table.S1, ISHIGAMI_S1, atol=TOLERANCE), table
    assert np.allclose(table.ST, ISHIGAMI_ST, atol=TOLERANCE), table
    assert (table.S1_conf > 0).all() and (table.ST_conf > 0).all()
    assert table["rank"].tolist() == [1, 2, 3]  # by total index
    assert len(result.design) == BASE_SAMPLES * (3 + 2)


def test_morris_ranks_ishigami_as_its_total_indices_do():
    result = run_sensitivity("morris", ISHIGAMI_SPACE, ishigami, 50, seed=1)
    table = result.indices.set_index("parameter")
    assert table.loc["x3", "rank"] == 3
    assert (table.mu_star >= table.mu.abs()).all() and (table.mu_star_conf >= 0).all()


def test_sentences_name_the_parameters_that_matter():
    rows = pd.DataFrame({"parameter": ["a", "b", "c"], "mu_star": [10.0, 2.0, 0.5],
                         "rank": [1, 2, 3]})
    text = sentence("morris", "council_spend", rows, lambda v: f"£{v:g}m")
    assert text == ("council_spend: a (mu* £10m) and b (mu* £2m) matter most; the other 1 "
                    "move it less than 10% as much.")
    flat = rows.assign(mu_star=0.0)
    assert sentence("morris", "x", flat) == "x: no parameter moved it over its range."


def test_a_small_morris_run_of_the_model(tmp_path):
    out = tmp_path / "out"
    done = CliRunner().invoke(cli.main, [
        "sensitivity", "--method", "morris", "--metrics", "requests,unmet_need_hours",
        "--params", "pathway.request_hazard,need.hours_needed,commissioner.spot_premium",
        "--n", "2", "--years", "0.25", "--scale", "0.02", "--out", str(out)])
    assert done.exit_code == 0, done.output
    folder = next(out.iterdir())
    indices = pd.read_csv(folder / "indices.csv")
    assert {"mu_star", "mu_star_conf", "sigma", "rank"} <= set(indices.columns)
    first = indices[indices["rank"] == 1].set_index("output").parameter
    assert first["requests"] == "pathway.request_hazard"
    assert first["unmet_need_hours"] == "need.hours_needed"
    assert "requests: pathway.request_hazard" in done.stdout
    assert len(pd.read_csv(folder / "design.csv")) == 2 * (3 + 1)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["runs"] == 8
    for stem in ("ranked_requests", "morris_unmet_need_hours"):
        assert (folder / "figures" / f"{stem}.png").is_file()


def test_help_answers_without_heavy_imports():
    code = ("import sys, cli\n"
            "for args in (['calibrate', '--help'], ['sensitivity', '--help']):\n"
            "    try:\n"
            "        cli.main(args)\n"
            "    except SystemExit:\n"
            "        pass\n"
            "heavy = {'numpy', 'pandas', 'pyabc', 'SALib', 'sim'}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "--particles" in done.stdout and "--method" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


SCENARIO = """\
name: dearer_homes
label: Residential fee £850 a week
description: A test scenario.
changes:
  - param: commissioner.fee_residential_weekly
    value: 850
    source: a test
"""


def test_outputs_can_be_the_change_a_scenario_makes(tmp_path):
    out, scenario = tmp_path / "out", tmp_path / "dearer_homes.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    done = CliRunner().invoke(cli.main, [
        "sensitivity", "--metrics", "council_spend", "--scenario", str(scenario),
        "--params", "commissioner.fee_homecare_hourly,need.hours_needed", "--n", "2",
        "--years", "0.25", "--scale", "0.02", "--out", str(out)])
    assert done.exit_code == 0, done.output
    folder = next(out.iterdir())
    outputs = pd.read_csv(folder / "outputs.csv")
    assert list(outputs.columns) == ["point", "council_spend_change"]
    assert (outputs.council_spend_change > 0).all()  # dearer homes cost the council more
    assert json.loads((folder / "manifest.json").read_text())["runs"] == 2 * 3 * 2
