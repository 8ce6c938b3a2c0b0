"""The working-age part's weekly invariants (run by ``sim.invariants.InvariantChecker``):
clients are conserved, each is where their service says, and no provider holds more than
its places."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .clients import NO_PROVIDER
from .codes import SETTING_OF_SERVICE, WORKING_AGE, Service, WASetting, is_hourly

Fail = Callable[[str, str], None]


def check_working_age(wa, clients_at_start: int, fail: Fail) -> None:
    """Check the week just stepped (``fail(invariant, detail)`` on the first breach)."""
    _check_conserved(wa, clients_at_start, fail)
    _check_codes(wa, fail)
    _check_pointers(wa, fail)
    _check_places(wa, fail)


def _check_conserved(wa, at_start: int, fail: Fail) -> None:
    d = wa.demography
    expected = at_start + int(d.arrivals.sum()) - int(d.deaths.sum()) - int(d.leavers.sum())
    if wa.clients.n != expected:
        fail("working-age clients are conserved", f"start {at_start} + arrivals "
             f"{int(d.arrivals.sum())} - deaths {int(d.deaths.sum())} - leavers "
             f"{int(d.leavers.sum())} = {expected}, found {wa.clients.n}")


def _check_codes(wa, fail: Fail) -> None:
    c = wa.clients
    for column, low, high in (("group", min(WORKING_AGE), max(WORKING_AGE)), ("need", 1, 4),
                              ("service", 0, Service.WAITING), ("wanted", 0, Service.WAITING)):
        values = getattr(c, column)
        bad = np.flatnonzero((values < low) | (values > high))
        if bad.size:
            fail(f"working-age clients' {column} codes are valid",
                 f"rows {bad[:5].tolist()} hold {values[bad[:5]].tolist()}")


def _check_pointers(wa, fail: Fail) -> None:
    """A client has a provider if and only if their service has one, and it is open and
    of that setting; a day place is at an open day service (always, on day
    opportunities alone)."""
    c, t = wa.clients, wa.market.table
    setting = SETTING_OF_SERVICE[c.service].astype(np.intp)
    main = (setting >= 0) & (c.service != Service.DAY_ONLY)
    bad = np.flatnonzero(main != (c.provider != NO_PROVIDER))
    if bad.size == 0 and main.any():
        rows = c.provider[main]
        wrong = ~t.open[rows] | (t.setting[rows] != setting[main])
        bad = np.flatnonzero(main)[wrong]
    if bad.size:
        fail("a working-age client is with an open provider of their service's setting "
             "if and only if the service has one",
             f"rows {bad[:5].tolist()}: service {c.service[bad[:5]].tolist()}, provider "
             f"{c.provider[bad[:5]].tolist()}")
    day = c.day_provider != NO_PROVIDER
    rows = c.day_provider[day]
    wrong = np.flatnonzero(day)[~t.open[rows] | (t.setting[rows] != WASetting.DAY_OPPORTUNITIES)]
    missing = np.flatnonzero((c.service == Service.DAY_ONLY) & ~day)
    if wrong.size or missing.size:
        fail("day places are at open day services, and everyone on day opportunities alone "
             "has one", f"rows {np.concatenate([wrong, missing])[:5].tolist()}")


def _check_places(wa, fail: Fail) -> None:
    """Beds, carers and day places are never over-filled (hourly services may be:
    they then deliver less)."""
    t = wa.market.table
    used, capacity = wa.market.used(), wa.market.capacity()
    hourly = is_hourly(t.setting)
    over = np.flatnonzero(t.open & ~hourly & (used > capacity + 1e-9))
    if over.size:
        fail("no working-age home, Shared Lives scheme or day service holds more than its "
             "places", "; ".join(f"provider {k}: {used[k]:g} of {capacity[k]:g}"
                                  for k in over[:5].tolist()))
