"""Working-age adults (sim.working_age): the year-one baseline against Essex, the older
people's results unchanged with the groups switched off, and the new settings' mechanics.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sim.calendar import WEEKS_PER_YEAR
from sim.dims import CLIENT_GROUPS
from sim.metrics import BY_GROUP, INDEX, METRICS
from sim.model import CareMarketModel, simulate_arrays
from sim.scenario import load_scenarios
from sim.working_age import Group, Service, WASetting
from sim.working_age.clients import NO_PROVIDER
from sim.working_age.demography import yearly_mortality
from sim.working_age.outcomes import WORKING_AGE_ONLY
from sim.working_age.placement import FreeCapacity
from sim.working_age.services import capacity, demand

ROOT = Path(__file__).resolve().parent.parent
REGRESSION = Path(__file__).resolve().parent / "data" / "older_people_regression.csv"
SCALE = 0.05


def series(data: np.ndarray, name: str) -> np.ndarray:
    return data[INDEX[name]]


@pytest.fixture(scope="module")
def off(params):
    return params.with_values({"working_age.enabled": False})


def quiet_model(params, weeks: int = 8, **values) -> CareMarketModel:
    """A small model whose working-age part is at rest: no arrivals, deaths, exits,
    changes of need or moves, so a test can set up clients and watch one mechanism."""
    still = {"working_age.onset_hazard": np.zeros(4),
             "working_age.transitions_per_year": np.zeros(4),
             "working_age.mortality_gompertz_a": 0.0, "working_age.exit_hazard": np.zeros(4),
             "working_age.progression_hazard": np.zeros(4),
             "working_age.recovery_hazard": np.zeros(4),
             "working_age.residential_to_supported_living_per_year": 0.0,
             "working_age.background_exit_hazard": np.zeros(5)}
    return CareMarketModel(params.with_values({**still, **values}), seed=5, weeks=weeks,
                           scale=SCALE)


# --- the baseline against Essex ----------------------------------------------------------

#: Essex's figures for adults aged 18-64 (docs/working_age_sources.md §7): long-term
#: support spend, supported living spend, and people supported at any one time. The last
#: is derived (about 17,000 adults supported at any one time less about 10,000 older
#: people): low confidence.
ESSEX_18_64 = {"long_term_spend_18_64": 289e6, "council_spend_supported_living": 101.4e6,
               "people_supported_18_64": 7000}
BAND = 0.25


@pytest.fixture(scope="module")
def year_one(params) -> dict[str, float]:
    """The default baseline's first financial year, whole county, mean of two runs."""
    runs = [simulate_arrays(params, None, np.random.SeedSequence(seed), WEEKS_PER_YEAR, 0.1)
            ["metrics"] for seed in (1, 2)]
    mean = np.mean(runs, axis=0) / 0.1
    return {name: float(series(mean, name).sum() if METRICS[INDEX[name]].kind == "flow"
                        else series(mean, name).mean()) for name in ESSEX_18_64}


@pytest.mark.parametrize("metric", list(ESSEX_18_64))
def test_year_one_working_age_figures_within_a_quarter_of_essex(year_one, metric):
    essex = ESSEX_18_64[metric]
    assert (1 - BAND) * essex <= year_one[metric] <= (1 + BAND) * essex, \
        f"{metric}: {year_one[metric]:,.0f} against Essex {essex:,.0f} (±{BAND:.0%})"


# --- switched off, older people's results are as before -----------------------------------

def regression_figures() -> dict[tuple[str, str], np.ndarray]:
    """Weekly figures of the commit before working-age groups were added (baseline and
    the homecare fee uplift, seed 7, scale 0.05, 78 weeks)."""
    with REGRESSION.open() as f:
        return {(row["scenario"], row["metric"]): np.array(
            [float(v) for k, v in row.items() if k.startswith("week_")]) for row in
            csv.DictReader(f)}


