"""The county at the start of a run, built from the parameters.

Population counts by district x age x sex; residents drawn from need prevalence; care homes
and agencies sized to the published bed and hour counts; care home residents, homecare and
direct-payment clients and the assessment queue filled from the residents whose needs fit,
so the first week starts near the county's published stocks.
"""

from __future__ import annotations

import numpy as np

from .population import Population, add_residents, age_band_of, cells_to_people
from .providers import AGENT_CLASS, Setting
from .residents import Funding, Status


def build_county(model) -> None:
    """Fill the model's population, residents, providers and their clients."""
    rng = model.streams["setup"]
    p = model.p
    district_shares = p["county.population_65plus"] / p["county.population_65plus"].sum()
    model.district_shares = district_shares
    by_council = np.bincount(model.council_of_district, weights=p["county.population_65plus"],
                             minlength=len(model.commissioners))
    model.council_shares = by_council / by_council.sum()
    cells = np.round(p["county.population_65plus"][:, None, None] *
                     p["demography.age_sex_shares"][None]).astype(np.int64)
    with_needs = rng.binomial(cells, p["need.prevalence_initial"][None, :, :])
    model.population = Population(cells - with_needs, p["demography.new_65_per_year"])
    district, band, sex = cells_to_people(with_needs)
    need = rng.choice(len(p["need.initial_level_shares"]), size=district.size,
                      p=p["need.initial_level_shares"])
    add_residents(model.residents, p, district, band, sex, need.astype(np.int8),
                  np.arange(district.size, dtype=np.uint64), lambda _name: rng.random(need.size))
    _build_care_homes(model, rng)
    _fill_care_homes(model, rng)
    _build_agencies(model, rng)
    _start_community_services(model, rng)
    _start_queue(model, rng)
    _staff_providers(model)


def _allocate(total: int, shares: np.ndarray, rng) -> np.ndarray:
    """Split ``total`` providers over districts by share, one at least in each district
    while there are enough to go round (small ``--scale`` runs keep every district served)."""
    floor = 1 if total >= shares.size else 0
    return floor + rng.multinomial(total - floor * shares.size, shares / shares.sum())


def _create_agents(model, setting: Setting, rows: np.ndarray) -> None:
    agents = AGENT_CLASS[setting].create_agents(model, len(rows), row=list(rows))
    for agent in agents:
        model.market.agents[agent.row] = agent


def _initial_quality(p, n: int, rng) -> np.ndarray:
    return rng.choice(len(p["quality.initial_shares"]), size=n,
                      p=p["quality.initial_shares"] / p["quality.initial_shares"].sum())


def _build_care_homes(model, rng) -> None:
    p, t = model.p, model.providers
    n = max(int(round(p["care_homes.initial_homes"])), 1)
    district = np.repeat(np.arange(len(model.district_shares)),
                         _allocate(n, model.district_shares, rng))
    size = np.exp(p["care_homes.home_size_spread"] * rng.standard_normal(n))
    beds = np.maximum(np.round(size / size.sum() * p["care_homes.initial_beds"]), 1.0)
    rows = t.add(n, setting=Setting.CARE_HOME, district=district,
                 council=p["county.district_council"][district], beds=beds,
                 nursing=rng.random(n) < p["care_homes.nursing_home_share"],
                 framework=rng.random(n) < p["commissioner.framework_share_care_homes"],
                 quality=_initial_quality(p, n, rng),
                 wage=float(model.market.wage_for(Setting.CARE_HOME)), fill=1.0)
    _create_agents(model, Setting.CARE_HOME, rows)


def _pick(candidates: np.ndarray, weights: np.ndarray, k: int, rng) -> np.ndarray:
    """Up to ``k`` of the candidates, without replacement, with probability by weight."""
    k = min(k, candidates.size)
    if k <= 0:
        return candidates[:0]
    keys = rng.random(candidates.size) ** (1.0 / np.maximum(weights, 1e-12))
    return candidates[np.argsort(-keys)[:k]]


def _fill_care_homes(model, rng) -> None:
    """Occupy each home's beds with residents whose need fits, half of them self-funders."""
    p, r, t, c = model.p, model.residents, model.providers, model.charging
    homes = np.flatnonzero(t.mask(Setting.CARE_HOME))
    occupied = rng.binomial(t.beds[homes].astype(np.int64), p["care_homes.initial_occupancy"])
    weight = np.where(r.has_carer, 1.0, p["pathway.care_home_no_carer_multiplier"]) * \
        (1.0 + age_band_of(r.age))
    taken = np.zeros(r.n, dtype=bool)
    for nursing, level in ((True, 4), (False, 3)):
        these = homes[t.nursing[homes] == nursing]
        slots = np.repeat(these, occupied[t.nursing[homes] == nursing])
        pool = np.flatnonzero((r.need >= level) & ~taken)
        chosen = _pick(pool, weight[pool], slots.size, rng)
        slots = rng.permutation(slots)[: chosen.size]
        taken[chosen] = True
        r.status[chosen] = Status.NURSING if nursing else Status.RESIDENTIAL
        r.need[chosen] = np.maximum(r.need[chosen], level)
        r.wanted[chosen] = r.status[chosen]
        r.provider[chosen] = slots
        r.district[chosen] = t.district[slots]
        r.council[chosen] = t.council[slots]
    residents = np.flatnonzero(taken)
    selffunded = rng.random(residents.size) < p["care_homes.initial_selffunder_share"]
    sf, council = residents[selffunded], residents[~selffunded]
    r.funding[sf] = Funding.SELF
    r.property_counted[sf] = True
    r.savings[sf] = np.maximum(r.savings[sf], c.upper_limit * (1.0 + rng.random(sf.size)))
    r.funding[council] = Funding.COUNCIL
    r.property[council] = 0.0
    r.savings[council] = np.minimum(r.savings[council], c.lower_limit * rng.random(council.size))
    r.spot[council] = ~t.framework[r.provider[council]]


