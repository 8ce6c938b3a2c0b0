"""caremarket: an agent-based model of an English council's adult social care market.

The Python API for notebooks::

    from sim import load_parameters, load_scenario, build_model, run_ensemble, read_results

    params = load_parameters()
    model = build_model(load_scenario("scenarios/homecare_fee_uplift.yaml", params),
                        seed=1, years=2, scale=0.1, params=params)
    model.step()                       # one week
    model.residents.view(0)            # one resident, by id
    results = read_results("results/<run-id>")
    results.decision                   # scenarios ranked against the baseline
    compare_run("results/<run-id>", baseline="homecare_fee_uplift", discount_rate=0.015)
"""

from .api import build_model, load_scenario, read_results, run_ensemble
from .compare import Comparison, compare_run
from .model import CareMarketModel, simulate
from .parameters import load_parameters

__version__ = "0.1.0"

__all__ = ["CareMarketModel", "Comparison", "build_model", "compare_run", "load_parameters",
           "load_scenario", "read_results", "run_ensemble", "simulate"]
