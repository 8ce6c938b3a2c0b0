"""One week of working-age support delivered and paid for.

Hourly services (supported living, homecare) deliver their clients' hours as far as
their staff allow, and the council pays for hours delivered; residential homes, Shared
Lives and day opportunities are paid by the place (day opportunities by the day
attended). Direct payments pay the council's rate for the hours needed. Unmet need is the
hours waiting clients need and the hours not delivered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .codes import Service, is_hourly
from .services import demand, hours_at_home


@dataclass
class WorkingAgeAccounts:
    """A week's working-age money and care, by council x group (``client_group``) and,
    for the 18-64 figures, by group for clients under 65."""

    spend: dict[str, np.ndarray] = field(default_factory=dict)  # line -> council x group
    spend_18_64: np.ndarray = field(default_factory=lambda: np.zeros(4))
    unmet_hours: np.ndarray = field(default_factory=lambda: np.zeros(4))
    unmet_by_district: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hours_delivered: float = 0.0
    hours_undelivered: float = 0.0

    @property
    def by_council_group(self) -> np.ndarray:
        return sum(self.spend.values())

    def by_group(self, line: str | None = None) -> np.ndarray:
        values = self.by_council_group if line is None else self.spend[line]
        return values.sum(axis=0)


class WorkingAgeDelivery:
    """The working-age care-and-money phase."""

    def __init__(self, model, clients, market, commissioning):
        self.model, self.clients = model, clients
        self.market, self.commissioning = market, commissioning

    def run(self) -> WorkingAgeAccounts:
        m, c, p, t = self.model, self.clients, self.model.p, self.market.table
        acc = WorkingAgeAccounts()
        n_councils, g = len(m.commissioners), c.group.astype(np.intp) - 1
        units = demand(p, c.service, c.need)
        placed, day = c.provider >= 0, c.day_provider >= 0
        days = p["working_age.day_days_per_week"]
        used = self.market.used()
        cap = self.market.capacity()
        hourly = is_hourly(t.setting)
        share = np.where(hourly & (used > 0), np.minimum(cap / np.maximum(used, 1e-9), 1.0), 1.0)
        got = units * np.where(placed, share[np.maximum(c.provider, 0)], 1.0)
        price = self._prices(units, got)
        day_price = np.where(day, days * self.commissioning.fee_day[c.council], 0.0)
        cost = price + day_price
        revenue = np.bincount(c.provider[placed], weights=price[placed], minlength=t.n) + \
            np.bincount(c.day_provider[day], weights=day_price[day], minlength=t.n)
        shared_lives = c.service == Service.SHARED_LIVES
        carer_payments = np.bincount(c.provider[shared_lives],
                                     weights=price[shared_lives] *
                                     p["working_age.shared_lives_carer_share"], minlength=t.n)
        delivered = np.where(hourly, np.minimum(used, cap), 0.0)
        self.market.update_finances(revenue, used, delivered, carer_payments)
        lines = {"supported_living": Service.SUPPORTED_LIVING,
                 "residential": Service.RESIDENTIAL, "homecare": Service.HOMECARE,
                 "shared_lives": Service.SHARED_LIVES, "direct_payments": Service.DIRECT_PAYMENT}
        cell = c.council.astype(np.intp) * 4 + g
        for line, service in lines.items():
            mine = c.service == service
            acc.spend[line] = _by_cell(cell[mine], price[mine], n_councils)
        acc.spend["day_opportunities"] = _by_cell(cell[day], day_price[day], n_councils)
        under_65 = c.age < 65.0
        acc.spend_18_64 = np.bincount(g[under_65], weights=cost[under_65], minlength=4)
        self._unmet(acc, units, got)
        self.commissioning.pay(acc.by_council_group)
        return acc

    def _prices(self, units: np.ndarray, got: np.ndarray) -> np.ndarray:
        """What the council pays for each client's main service this week."""
        m, c, f = self.model, self.clients, self.commissioning
        s, council = c.service, c.council
        g = c.group.astype(np.intp) - 1
        fee_homecare = m.council_state("fee_homecare")[council]
        dp_rate = m.council_state("direct_payment_rate")[council]
        price = np.zeros(c.n)
        price = np.where(s == Service.SUPPORTED_LIVING, got * f.fee_supported_living[council],
                         price)
        price = np.where(s == Service.HOMECARE, got * fee_homecare, price)
        price = np.where(s == Service.RESIDENTIAL, f.fee_residential[council, g], price)
        price = np.where(s == Service.SHARED_LIVES, f.fee_shared_lives[council], price)
        price = np.where(s == Service.DIRECT_PAYMENT,
                         hours_at_home(m.p, c.need) * dp_rate, price)
        return price

    def _unmet(self, acc: WorkingAgeAccounts, units: np.ndarray, got: np.ndarray) -> None:
        """Hours needed but not given: waiting clients' hours at home, and hourly services'
        hours not delivered."""
        c, p = self.clients, self.model.p
        g = c.group.astype(np.intp) - 1
        waiting = c.service == Service.WAITING
        hourly = (c.service == Service.SUPPORTED_LIVING) | (c.service == Service.HOMECARE)
        short = np.where(hourly, units - got, 0.0)
        unmet = np.where(waiting, hours_at_home(p, c.need), short)
        acc.unmet_hours = np.bincount(g, weights=unmet, minlength=4)
        acc.unmet_by_district = np.bincount(c.district, weights=unmet,
                                            minlength=p.dim_sizes["district"])
        acc.hours_delivered = float(got[hourly].sum())
        acc.hours_undelivered = float(short.sum())


def _by_cell(cell: np.ndarray, values: np.ndarray, n_councils: int) -> np.ndarray:
    """Sums of ``values`` by council x group cell."""
    return np.bincount(cell, weights=values, minlength=n_councils * 4).reshape(n_councils, 4)