def test_switched_off_the_older_peoples_results_equal_the_regression_figures(off):
    expected = regression_figures()
    fee = load_scenarios([ROOT / "scenarios" / "homecare_fee_uplift.yaml"], off,
                         dt.date(2025, 4, 1), dt.date(2027, 3, 31))[-1]
    for name, scenario in (("baseline", None), ("homecare_fee_uplift", fee)):
        arrays = simulate_arrays(off, scenario, np.random.SeedSequence(7), 78, SCALE)
        data = arrays["metrics"]
        recorded = {metric for scenario_name, metric in expected if scenario_name == name}
        assert recorded == {m.name for m in METRICS} - set(WORKING_AGE_ONLY)
        for metric in recorded:
            # bit for bit on this machine; the tolerance allows only last-digit differences
            # of a different numpy build's maths functions
            np.testing.assert_allclose(series(data, metric), expected[(name, metric)],
                                       rtol=1e-9, atol=0, err_msg=f"{name}: {metric}")
        assert not data[[INDEX[m] for m in WORKING_AGE_ONLY]].any()
        assert not arrays["by_group"][:, 1:].any(), "working-age rows are empty when off"


def test_every_group_breakdown_adds_up_to_the_county(params):
    arrays = simulate_arrays(params, None, np.random.SeedSequence(3), 26, SCALE)
    data, by_group = arrays["metrics"], arrays["by_group"]
    assert by_group.shape == (len(BY_GROUP), len(CLIENT_GROUPS), 26)
    for i, name in enumerate(BY_GROUP):
        np.testing.assert_allclose(by_group[i].sum(axis=0), series(data, name), rtol=1e-9,
                                   atol=1e-6, err_msg=name)
    spend = by_group[BY_GROUP.index("council_spend")].sum(axis=1)
    assert (spend > 0).all(), "every group costs the council something"
    supported = by_group[BY_GROUP.index("people_in_supported_living")].sum(axis=1)
    assert supported[Group.OLDER_PEOPLE] == 0 and supported[Group.LEARNING_DISABILITY] > 0


# --- clients' lives ----------------------------------------------------------------------

def test_learning_disability_mortality_reads_the_general_curve_twenty_years_on(params):
    ld = yearly_mortality(params, np.array([Group.LEARNING_DISABILITY]), np.array([45.0]))
    physical = yearly_mortality(params, np.array([Group.PHYSICAL_SENSORY]), np.array([65.0]))
    general_65 = params["working_age.mortality_gompertz_a"] * np.exp(
        params["working_age.mortality_gompertz_b"] * 65.0)
    assert ld[0] == pytest.approx(general_65)
    assert physical[0] == pytest.approx(1.5 * general_65)


def test_transitions_arrive_at_18_and_planned_ones_are_placed_at_once(params):
    model = CareMarketModel(params.with_values({
        "working_age.transitions_per_year": np.full(4, 2000.0),
        "working_age.transitions_planned_share": 1.0}), seed=2, weeks=2, scale=SCALE)
    c = model.working_age.clients
    before = c.n
    model.step()
    new = np.arange(before, c.n)
    arrived = new[c.age[new] == 18.0]  # arrivals come after this week's ageing
    assert model.working_age.demography.transitions > 0
    assert arrived.size == model.working_age.demography.transitions
    assert c.planned[arrived].all() and (c.ready_week[arrived] == 0).all()
    placed = arrived[c.service[arrived] != Service.WAITING]
    assert placed.size > 0, "planned transitions with room are placed in their first week"
    assert (c.service[placed] == c.wanted[placed]).all()


def test_unplanned_arrivals_wait_for_their_assessment(params):
    model = CareMarketModel(params.with_values({
        "working_age.onset_hazard": np.full(4, 0.01),
        "working_age.assessment_weeks": 3}), seed=2, weeks=6, scale=SCALE)
    c = model.working_age.clients
    before = c.n
    model.step()
    new = np.arange(before, c.n)
    assert new.size > 0 and (c.service[new] == Service.WAITING).all()
    assert (c.ready_week[new] == 3).all()


def test_clients_turning_65_leave_the_18_64_figures_but_keep_their_service(params):
    model = quiet_model(params, weeks=2)
    c = model.working_age.clients
    row = int(np.flatnonzero(c.service == Service.SUPPORTED_LIVING)[0])
    c.age[row] = 65.0 - 0.5 / WEEKS_PER_YEAR
    model.step()
    counted = series(model.recorder.data, "people_supported_18_64")[0]
    supported = np.count_nonzero((c.service != Service.WAITING) & (c.age < 65.0))
    assert counted == supported and c.age[row] >= 65.0
    assert c.service[row] == Service.SUPPORTED_LIVING


