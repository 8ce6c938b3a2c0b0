"""Shared fixtures: parameters load once per session; small, short models for speed."""

import os
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.parameters import load_parameters

# The whole suite runs with the weekly invariants checked (sim/invariants.py): every model
# built in a test, and every worker process a test starts (they inherit the environment).
# Set at import, before any model or worker starts; CAREMARKET_CHECK=0 turns it off.
os.environ.setdefault("CAREMARKET_CHECK", "1")

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
#: the tiny run that the figure and report tests read (fee uplift and a stress test)
SMALL_RUN = {"reps": 2, "years": 2, "scale": 0.05, "seed": 11}



@pytest.fixture(scope="session")
def params():
    return load_parameters()


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Path:
    """A completed tiny run of the homecare fee uplift and the demand shock (read only:
    tests that write copy it first)."""
    from sim.plan import plan_run
    from sim.results import execute

    targets = [SCENARIOS / "homecare_fee_uplift.yaml", SCENARIOS / "stress_demand_shock.yaml"]
    plan = plan_run(targets, jobs=1, out=tmp_path_factory.mktemp("results"), **SMALL_RUN)
    return execute(plan, ["caremarket", "run", "(test)"])


def only_problem(folder: Path) -> tuple[str, str, str]:
    """Loading the parameter folder ``folder`` fails with exactly one problem: its file's
    name, key and message."""
    with pytest.raises(InputError) as info:
        load_parameters(folder)
    (problem,) = info.value.problems
    return Path(problem.file).name, problem.key, problem.message
