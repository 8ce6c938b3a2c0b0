"""Providers: care homes and homecare agencies as Mesa agents over a column-wise table.

Each agent owns one row of ``ProviderTable``, where the model's vectorised weekly rules
(finance, staffing, pricing) read and write its numbers; the agent carries its identity and
its discrete life events (opening, orderly exit, sudden failure). Rows are never reused, so
residents can point at a provider by row even after it closes.
"""

from __future__ import annotations

import mesa
import numpy as np

from .codes import Codes
from .columns import ColumnTable


class Setting(metaclass=Codes):
    CARE_HOME = 0
    HOMECARE = 1


PROVIDER_COLUMNS: dict[str, type] = {
    "setting": np.int8,
    "nursing": np.bool_,
    "district": np.int16,
    "council": np.int16,           # the council whose area it is in (county.district_council)
    "open": np.bool_,
    "beds": np.float64,            # care homes: registered beds
    "framework": np.bool_,         # on its council's framework (standard fee, preferred)
    "quality": np.int8,            # 0 outstanding .. 3 inadequate
    "cash": np.float64,            # GBP
    "margin": np.float64,          # smoothed profit / revenue
    "weekly_cost": np.float64,     # GBP, last week
    "weekly_revenue": np.float64,  # GBP, last week
    "selffunder_price": np.float64,  # GBP/week (homes) or GBP/hour (agencies)
    "wage": np.float64,            # GBP/hour paid to care workers
    "staff": np.float64,           # care workers employed (headcount)
    "staff_demand": np.float64,    # posts the provider wants filled
    "block_reserved": np.float64,  # beds or hours/week under block contract
    "stress": np.float64,          # staff shortfall and financial stress, 0..1+
    "fill": np.float64,            # staff / staff_demand (1 when nothing is needed)
    "unit_cost": np.float64,       # GBP per occupied bed-week (homes) or per hour (agencies)
    "in_house": np.bool_,          # the council's own service, outside the market
    "opened_week": np.int32,
    "closed_week": np.int32,
}


class ProviderTable(ColumnTable):
    """Column-wise provider state; rows are stable for the life of a run."""

    def __init__(self, capacity: int = 256):
        super().__init__(PROVIDER_COLUMNS, capacity)

    def add(self, count: int, **values) -> np.ndarray:
        """Append ``count`` open providers and return their rows."""
        rows = self._append_rows(count, {**values, "open": True}, {"closed_week": -1})
        return np.arange(rows.start, rows.stop)

    def mask(self, setting: Setting) -> np.ndarray:
        """Open providers of one setting."""
        return self.open & (self.setting == setting)

    def market_mask(self, setting: Setting) -> np.ndarray:
        """Open independent providers of one setting (the council's in-house service is
        outside the market: it never exits, is not chosen in the open market and does not
        sway investors)."""
        return self.mask(setting) & ~self.in_house


class Provider(mesa.Agent):
    """A provider agent: identity and life events; numbers live in the model's table."""

    setting: Setting

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = int(row)

    @property
    def district(self) -> int:
        return int(self.model.providers.district[self.row])

    @property
    def council(self) -> int:
        return int(self.model.providers.council[self.row])

    @property
    def quality(self) -> int:
        return int(self.model.providers.quality[self.row])

    @property
    def is_open(self) -> bool:
        return bool(self.model.providers.open[self.row])

    def close(self, failed: bool, displace: bool = True) -> None:
        """Leave the market: residents are re-placed by the council (Care Act s48), here
        unless ``displace`` is false (the caller displaces the residents of several
        closing providers at once)."""
        table = self.model.providers
        table.open[self.row] = False
        table.closed_week[self.row] = self.model.week
        table.block_reserved[self.row] = 0.0
        if displace:
            self.model.pathway.displace_residents_of([self.row])
        self.model.market.record_exit(failed)
        self.remove()


    def taken_over(self) -> None:
        """A failed operator's service passes to a new owner: residents and staff stay,
        the owner brings fresh reserves and has the start-up grace period."""
        m, table = self.model, self.model.providers
        cash_weeks = m.p["care_homes.initial_cash_weeks"] if self.setting == \
            Setting.CARE_HOME else m.p["homecare.initial_cash_weeks"]
        table.cash[self.row] = cash_weeks * table.weekly_cost[self.row]
        table.margin[self.row] = 0.0
        table.opened_week[self.row] = m.week
        m.market.takeovers += 1


class CareHome(Provider):
    """A residential or nursing home with registered beds."""

    setting = Setting.CARE_HOME

    @property
    def beds(self) -> int:
        return int(self.model.providers.beds[self.row])

    @property
    def nursing(self) -> bool:
        return bool(self.model.providers.nursing[self.row])


class HomecareAgency(Provider):
    """A homecare agency whose capacity is the hours its staff can deliver."""

    setting = Setting.HOMECARE


AGENT_CLASS = {Setting.CARE_HOME: CareHome, Setting.HOMECARE: HomecareAgency}