# --- settings ------------------------------------------------------------------------------

def test_units_of_each_setting(params):
    need = np.array([3, 3, 3, 3, 3, 3])
    service = np.array([Service.SUPPORTED_LIVING, Service.RESIDENTIAL, Service.HOMECARE,
                        Service.SHARED_LIVES, Service.DIRECT_PAYMENT, Service.DAY_ONLY])
    units = demand(params, service, need)
    assert units[0] == params["working_age.supported_living_hours"][3] + \
        params["working_age.supported_living_core_hours"]
    assert units[2] == params["working_age.hours_needed"][3]
    assert units[5] == params["working_age.day_days_per_week"]
    settings = np.array(list(WASetting))
    cap = capacity(params, settings, np.full(5, 10.0), np.full(5, 4.0))
    assert cap[WASetting.SUPPORTED_LIVING] == 4.0 * params["workforce.contract_hours_per_worker"]
    assert cap[WASetting.HOMECARE] == 4.0 * params["homecare.productive_hours_per_worker"]
    assert cap[WASetting.SPECIALIST_RESIDENTIAL] == 10.0
    assert cap[WASetting.DAY_OPPORTUNITIES] == 10.0 * params["working_age.day_service_days_open"]


def test_a_client_goes_to_the_freest_provider_in_their_district_else_waits(params):
    model = quiet_model(params)
    wa = model.working_age
    t = wa.market.table
    free = FreeCapacity(wa.market)
    homes = np.flatnonzero(t.open & (t.setting == WASetting.SPECIALIST_RESIDENTIAL))
    district = int(t.district[homes[0]])
    local = homes[t.district[homes] == district]
    free.free[local] = 0.0
    free.free[local[-1]] = 3.0
    assert free.find(WASetting.SPECIALIST_RESIDENTIAL, district, 0, 1.0) == local[-1]
    free.free[homes] = 0.0
    assert free.find(WASetting.SPECIALIST_RESIDENTIAL, district, 0, 1.0) == NO_PROVIDER
    elsewhere = homes[t.district[homes] != district][0]
    free.take(elsewhere, -2.0)  # a resident leaves a home in another district
    found = free.find(WASetting.SPECIALIST_RESIDENTIAL, district, 0, 1.0)
    assert found == elsewhere, "else a home elsewhere in the council's area"


def test_short_staffed_supported_living_delivers_and_bills_only_its_staffs_hours(params):
    model = quiet_model(params, weeks=2)
    wa = model.working_age
    t, c = wa.market.table, wa.clients
    row = int(np.flatnonzero(t.open & (t.setting == WASetting.SUPPORTED_LIVING) &
                             (wa.market.used() > 100))[0])
    tenants = np.flatnonzero(c.provider == row)
    wanted = demand(model.p, c.service[tenants], c.need[tenants]).sum()
    t.staff[row] = 0.5 * wanted / model.p["workforce.contract_hours_per_worker"]
    model.deliver_care()
    acc = wa.accounts
    fee = wa.commissioning.fee_supported_living[0]
    assert t.weekly_revenue[row] == pytest.approx(0.5 * wanted * fee)
    assert acc.hours_undelivered >= 0.5 * wanted - 1e-6
    assert acc.unmet_hours.sum() >= 0.5 * wanted - 1e-6


def test_a_closing_provider_s_clients_wait_to_be_placed_again(params):
    model = quiet_model(params)
    wa = model.working_age
    t, c = wa.market.table, wa.clients
    home = int(np.flatnonzero(t.open & (t.setting == WASetting.SPECIALIST_RESIDENTIAL))[0])
    residents = np.flatnonzero(c.provider == home)
    assert residents.size > 0
    wa.market.agents.pop(home).close(failed=True)
    wa.market.displace(np.array([home]))
    assert (c.service[residents] == Service.WAITING).all()
    assert (c.wanted[residents] == Service.RESIDENTIAL).all()
    assert (c.provider[residents] == NO_PROVIDER).all()
    assert wa.market.exits == 1 and wa.market.failures == 1
    model.place()
    placed = residents[c.service[residents] == Service.RESIDENTIAL]
    assert placed.size > 0 and (c.provider[placed] != home).all()


