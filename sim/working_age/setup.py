"""Working-age clients and providers at the start of a run, from the parameters.

Clients by group and service (``initial_clients``) and those waiting are spread over the
districts by their population aged 18-64, with ages uniform over 18-64 and needs by
group. Providers of each setting are spread the same way, clients go to one in their
district (else their council's area, else anywhere), and each provider is sized to its
clients: staff for the hours at the starting vacancy rate, beds and places at the target
occupancy.
"""

from __future__ import annotations

import numpy as np

from ..dims import FIRST_WORKING_AGE
from .codes import SETTING_OF_SERVICE, WORKING_AGE, Service, WASetting, is_hourly
from .demography import LAST_WORKING_AGE, attends_day, choose_service
from .services import capacity, demand

#: First key of the clients at the start (arrivals' keys are mixed from week and cell).
FIRST_KEY = 1 << 40


def _whole(x: float, rng) -> int:
    """A whole number with the expected value ``x``."""
    return int(np.floor(x) + (rng.random() < x - np.floor(x)))


def build_working_age(wa, rng) -> None:
    """Fill the clients and providers of ``wa`` (a ``WorkingAge``)."""
    p = wa.model.p
    shares = p["working_age.population_18_64"] / p["working_age.population_18_64"].sum()
    for g, group in enumerate(WORKING_AGE):
        for service in range(len(Service) - 1):
            count = _whole(p["working_age.initial_clients"][g, service], rng)
            _add_clients(wa, rng, shares, group, count, service)
        n = _whole(p["working_age.initial_waiting"][g], rng)
        wanted = choose_service(p, np.full(n, group, np.int8), rng.random(n))
        _add_clients(wa, rng, shares, group, n, Service.WAITING, wanted)
    for setting in WASetting:
        _build_providers(wa, rng, shares, setting)
    wa.market.reset_wages()
    _set_cash(wa)


def _add_clients(wa, rng, shares, group: int, n: int, service: int,
                 wanted: np.ndarray | None = None) -> None:
    p, c = wa.model.p, wa.clients
    if n == 0:
        return
    g = WORKING_AGE.index(group)
    district = rng.choice(shares.size, size=n, p=shares)
    need = 1 + rng.choice(4, size=n, p=p["working_age.initial_need_shares"][g, 1:] /
                          p["working_age.initial_need_shares"][g, 1:].sum())
    wanted = np.full(n, service, np.int8) if wanted is None else wanted
    groups = np.full(n, group, np.int8)
    c.add(n, key=FIRST_KEY + np.arange(c.n, c.n + n, dtype=np.uint64), district=district,
          council=p["county.district_council"][district], group=groups,
          age=FIRST_WORKING_AGE + (LAST_WORKING_AGE - FIRST_WORKING_AGE) * rng.random(n),
          need=need.astype(np.int8), service=service, wanted=wanted,
          attends_day=attends_day(p, groups, wanted, rng.random(n)), since=0)


def _build_providers(wa, rng, shares, setting: int) -> None:
    """Providers of one setting, their clients (or day attenders) and their size."""
    p, c, t = wa.model.p, wa.clients, wa.market.table
    n = max(int(round(p["working_age.initial_providers"][setting])), 1)
    floor = 1 if n >= shares.size else 0
    per_district = floor + rng.multinomial(n - floor * shares.size, shares)
    district = np.repeat(np.arange(shares.size), per_district)
    rows = wa.market.open_providers(setting, district, np.ones(n),
                                    in_house=setting == WASetting.SHARED_LIVES)
    if setting == WASetting.DAY_OPPORTUNITIES:
        clients = np.flatnonzero(c.attends_day & (c.service != Service.WAITING))
    else:
        clients = np.flatnonzero(SETTING_OF_SERVICE[c.service] == setting)
    chosen = np.array([_provider_for(t, rows, c.district[i], c.council[i], rng)
                       for i in clients], dtype=np.int32)
    if setting == WASetting.DAY_OPPORTUNITIES:
        c.day_provider[clients] = chosen
        units = np.full(clients.size, p["working_age.day_days_per_week"])
    else:
        c.provider[clients] = chosen
        units = demand(p, c.service[clients], c.need[clients])
    used = np.bincount(chosen, weights=units, minlength=t.n)[rows]
    _size(wa, setting, rows, used)


def _provider_for(t, rows: np.ndarray, district: int, council: int, rng) -> int:
    for scope in (t.district[rows] == district, t.council[rows] == council):
        if scope.any():
            return int(rng.choice(rows[scope]))
    return int(rng.choice(rows))


def _size(wa, setting: int, rows: np.ndarray, used: np.ndarray) -> None:
    """Staff (hourly services) or places for the units in use, with room to spare."""
    p, t = wa.model.p, wa.market.table
    occupancy = p["care_homes.target_occupancy"]
    if setting in (WASetting.SUPPORTED_LIVING, WASetting.HOMECARE):
        per_worker = capacity(p, np.array([setting]), np.zeros(1), np.ones(1))[0]
        posts = np.maximum(used * (1.0 + p["homecare.staff_buffer"]) / per_worker, 2.0)
        t.staff_demand[rows] = posts
        t.staff[rows] = posts * (1.0 - p["workforce.initial_vacancy_rate"])
        return
    per_place = capacity(p, np.array([setting]), np.ones(1), np.zeros(1))[0]
    t.beds[rows] = np.maximum(np.ceil(used / per_place / occupancy),
                              p["working_age.provider_size"][setting] / 2)
    if setting == WASetting.SHARED_LIVES:
        t.staff[rows] = t.staff_demand[rows] = p["working_age.shared_lives_scheme_staff"]


def _set_cash(wa) -> None:
    """Weeks of costs in cash, and staff for the homes and day services' needs."""
    p, t = wa.model.p, wa.market.table
    used = wa.market.used()
    cap = wa.market.capacity()
    hourly = is_hourly(t.setting)
    wa.market.carer_payments = np.zeros(t.n)
    cost, posts = wa.market.costs_and_posts(used, np.where(hourly, np.minimum(used, cap), 0.0))
    places = ~hourly & (t.setting != WASetting.SHARED_LIVES)
    t.staff_demand[places] = posts[places]
    t.staff[places] = posts[places] * (1.0 - p["workforce.initial_vacancy_rate"])
    t.fill[:] = wa.market.staffing_ratio(np.arange(t.n))
    t.cash[:] = p["working_age.initial_cash_weeks"][t.setting] * cost