def _build_agencies(model, rng) -> None:
    p, t = model.p, model.providers
    n = max(int(round(p["homecare.initial_agencies"])), 1)
    district = np.repeat(np.arange(len(model.district_shares)),
                         _allocate(n, model.district_shares, rng))
    rows = t.add(n, setting=Setting.HOMECARE, district=district,
                 council=p["county.district_council"][district],
                 framework=rng.random(n) < p["commissioner.framework_share_homecare"],
                 quality=_initial_quality(p, n, rng),
                 wage=float(model.market.wage_for(Setting.HOMECARE)), fill=1.0)
    _create_agents(model, Setting.HOMECARE, rows)


def _start_community_services(model, rng) -> None:
    """Council homecare up to the published hours, self-funded homecare, direct payments."""
    p, r, t, c = model.p, model.residents, model.providers, model.charging
    package = p["homecare.package_hours"]
    eligible = (r.status == Status.COMMUNITY) & (r.need >= p["commissioner.eligibility_threshold"])
    weight = r.need * np.where(r.has_carer, 1.0, p["pathway.care_home_no_carer_multiplier"])
    pool = np.flatnonzero(eligible & (r.savings <= c.upper_limit))
    order = _pick(pool, weight[pool], pool.size, rng)
    hours = np.cumsum(package[r.need[order]])
    council = order[: int(np.searchsorted(hours, p["homecare.initial_council_hours"])) + 1]
    rich = np.flatnonzero(eligible & (r.savings > c.upper_limit))
    selffunded = _pick(rich, weight[rich], int(round(council.size * p[
        "homecare.initial_selffunder_client_ratio"])), rng)
    for clients, funding in ((council, Funding.COUNCIL), (selffunded, Funding.SELF)):
        r.status[clients] = Status.HOMECARE
        r.wanted[clients] = Status.HOMECARE
        r.funding[clients] = funding
        r.provider[clients] = _agency_in_district(model, r.district[clients], rng)
    council_hc = council[r.provider[council] >= 0]
    r.spot[council_hc] = ~t.framework[r.provider[council_hc]]
    unplaced = np.concatenate([council, selffunded])[
        r.provider[np.concatenate([council, selffunded])] < 0]
    r.status[unplaced] = Status.COMMUNITY
    left = np.flatnonzero((r.status == Status.COMMUNITY) & (r.wanted == Status.COMMUNITY) &
                          (r.need >= p["commissioner.eligibility_threshold"]) &
                          (r.savings <= c.upper_limit))
    dp = _pick(left, weight[left], int(round(p["initial.direct_payment_clients"])), rng)
    r.status[dp] = Status.DIRECT_PAYMENT
    r.wanted[dp] = Status.DIRECT_PAYMENT
    r.funding[dp] = Funding.COUNCIL


def _agency_in_district(model, districts: np.ndarray, rng) -> np.ndarray:
    """A random open agency in each person's district (-1 where there is none)."""
    t = model.providers
    agencies = np.flatnonzero(t.mask(Setting.HOMECARE))
    out = np.full(districts.size, -1, dtype=np.int32)
    for d in np.unique(districts):
        local = agencies[t.district[agencies] == d]
        people = districts == d
        if local.size:
            out[people] = rng.choice(local, size=people.sum())
    return out


def _start_queue(model, rng) -> None:
    p, r = model.p, model.residents
    pool = np.flatnonzero((r.status == Status.COMMUNITY) & (r.wanted == Status.COMMUNITY) &
                          (r.need >= 1))
    queued = _pick(pool, r.need[pool].astype(float), int(round(p["initial.assessment_queue"])),
                   rng)
    r.status[queued] = Status.QUEUED


def _staff_providers(model) -> None:
    """Staff every provider to its needs less the published vacancy rate; set prices, cash."""
    p, t, market = model.p, model.providers, model.market
    occupied = market.occupied_this_week = market.occupied()
    market.waiting_this_week = market.waiting_by_district()
    homes = np.flatnonzero(t.mask(Setting.CARE_HOME))
    _, t.staff_demand[homes] = market.care_home_costs(occupied, homes)
    agencies = np.flatnonzero(t.mask(Setting.HOMECARE))
    r = model.residents
    on_homecare = r.status == Status.HOMECARE
    commissioned = np.bincount(r.provider[on_homecare], weights=p["homecare.package_hours"][
        r.need[on_homecare]], minlength=t.n)
    t.staff_demand[agencies] = market.agency_staff_demand(commissioned, agencies)
    t.staff[:] = t.staff_demand * (1.0 - p["workforce.initial_vacancy_rate"])
    t.fill[:] = 1.0 - p["workforce.initial_vacancy_rate"]
    market.set_prices()
    cost, _ = market.care_home_costs(occupied, homes)
    t.cash[homes] = cost * p["care_homes.initial_cash_weeks"]
    delivered = commissioned[agencies]
    t.cash[agencies] = p["homecare.initial_cash_weeks"] * (
        delivered * market.agency_cost_per_hour(agencies) + p["homecare.branch_cost_weekly"])
    for commissioner in model.commissioners:
        commissioner.keep_block_contracts()
    market.plan_initial_pipeline()