def test_moves_from_residential_care_to_supported_living_free_the_bed(params):
    model = quiet_model(params, weeks=4, **{
        "working_age.residential_to_supported_living_per_year": 0.999})
    wa = model.working_age
    c = wa.clients
    residents = np.flatnonzero(c.service == Service.RESIDENTIAL)
    table = wa.market.table
    table.staff[table.setting == WASetting.SUPPORTED_LIVING] *= 1.2  # room for some
    before = wa.market.used()
    wa.placement.run()
    moved = residents[c.service[residents] == Service.SUPPORTED_LIVING]
    assert moved.size > 0 and wa.placement.moves_to_supported_living == moved.size
    still = residents[c.service[residents] == Service.RESIDENTIAL]
    assert (c.provider[still] != NO_PROVIDER).all(), "the others keep their home"
    homes = wa.market.table.setting == WASetting.SPECIALIST_RESIDENTIAL
    assert wa.market.used()[homes].sum() == before[homes].sum() - moved.size


def test_direct_payment_uptake_shifts_new_clients_services(params):
    from sim.working_age.demography import service_shares
    groups = np.array([Group.LEARNING_DISABILITY, Group.PHYSICAL_SENSORY])
    base = service_shares(params, np.zeros(2, bool), groups)
    more = service_shares(params.with_values({"working_age.direct_payment_uptake": 1.5}),
                          np.zeros(2, bool), groups)
    assert (more[:, Service.DIRECT_PAYMENT] > base[:, Service.DIRECT_PAYMENT]).all()
    np.testing.assert_allclose(more.sum(axis=1), 1.0)
    crisis = service_shares(params, np.ones(2, bool), groups)
    assert (crisis[:, Service.RESIDENTIAL] > base[:, Service.RESIDENTIAL]).all()


# --- providers' economics and the councils' fees -----------------------------------------

def test_working_age_providers_share_the_care_wage_and_its_floor(params):
    model = quiet_model(params, weeks=1)
    t = model.working_age.market.table
    wage = model.economy.market_care_wage(model.p)
    assert np.allclose(t.wage[t.open], wage)
    model.economy.wage_floor = wage + 2.0
    model.market.reset_wages()
    assert np.allclose(t.wage[t.open], wage + 2.0)


def test_each_april_working_age_fees_rise_by_the_councils_rule(params):
    model = quiet_model(params, weeks=WEEKS_PER_YEAR + 1)
    f = model.working_age.commissioning
    sl, res = f.fee_supported_living.copy(), f.fee_residential.copy()
    model.run()
    p = model.p
    uplift = 1.0 + (p["commissioner.fee_uplift_nlw_weight"] * p["economy.nlw_growth"] +
                    p["commissioner.fee_uplift_cpi_weight"] * p["economy.cpi_inflation"])
    overspent = f.overspent_last_year[0] and p["commissioner.budget_pressure_rule"]
    if overspent:
        uplift = 1.0 + (uplift - 1.0) * (1.0 - p["commissioner.budget_pressure_fee_restraint"])
    np.testing.assert_allclose(f.fee_supported_living, sl * uplift)
    np.testing.assert_allclose(f.fee_residential, res * uplift)


def test_providers_enter_where_margins_and_waiting_are_high(params):
    model = quiet_model(params, weeks=1, **{"working_age.entry_hurdle": np.full(5, -1.0)})
    market = model.working_age.market
    for week in range(WEEKS_PER_YEAR):
        model.week = week
        market.plan_entries()
    settings = {o.setting for o in market.pipeline}
    assert settings >= {WASetting.SUPPORTED_LIVING, WASetting.SPECIALIST_RESIDENTIAL}
    assert WASetting.SHARED_LIVES not in settings, "Shared Lives is the council's own"
    opened = market.table.n
    model.week = max(o.week for o in market.pipeline)
    market.open_due()
    assert market.table.n > opened and market.entries > 0


def test_a_county_without_working_age_services_at_the_start_fills_as_people_arrive(params):
    empty = params.with_values({"working_age.initial_clients": np.zeros((4, 6)),
                                "working_age.initial_waiting": np.zeros(4)})
    model = CareMarketModel(empty, seed=3, weeks=26, scale=SCALE)
    assert model.working_age.clients.n == 0
    model.run()
    c = model.working_age.clients
    assert c.n > 0 and (c.service != Service.WAITING).any()
