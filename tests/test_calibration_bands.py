"""The default baseline's first year lands near Essex's published figures (within ±25%).

Each figure is compared with the client group it describes: the older people's row of a
metric recorded by client group (``BY_GROUP``); metrics without rows by group count older
people's services alone. Sources: Essex Provider Hub (market spend; older people
residential and nursing care; home care commissioning intentions), as recorded in the
parameter files and calibration/essex.yaml.
"""

import numpy as np
import pytest

from sim.calibration.weekly import Weekly
from sim.model import simulate_arrays

TOLERANCE = 0.25
OLDER_PEOPLE = "older_people"

ESSEX_YEAR_ONE = {
    # metric: (published figure, client group, how a year of weekly values is summarised)
    "council_funded_long_term": (10_000, OLDER_PEOPLE, np.mean),  # supported at any time
    "care_homes_open": (212, None, np.mean),           # older people's homes
    "care_home_beds": (10_237, None, np.mean),
    "council_homecare_hours": (80_000, None, np.mean),  # hours a week for older people
}
LONG_TERM_SPEND = (200e6, 260e6)                     # GBP a year, 65+ long-term support


@pytest.fixture(scope="module")
def year_one(params):
    arrays = simulate_arrays(params, None, np.random.SeedSequence(2025), weeks=52, scale=1.0)
    return Weekly.from_run(arrays, 1.0)


@pytest.mark.parametrize("metric", sorted(ESSEX_YEAR_ONE))
def test_year_one_stock_near_essex(year_one, metric):
    published, group, summary = ESSEX_YEAR_ONE[metric]
    simulated = summary(year_one.series(metric, group))
    assert abs(simulated / published - 1.0) <= TOLERANCE, (metric, simulated, published)


def test_year_one_long_term_spend_near_essex(year_one):
    # reablement has no rows by group: it is older people's alone
    long_term = year_one.series("council_spend", OLDER_PEOPLE).sum() - \
        year_one.series("council_spend_reablement").sum()
    low, high = LONG_TERM_SPEND
    assert low * (1 - TOLERANCE) <= long_term <= high * (1 + TOLERANCE), long_term
