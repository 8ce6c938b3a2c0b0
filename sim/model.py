"""The care market model: a Mesa model whose weekly step is a short list of phases."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import mesa
import numpy as np

from .calendar import WEEKS_PER_YEAR, april_weeks, effective_week, week_dates
from .care import CareDelivery
from .charging import ChargingRules
from .commissioner import Commissioner, Economy
from .invariants import InvariantChecker, checking
from .levers import Levers
from .market import Market
from .metrics import MetricRecorder
from .outcomes import council_metrics, district_metrics, weekly_metrics
from .parameters import Parameters
from .pathway import Pathway
from .placement import Placement
from .policies import PolicySet
from .population import (
    add_residents,
    age_band_of,
    cells_to_people,
    onset_keys,
    weekly_probability,
)
from .providers import ProviderTable
from .residents import ResidentTable, Status
from .rng import RandomStreams
from .scenario import Scenario, baseline_scenario
from .setup import build_county
from .workforce import Workforce
from .working_age import WorkingAge
from .working_age.outcomes import add_working_age

#: The weekly step's phases, in order (``CareMarketModel.phases``).
PHASES = ("calendar", "demography", "pathway", "placement", "care_and_money", "market",
          "workforce", "metrics")
#: Keyed draws made over every resident every week (``CareMarketModel.draws_below``).
EVERYONE_DRAWS = ("need", "hospital", "requests")


class CareMarketModel(mesa.Model):
    """A region's adult social care market for people aged 65+, in weekly steps: one
    council (the default county) or several sharing the providers near their borders.

    Args:
        params: parameter values (``sim.parameters.load_parameters()``).
        scenario: parameter changes to apply, each from its date (default: the baseline).
        seed: the replication's seed; each random process draws from its own named stream.
        weeks: how many weeks to simulate (default: ``run.horizon_years`` x 52).
        scale: simulate this fraction of the county (population and capacity alike).
        check: assert the weekly invariants (``sim.invariants``) after every week; None:
            on when the environment variable ``CAREMARKET_CHECK`` is "1". Results are the
            same either way.
    """

    def __init__(self, params: Parameters, scenario: Scenario | None = None,
                 seed: np.random.SeedSequence | int = 0, weeks: int | None = None,
                 scale: float = 1.0, check: bool | None = None):
        self.streams = RandomStreams(seed)
        super().__init__(rng=self.streams["mesa"])
        self.scale = scale
        self.scenario = scenario or baseline_scenario()
        self.start = params["run.start_date"]
        self.weeks = weeks or int(params["run.horizon_years"] * WEEKS_PER_YEAR)
        self.dates = week_dates(self.start, self.weeks)
        self.is_april = april_weeks(self.dates)
        self.week = 0
        self._changes = self._schedule(self.scenario, params.scaled(scale))
        self.p = params.scaled(scale).with_values(self._changes.pop(0, {}))
        self.charging = ChargingRules.from_params(self.p)
        self.economy = Economy(self.p)
        self.residents = ResidentTable(premix={
            process: self.streams.keyed(process).premix for process in EVERYONE_DRAWS})
        self.providers = ProviderTable()
        self.market = Market(self)
        self.pathway = Pathway(self)
        self.placement = Placement(self)
        self.care = CareDelivery(self)
        self.workforce = Workforce(self)
        self.council_of_district = self.p["county.district_council"]
        self.commissioners = [Commissioner(self, c)
                              for c in range(params.dim_sizes["council"])]
        self.levers = Levers()
        self.policies = PolicySet([spec.build() for spec in self.scenario.interventions])
        self.phase_seconds: dict[str, float] | None = None  # set a dict to time phases
        self.accounts = None
        self.recorder = MetricRecorder(self.weeks, params.dim_sizes["district"],
                                       len(self.commissioners))
        self.deaths = self.recovered = self.arrivals = 0
        build_county(self)
        self.working_age = WorkingAge(self) if self.p["working_age.enabled"] else None
        self.policies.setup(self)
        self.invariants = InvariantChecker(self) if checking(check) else None

    @property
    def commissioner(self) -> Commissioner:
        """The council of a region of one council (the default county)."""
        if len(self.commissioners) != 1:
            raise AttributeError(f"this region has {len(self.commissioners)} councils: use "
                                 "model.commissioners[i]")
        return self.commissioners[0]

    @property
    def eligibility_threshold(self) -> int:
        """Lowest eligible need level (the national Care Act threshold: every council's)."""
        return self.p["commissioner.eligibility_threshold"]

    def council_state(self, attr: str) -> np.ndarray:
        """Each council's value of a commissioner attribute (e.g. ``fee_homecare``), by
        council index: index it with residents' or providers' ``council``."""
        return np.array([getattr(c, attr) for c in self.commissioners])

    def region_mean(self, attr: str) -> float:
        """The councils' values of a commissioner attribute weighted by their population
        aged 65+ at the start (``council_shares``): with one council, its value."""
        return float(np.sum(self.council_shares * self.council_state(attr)))

    def _schedule(self, scenario: Scenario, params: Parameters) -> dict[int, dict]:
        """Scenario changes by the week they take effect (extensive values scaled)."""
        by_week: dict[int, dict] = defaultdict(dict)
        for change in scenario.changes:
            week = effective_week(self.start, change.start) if change.start else 0
            value = change.value
            if params.spec(change.param).extensive:
                value = np.asarray(value) * self.scale if not np.isscalar(value) \
                    else value * self.scale
            by_week[week][change.param] = value
        return dict(by_week)

    # --- the weekly step ---------------------------------------------------------------
    def phases(self) -> tuple[tuple[str, Callable[[], object]], ...]:
        """The weekly step's phases in order, named as ``PHASES``."""
        return (("calendar", self.start_week), ("demography", self.demography),
                ("pathway", self.requests_and_assessment), ("placement", self.place),
                ("care_and_money", self.deliver_care), ("market", self.exit_and_entry),
                ("workforce", self.workforce.step), ("metrics", self.record))

    def step(self) -> None:
        """One week: calendar, parameter changes and interventions; demography; pathway;
        placement; care and money; exit and entry; workforce; metrics. With
        ``phase_seconds`` (a dict), the time of each phase is added to it; with
        ``invariants`` (``check``), they are checked after the phases that need it and at
        the end of the week (``InvariantError`` if one fails)."""
        timing, invariants = self.phase_seconds, self.invariants
        for name, phase in self.phases():
            if timing is None:
                phase()
            else:
                started = time.perf_counter()
                phase()
                timing[name] = timing.get(name, 0.0) + time.perf_counter() - started
            if invariants is not None:
                invariants.after_phase(name)
        self.week += 1
        if invariants is not None:
            invariants.end_week()

    def place(self) -> None:
        """Interventions before placement, placement, interventions after it."""
        self.policies.run_phase("before_placement", self)
        self.placement.run()
        if self.working_age is not None:
            self.working_age.place()
        self.policies.run_phase("after_placement", self)

    def deliver_care(self) -> None:
        """Care, money and outcomes of the week (kept for the metrics)."""
        self.accounts = self.care.run()
        if self.working_age is not None:
            self.working_age.deliver_care()

    def record(self) -> None:
        """This week's metrics, for the county (the region), by district, by council and
        by client group (working-age groups' figures are added to the totals)."""
        values = weekly_metrics(self, self.accounts)
        by_district = district_metrics(self, self.accounts)
        by_council = council_metrics(self, self.accounts, by_district)
        by_group = None if self.working_age is None else add_working_age(
            self.working_age, values, by_district, by_council)
        self.recorder.record(self.week, values, by_district, by_council, by_group)

    def run(self) -> np.ndarray:
        """Step to the horizon; returns the (metric x week) array."""
        while self.week < self.weeks:
            self.step()
        return self.recorder.data

    def start_week(self) -> None:
        """April's new financial year (fees, wages, prices), dated scenario changes, then
        the scenario's interventions (start, step or finish)."""
        self.pathway.reset_week()
        self.market.reset_week()
        if self.is_april[self.week]:
            self.economy.new_financial_year(self.p)
            for commissioner in self.commissioners:
                commissioner.new_financial_year()
            self.population.grow_cohort(self.p["demography.new_65_growth"])
            self.market.reset_wages()
            self.market.set_prices()
        if self.working_age is not None:
            self.working_age.start_week(bool(self.is_april[self.week]))
        if self.week in self._changes:
            self.apply_changes(self._changes[self.week])
        self.policies.start_week(self)
        for commissioner in self.commissioners:
            commissioner.keep_block_contracts()
            commissioner.start_week()

    def apply_changes(self, changes: dict) -> None:
        """Set new parameter values; those that start a piece of state reset it (every
        council's fees, budget, capacity and block targets, the National Living Wage and
        providers' pay, the yearly cohort turning 65), and the means-test rules are
        rebuilt."""
        self.p = self.p.with_values(changes)
        self.charging = ChargingRules.from_params(self.p)
        setters = {
            "economy.national_living_wage":
                lambda v: setattr(self.economy, "national_living_wage", v),
            "demography.new_65_per_year":
                lambda v: setattr(self.population, "new_65_per_year", v),
        }
        for path, value in changes.items():
            for commissioner in self.commissioners:
                commissioner.reset_state(path, value)
            if path in setters:
                setters[path](value)
            if self.working_age is not None:
                self.working_age.apply_change(path, value)
        if {"economy.national_living_wage", "workforce.care_wage_premium"} & changes.keys():
            self.market.reset_wages()

    def uniform(self, process: str, keys) -> np.ndarray:
        """This week's uniform for each key (a resident's, provider row, cell...) from the
        keyed stream of ``process``: the same in every scenario (common random numbers)."""
        return self.streams.keyed(process).uniform(keys, self.week)

    def draws_below(self, process: str, chance: float) -> tuple[np.ndarray, np.ndarray]:
        """For a draw over everyone (``EVERYONE_DRAWS``): the resident rows whose uniform
        this week is below ``chance``, and those uniforms (the values ``uniform(process,
        residents.key)`` gives them, found without making everyone's)."""
        return self.streams.keyed(process).uniform_below(
            self.residents.premixed(process), self.week, chance)

    def set_parameters(self, values: dict) -> None:
        """New values for parameters the weekly rules read (interventions' lever); unlike a
        dated change, no state is reset."""
        self.p = self.p.with_values(values)

    def demography(self) -> None:
        """Counts age and die; residents age, die, progress and recover; onset adds
        residents; emergency admissions send some to hospital."""
        r, p = self.residents, self.p
        self.population.age_and_die(p, self.district_shares)
        r.age[:] += 1.0 / WEEKS_PER_YEAR
        dies, up, down = self._need_events()
        well = self._apply_need_changes(up, down)
        leaving = np.zeros(r.n, dtype=bool)
        leaving[dies] = True
        leaving[well] = True
        r.remove(leaving)
        cells = np.arange(self.population.counts.size)
        onsets = self.population.draw_onsets(p["need.onset_hazard"], self.uniform("onset", cells))
        district, band, sex = cells_to_people(onsets)
        keys = onset_keys(onsets, self.week)
        levels = np.searchsorted(np.cumsum(p["need.onset_level_shares"]),
                                 self.uniform("onset_level", keys), side="right")
        add_residents(r, p, district, band, sex, levels.astype(np.int8), keys,
                      lambda name: self.uniform("onset_" + name, keys))
        self.arrivals = district.size
        self.pathway.hospital_admissions()
        if self.working_age is not None:
            self.working_age.demography_phase()

    def _need_events(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows with this week's competing events: death (hazard by need and age), a rise
        in need (by need and age; none above critical) or a fall (by need). One keyed
        uniform per resident decides which event, if any; only rows below the largest total
        probability are looked at further."""
        r, p = self.residents, self.p
        n_bands = len(p["need.mortality_age_multiplier"])
        die = weekly_probability(p["need.mortality_by_need"][:, None] *
                                 p["need.mortality_age_multiplier"][None, :])
        rise = weekly_probability(p["need.progression_hazard"][:, None] *
                                  p["need.progression_age_multiplier"][None, :])
        rise[-1] = 0.0  # no level above critical
        fall = np.repeat(weekly_probability(p["need.recovery_hazard"])[:, None], n_bands, 1)
        p_max = float((die + rise * max(1.0, self.levers.tec_progression_factor) +
                       fall).max())
        rows, u = self.draws_below("need", p_max)
        cell = r.need[rows].astype(np.intp) * n_bands + age_band_of(r.age[rows])
        p_die = die.ravel().take(cell)
        p_rise = p_die + rise.ravel().take(cell) * np.where(
            r.tec[rows], self.levers.tec_progression_factor, 1.0)
        p_fall = p_rise + fall.ravel().take(cell)
        self.deaths = int(np.count_nonzero(u < p_die))
        return rows[u < p_die], rows[(u >= p_die) & (u < p_rise)], \
            rows[(u >= p_rise) & (u < p_fall)]

    def _apply_need_changes(self, up: np.ndarray, down: np.ndarray) -> np.ndarray:
        """Needs rise or fall a level; returns the rows of people whose needs ended and who
        receive and want nothing (they rejoin the population counts; anyone else whose
        need falls to none is held at low)."""
        r = self.residents
        r.need[up] += 1
        r.need[down] -= 1
        ended = down[r.need[down] == 0]
        free = (r.status[ended] == Status.COMMUNITY) & (r.wanted[ended] == Status.COMMUNITY)
        well = ended[free]
        r.need[ended[~free]] = 1
        self.population.return_residents(r.district[well], age_band_of(r.age[well]),
                                         r.sex[well])
        self.recovered = well.size
        return well

    def requests_and_assessment(self) -> None:
        self.pathway.requests()
        self.pathway.assess()
        self.pathway.end_reablement()
        self.pathway.reviews()

    def exit_and_entry(self) -> None:
        self.market.inspect()
        self.market.exit_and_fail()
        self.market.plan_entries()
        self.market.open_due()
        if self.working_age is not None:
            self.working_age.exit_and_entry()


def simulate_arrays(params: Parameters, scenario: Scenario | None,
                    seed: np.random.SeedSequence | int, weeks: int | None = None,
                    scale: float = 1.0, check: bool | None = None) -> dict[str, np.ndarray]:
    """Run one replication; its recorded arrays, not scaled back: ``metrics`` (metric x
    week), ``by_district`` (``BY_DISTRICT`` metric x district x week), ``by_council``
    (``BY_COUNCIL`` metric x council x week) and ``by_group`` (``BY_GROUP`` metric x client
    group of ``sim.dims.CLIENT_GROUPS`` x week). ``check``: as ``CareMarketModel``'s (the
    weekly invariants; None: from ``CAREMARKET_CHECK``)."""
    model = CareMarketModel(params, scenario, seed, weeks, scale, check)
    model.run()
    return {"metrics": model.recorder.data, "by_district": model.recorder.by_district,
            "by_council": model.recorder.by_council, "by_group": model.recorder.by_group}


def simulate(params: Parameters, scenario: Scenario | None, seed: np.random.SeedSequence | int,
             weeks: int | None = None, scale: float = 1.0, check: bool | None = None
             ) -> np.ndarray:
    """Run one replication; returns weekly metrics (metric x week), not scaled back."""
    return simulate_arrays(params, scenario, seed, weeks, scale, check)["metrics"]
