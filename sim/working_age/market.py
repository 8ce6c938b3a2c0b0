"""The working-age provider market: supported living, specialist residential, homecare,
Shared Lives and day-opportunity providers as Mesa agents over a column-wise table
(``sim.providers.ProviderTable``, ``setting`` holding ``WASetting`` codes).

Their economics are older people's providers': revenue from the council's fees, costs
from staff at the care wage (the same labour pool, ``sim.workforce``) and fixed costs,
cash and smoothed margins (``sim.finance.book_week``), sudden failure below the overdraft
floor, exit after sustained losses, and entry where expected margins beat the hurdle.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from ..calendar import WEEKS_PER_YEAR
from ..finance import book_week, care_home_staff_cost, district_margin
from ..market import closures_due
from ..providers import ProviderTable
from ..rng import poisson_from_uniform
from .clients import NO_PROVIDER
from .codes import SETTING_OF_SERVICE, Service, WASetting
from .services import capacity, demand

GOOD = 1


@dataclass
class PlannedOpening:
    week: int
    setting: int
    district: int


class WorkingAgeProvider(mesa.Agent):
    """A working-age provider: identity and life events; numbers live in the table."""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = int(row)

    def close(self, failed: bool) -> None:
        """Leave the market; the council re-places the clients (they wait again)."""
        wa = self.model.working_age
        table = wa.market.table
        table.open[self.row] = False
        table.closed_week[self.row] = self.model.week
        wa.market.record_exit(failed)
        self.remove()

    def taken_over(self) -> None:
        """A failed operator's service passes to a new owner with fresh reserves."""
        wa = self.model.working_age
        table, p = wa.market.table, self.model.p
        table.cash[self.row] = p["working_age.initial_cash_weeks"][table.setting[self.row]] * \
            table.weekly_cost[self.row]
        table.margin[self.row] = 0.0
        table.opened_week[self.row] = self.model.week
        wa.market.takeovers += 1


