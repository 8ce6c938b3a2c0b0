"""The default baseline's first year lands near Essex's published figures (within ±25%).

Sources: Essex Provider Hub (market spend; older people residential and nursing care;
home care commissioning intentions), as recorded in the parameter files.
"""

import numpy as np
import pytest

from sim.metrics import INDEX
from sim.model import simulate

TOLERANCE = 0.25

ESSEX_YEAR_ONE = {
    # metric: (published figure, how a year of weekly values is summarised)
    "council_funded_long_term": (10_000, np.mean),   # older people supported at any time
    "care_homes_open": (212, np.mean),
    "care_home_beds": (10_237, np.mean),
    "council_homecare_hours": (80_000, np.mean),     # hours a week for older people
}
LONG_TERM_SPEND = (200e6, 260e6)                     # GBP a year, 65+ long-term support


@pytest.fixture(scope="module")
def year_one(params):
    return simulate(params, None, np.random.SeedSequence(2025), weeks=52, scale=1.0)


@pytest.mark.parametrize("metric", sorted(ESSEX_YEAR_ONE))
def test_year_one_stock_near_essex(year_one, metric):
    published, summary = ESSEX_YEAR_ONE[metric]
    simulated = summary(year_one[INDEX[metric]])
    assert abs(simulated / published - 1.0) <= TOLERANCE, (metric, simulated, published)


def test_year_one_long_term_spend_near_essex(year_one):
    long_term = year_one[INDEX["council_spend"]].sum() - \
        year_one[INDEX["council_spend_reablement"]].sum()
    low, high = LONG_TERM_SPEND
    assert low * (1 - TOLERANCE) <= long_term <= high * (1 + TOLERANCE), long_term
