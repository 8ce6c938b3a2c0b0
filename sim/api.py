"""The Python API for notebooks: load a scenario, build and step a model, run ensembles.

Example::

    from sim.api import load_scenario, build_model, run_ensemble, read_results
    from sim.parameters import load_parameters

    params = load_parameters()
    fee = load_scenario("scenarios/homecare_fee_uplift.yaml", params)
    model = build_model(fee, seed=1, years=2, scale=0.1, params=params)
    for _ in range(52):
        model.step()
    model.recorder.series("people_waiting")

    ensemble = run_ensemble([load_scenario("baseline", params), fee], params, reps=5,
                            seed=1, weeks=104, scale=0.1)
    ensemble.county("homecare_fee_uplift", 0)     # metric x week, whole county

    results = read_results("results/20250401-120000-abc123")
    results.summary.query("metric == 'council_spend'")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import parameters as parameters_module
from .calendar import WEEKS_PER_YEAR, run_end
from .errors import InputError, Problem
from .parameters import Parameters, load_parameters
from .plan import HORIZON_PARAM, START_DATE_PARAM
from .results import RunResults, read_results
from .runner import Ensemble, run_ensemble
from .scenario import BASELINE, Scenario, baseline_scenario, load_scenarios

if TYPE_CHECKING:
    from .model import CareMarketModel

#: Where ``load_scenario`` looks for a scenario given by name (relative to the working folder).
SCENARIOS_DIR = Path("scenarios")

__all__ = ["Ensemble", "RunResults", "build_model", "load_scenario", "read_results",
           "run_ensemble"]


def _params(params: Parameters | None) -> Parameters:
    return params if params is not None else load_parameters(
        parameters_module.DEFAULT_PARAMS_DIR)


def _weeks(params: Parameters, years: float | None) -> int:
    return int(round((years if years is not None else params[HORIZON_PARAM]) * WEEKS_PER_YEAR))


def load_scenario(path_or_name: str | Path, params: Parameters | None = None,
                  years: float | None = None) -> Scenario:
    """Load and check one scenario.

    Args:
        path_or_name: a scenario file, or a name: ``baseline`` or the ``name`` of a file
            in ``scenarios/``.
        params: parameters to check against; default ``load_parameters()``.
        years: horizon used to check change dates; default ``run.horizon_years``.

    Raises:
        InputError: the file is wrong (naming file and key) or no scenario has that name.
    """
    params = _params(params)
    if str(path_or_name) == BASELINE and not Path(path_or_name).is_file():
        return baseline_scenario()
    file = Path(path_or_name)
    if not file.is_file():
        file = _find_by_name(str(path_or_name))
    start = params[START_DATE_PARAM]
    scenarios = load_scenarios([file], params, start, run_end(start, _weeks(params, years)))
    return scenarios[-1]


def _find_by_name(name: str) -> Path:
    from .scenario import read_scenario_file

    candidates = sorted(SCENARIOS_DIR.glob("*.y*ml"))
    for file in candidates:
        try:
            if read_scenario_file(file).name == name:
                return file
        except InputError:
            continue
    known = ", ".join(f.stem for f in candidates) or "none"
    raise InputError(Problem(str(name), "", f"no such scenario file, nor a scenario of that "
                             f"name in {SCENARIOS_DIR}/ (found: {known})"))


def build_model(scenario: Scenario | str | Path | None = None, seed: int = 0,
                years: float | None = None, scale: float = 1.0,
                params: Parameters | None = None, check: bool | None = None
                ) -> "CareMarketModel":
    """A model ready to step, for one scenario (default the baseline).

    Args:
        scenario: a loaded scenario, a file or a name (see ``load_scenario``); None for
            the baseline.
        seed: the model's seed.
        years: horizon; default ``run.horizon_years``.
        scale: share of the county simulated.
        params: parameters; default ``load_parameters()``.
        check: assert the weekly invariants after every step (``sim.invariants``; None:
            on when the environment variable ``CAREMARKET_CHECK`` is "1").
    """
    from .model import CareMarketModel

    params = _params(params)
    if scenario is None:
        scenario = baseline_scenario()
    elif not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, params, years)
    return CareMarketModel(params, scenario=scenario, seed=seed,
                           weeks=_weeks(params, years), scale=scale, check=check)
