"""Placing working-age clients with providers: those waiting whose assessment is done and
those moving from residential care to supported living (planned transitions first, then
in the order they became ready: clients of a closed provider keep their place in that
order, movers join it when offered a move), and day opportunities for those assessed to
attend.

A client goes to the provider of their setting with the most free capacity in their own
district, else in their council's area, else anywhere in the region; with no room
anywhere they wait. Direct payments need no provider.
"""

from __future__ import annotations

import numpy as np

from ..population import weekly_from_annual_probability
from .clients import NO_PROVIDER
from .codes import SETTING_OF_SERVICE, Service, WASetting
from .services import demand


class FreeCapacity:
    """Free units of each open provider, kept up to date as clients are placed."""

    def __init__(self, market):
        self.market = market
        t = market.table
        self.free = market.capacity() - market.used()
        self.free[~t.open] = -np.inf
        #: an upper bound of each setting's free units (a quick "nowhere has room")
        self.most = {int(s): float(self.free[t.setting == s].max(initial=-np.inf))
                     for s in WASetting}

    def find(self, setting: int, district: int, council: int, units: float) -> int:
        """The provider row with the most free units (at least ``units``) for a client of
        this district and council, or NO_PROVIDER."""
        if units > self.most[setting]:
            return NO_PROVIDER
        t = self.market.table
        fits = (t.setting == setting) & (self.free >= units)
        if not fits.any():
            self.most[setting] = float(self.free[t.setting == setting].max(initial=-np.inf))
            return NO_PROVIDER
        for scope in (fits & (t.district == district), fits & (t.council == council), fits):
            rows = np.flatnonzero(scope)
            if rows.size:
                return int(rows[np.argmax(self.free[rows])])
        return NO_PROVIDER

    def take(self, row: int, units: float) -> None:
        """Use ``units`` of a provider's room (negative: give them back)."""
        self.free[row] -= units
        setting = int(self.market.table.setting[row])
        self.most[setting] = max(self.most[setting], float(self.free[row]))


class WorkingAgePlacement:
    """The weekly placement of working-age clients."""

    def __init__(self, model, clients, market):
        self.model, self.clients, self.market = model, clients, market
        self.moves_to_supported_living = 0

    def run(self) -> None:
        c, p = self.clients, self.model.p
        self._offer_moves()
        free = FreeCapacity(self.market)
        self.moves_to_supported_living = 0
        seekers = np.flatnonzero((c.wanted != c.service) & (c.ready_week <= self.model.week))
        order = np.lexsort((c.key[seekers], c.ready_week[seekers], ~c.planned[seekers]))
        units = demand(p, c.wanted, c.need)
        for row in seekers[order]:
            self._place(int(row), free, units[row])
        day = np.flatnonzero(c.attends_day & (c.day_provider == NO_PROVIDER) &
                             (c.service != Service.WAITING) & (c.service != Service.DAY_ONLY))
        days = p["working_age.day_days_per_week"]
        for row in day[np.lexsort((c.key[day], c.since[day]))]:
            found = free.find(WASetting.DAY_OPPORTUNITIES, c.district[row], c.council[row], days)
            if found != NO_PROVIDER:
                free.take(found, days)
                c.day_provider[row] = found

    def _offer_moves(self) -> None:
        """Residential clients chosen this week to move to supported living (they move
        when a place is found, and keep their home until then)."""
        m, c, p = self.model, self.clients, self.model.p
        chance = weekly_from_annual_probability(
            p["working_age.residential_to_supported_living_per_year"])
        residential = (c.service == Service.RESIDENTIAL) & (c.wanted == Service.RESIDENTIAL)
        moving = residential & (m.uniform("wa_move", c.key) < chance)
        c.wanted[moving] = Service.SUPPORTED_LIVING
        c.ready_week[moving] = m.week

    def _place(self, row: int, free: FreeCapacity, units: float) -> None:
        c = self.clients
        wanted = int(c.wanted[row])
        setting = int(SETTING_OF_SERVICE[wanted])
        found = NO_PROVIDER
        if setting >= 0:
            found = free.find(setting, c.district[row], c.council[row], units)
            if found == NO_PROVIDER:
                return
            free.take(found, units)
        if c.service[row] != Service.WAITING and c.provider[row] != NO_PROVIDER:
            free.take(int(c.provider[row]), -1.0)  # the place they leave
        if c.service[row] == Service.RESIDENTIAL and wanted == Service.SUPPORTED_LIVING:
            self.moves_to_supported_living += 1
        if wanted == Service.DAY_ONLY:
            c.day_provider[row], found = found, NO_PROVIDER
        c.service[row] = wanted
        c.provider[row] = found
        c.since[row] = self.model.week