class WorkingAgeMarket:
    """Finances, staffing needs, exit and entry of working-age providers."""

    def __init__(self, model, clients):
        self.model, self.clients = model, clients
        self.table = ProviderTable()
        self.agents: dict[int, WorkingAgeProvider] = {}
        self.pipeline: list[PlannedOpening] = []
        self.carer_payments = np.zeros(0)
        self.revenue_booked = 0.0
        self.reset_week()

    def reset_week(self) -> None:
        self.exits = self.failures = self.entries = self.takeovers = 0

    def record_exit(self, failed: bool) -> None:
        self.exits += 1
        self.failures += int(failed)

    # --- capacity and use ---------------------------------------------------------------
    def capacity(self) -> np.ndarray:
        t = self.table
        return capacity(self.model.p, t.setting, t.beds, t.staff)

    def used(self) -> np.ndarray:
        """Units in use at each provider row: clients' main services and day places."""
        c, p, n = self.clients, self.model.p, self.table.n
        units = demand(p, c.service, c.need)
        placed = c.provider >= 0
        used = np.bincount(c.provider[placed], weights=units[placed], minlength=n)
        day = c.day_provider >= 0
        return used + p["working_age.day_days_per_week"] * np.bincount(
            c.day_provider[day], minlength=n)

    def waiting_units(self) -> np.ndarray:
        """Units waiting clients want, by setting x district."""
        c, p = self.clients, self.model.p
        waiting = c.service == Service.WAITING
        setting = SETTING_OF_SERVICE[c.wanted[waiting]]
        units = demand(p, c.wanted[waiting], c.need[waiting])
        keep = setting >= 0
        n_districts = p.dim_sizes["district"]
        return np.bincount(setting[keep].astype(np.intp) * n_districts +
                           c.district[waiting][keep], weights=units[keep],
                           minlength=len(WASetting) * n_districts).reshape(len(WASetting), -1)

    # --- money --------------------------------------------------------------------------
    def wage(self) -> float:
        m = self.model
        return max(m.economy.market_care_wage(m.p), m.economy.wage_floor)

    def reset_wages(self) -> None:
        t = self.table
        t.wage[t.open] = self.wage()

    def costs_and_posts(self, used: np.ndarray, delivered: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
        """Each provider's weekly cost and the care worker posts it wants (for the units
        used, the hours delivered and a buffer), all rows."""
        m, t, p = self.model, self.table, self.model.p
        price = m.economy.price_index
        oncost = 1.0 + p["workforce.oncost_share"]
        contract = p["workforce.contract_hours_per_worker"]
        s = t.setting
        cost, posts = np.zeros(t.n), np.zeros(t.n)
        branch = p["homecare.branch_cost_weekly"] * price
        sl = s == WASetting.SUPPORTED_LIVING
        cost[sl] = delivered[sl] * (t.wage[sl] * oncost +
                                    p["working_age.supported_living_overhead_per_hour"] * price) \
            + branch
        posts[sl] = used[sl] * (1.0 + p["homecare.staff_buffer"]) / contract
        hc = s == WASetting.HOMECARE
        per_hour = t.wage[hc] * oncost * (1.0 + p["county.homecare_travel_share"][t.district[hc]]) \
            + p["homecare.overhead_per_hour"] * price
        cost[hc] = delivered[hc] * per_hour + branch
        posts[hc] = used[hc] * (1.0 + p["homecare.staff_buffer"]) / \
            p["homecare.productive_hours_per_worker"]
        for setting, hours, fixed in (
                (WASetting.SPECIALIST_RESIDENTIAL, self._residential_hours(),
                 p["working_age.residential_fixed_cost_per_bed_weekly"]),
                (WASetting.DAY_OPPORTUNITIES,
                 used * p["working_age.day_staff_hours_per_attendance"],
                 p["working_age.day_fixed_cost_per_place_weekly"])):
            rows = s == setting
            cost[rows], posts[rows] = self._by_the_place(rows, hours[rows], fixed * price)
        shl = s == WASetting.SHARED_LIVES
        scheme = p["working_age.shared_lives_scheme_staff"]
        cost[shl] = self.carer_payments[shl] + scheme * contract * t.wage[shl] * oncost
        posts[shl] = scheme
        minimum = np.where(sl | hc, 2.0, 0.0)  # a core team of two in an hourly service
        return cost, np.maximum(posts, minimum)

    def _by_the_place(self, rows: np.ndarray, hours: np.ndarray, fixed: float
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Cost and posts of homes and day services: the staff hours their clients need
        (agency staff beyond their own, at a premium) plus a fixed cost per place, and
        posts for those hours with a buffer."""
        t, p = self.table, self.model.p
        contract = p["workforce.contract_hours_per_worker"]
        cost = care_home_staff_cost(hours, t.staff[rows] * contract, t.wage[rows],
                                    p["workforce.oncost_share"],
                                    p["care_homes.agency_staff_premium"]) + t.beds[rows] * fixed
        return cost, hours * (1.0 + p["care_homes.staff_buffer"]) / contract

    def _residential_hours(self) -> np.ndarray:
        """Care staff hours a week each row's residents need."""
        c, p = self.clients, self.model.p
        home = (c.service == Service.RESIDENTIAL) & (c.provider >= 0)
        hours = p["working_age.residential_staff_hours"][c.group[home].astype(np.intp) - 1]
        return np.bincount(c.provider[home], weights=hours, minlength=self.table.n)

    def update_finances(self, revenue: np.ndarray, used: np.ndarray, delivered: np.ndarray,
                        carer_payments: np.ndarray) -> None:
        """Costs, cash, margins, stress, unit costs and the posts wanted."""
        m, t, p = self.model, self.table, self.model.p
        self.carer_payments = carer_payments
        cost, posts = self.costs_and_posts(used, delivered)
        opened = t.open
        t.staff_demand[opened] = posts[opened]
        t.unit_cost[opened] = cost[opened] / np.maximum(used[opened], 1.0)
        self.revenue_booked = float(revenue[opened].sum())
        book_week(t, revenue, cost, m.week == 0, p["market.margin_smoothing_weeks"])

    def staffing_ratio(self, rows: np.ndarray) -> np.ndarray:
        """Staff against the posts today's work needs (1 when nothing is needed)."""
        t = self.table
        needed = t.staff_demand[rows]
        return np.where(needed > 0, np.minimum(t.staff[rows] / np.maximum(needed, 1e-9), 1.0),
                        1.0)

    # --- exit and entry -------------------------------------------------------------------
    def exit_and_fail(self) -> None:
        """Sudden failures, orderly exits after sustained losses, background closures; the
        clients of a closed provider wait to be placed again."""
        p = self.model.p
        rescued, failed, leaving = closures_due(
            self.model, self.table, p["working_age.background_exit_hazard"],
            p["working_age.failure_takeover_share"], ("wa_exit", "wa_takeover"))
        for row in rescued:
            self.agents[int(row)].taken_over()
        for row in failed:
            self.agents.pop(int(row)).close(failed=True)
        for row in leaving:
            self.agents.pop(int(row)).close(failed=False)
        closing = np.concatenate([failed, leaving])
        self.displace(closing)

    def displace(self, rows: np.ndarray) -> None:
        """Clients of closed providers wait for the same service; day places are lost."""
        c = self.clients
        if rows.size == 0:
            return
        closed = np.zeros(self.table.n, dtype=bool)
        closed[rows] = True
        main = (c.provider >= 0) & closed[np.maximum(c.provider, 0)]
        c.wanted[main] = c.service[main]
        c.service[main] = Service.WAITING
        c.provider[main] = NO_PROVIDER
        c.since[main] = self.model.week
        day = (c.day_provider >= 0) & closed[np.maximum(c.day_provider, 0)]
        c.day_provider[day] = NO_PROVIDER
        only_day = day & (c.service == Service.DAY_ONLY)
        c.wanted[only_day] = Service.DAY_ONLY
        c.service[only_day] = Service.WAITING
        c.since[only_day] = self.model.week

    def plan_entries(self) -> None:
        """Investors plan providers where the district's expected margin (raised by unmet
        demand, lowered by capacity already planned) beats the setting's hurdle."""
        m, t, p = self.model, self.table, self.model.p
        n_districts = p.dim_sizes["district"]
        waiting = self.waiting_units()
        cap = self.capacity()
        for setting in WASetting:
            if setting == WASetting.SHARED_LIVES:
                continue  # schemes are the council's own (in-house): nobody invests
            rows = np.flatnonzero(t.open & ~t.in_house & (t.setting == setting))
            count = np.bincount(t.district[rows], minlength=n_districts)
            open_capacity = np.bincount(t.district[rows], weights=cap[rows],
                                        minlength=n_districts)
            planned = self._planned_capacity(setting)
            pressure = waiting[setting] / np.maximum(open_capacity + planned + waiting[setting],
                                                     1.0)
            expected = district_margin(t, rows, n_districts) + \
                p["market.entry_demand_weight"] * pressure - \
                p["market.entry_pipeline_weight"] * planned / np.maximum(open_capacity, 1.0)
            rate = p["working_age.entry_rate"][setting] * np.maximum(count, 1) * np.maximum(
                expected - p["working_age.entry_hurdle"][setting], 0.0)
            cells = np.arange(n_districts) * len(WASetting) + setting
            new = poisson_from_uniform(m.uniform("wa_entry", cells), rate / WEEKS_PER_YEAR)
            lag = int(p["working_age.entry_lag_weeks"][setting])
            for district in np.flatnonzero(new):
                self.pipeline += [PlannedOpening(m.week + lag, int(setting), int(district))
                                  ] * int(new[district])

    def _planned_capacity(self, setting: int) -> np.ndarray:
        p = self.model.p
        size = self.new_capacity(setting)
        districts = [o.district for o in self.pipeline if o.setting == setting]
        return size * np.bincount(np.array(districts, dtype=int),
                                  minlength=p.dim_sizes["district"])

    def new_capacity(self, setting: int) -> float:
        """Units a new provider of the setting offers."""
        p = self.model.p
        size = p["working_age.provider_size"][setting]
        return float(capacity(p, np.array([setting]), np.array([size]), np.array([size]))[0])

    def open_due(self) -> None:
        due = [o for o in self.pipeline if o.week <= self.model.week]
        self.pipeline = [o for o in self.pipeline if o.week > self.model.week]
        for opening in due:
            self.open_providers(opening.setting, np.array([opening.district]))

    def open_providers(self, setting: int, district: np.ndarray, size: np.ndarray | None = None,
                       in_house: bool = False) -> np.ndarray:
        """New providers of a setting: rated Good, staffed for their size (workers in an
        hourly service; beds, carers or day places otherwise), with starting cash."""
        m, t, p = self.model, self.table, self.model.p
        size = np.full(district.size, p["working_age.provider_size"][setting]) \
            if size is None else size
        hourly = setting in (WASetting.SUPPORTED_LIVING, WASetting.HOMECARE)
        staff = size if hourly else np.zeros(district.size)
        rows = t.add(district.size, setting=setting, district=district,
                     council=p["county.district_council"][district],
                     beds=0.0 if hourly else size, framework=True, quality=GOOD,
                     wage=self.wage(), staff=staff, staff_demand=staff, fill=1.0,
                     in_house=in_house, opened_week=m.week)
        self.carer_payments = np.zeros(t.n)
        zero = np.zeros(t.n)
        cost, _ = self.costs_and_posts(zero, capacity(p, t.setting, t.beds, t.staff))
        t.cash[rows] = p["working_age.initial_cash_weeks"][setting] * cost[rows]
        for row in rows:
            self.agents[int(row)] = WorkingAgeProvider(m, row)
        if m.week > 0:
            self.entries += rows.size
        return rows
