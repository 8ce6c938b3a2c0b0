"""Market levers: entry grants, an in-house provider of last resort, and the stress test
of the largest provider failing."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from ..calendar import WEEKS_PER_YEAR
from ..placement import waiting_for
from ..providers import Setting
from ..residents import Status
from .base import AIM, Intervention, InterventionArgs, council_field, council_names
from .registry import register

SETTINGS = {"care_homes": Setting.CARE_HOME, "homecare": Setting.HOMECARE}


class EntryGrantArgs(InterventionArgs):
    service: Literal["care_homes", "homecare"] = Field(
        description="New care homes or new homecare agencies.")
    grant: float = Field(gt=0, description="One-off grant to each new provider, GBP.")
    max_per_year: int | None = Field(default=None, ge=1, description="Grants available "
                                     "each financial year for the whole county (default "
                                     "no limit).")


@register
class MarketEntryGrants(Intervention):
    """Start-up grants that make opening a new provider more attractive."""

    name = "market_entry_grants"
    summary = ("A one-off grant to each new care home or agency; investors count it as "
               "extra margin spread over the parameter interventions.grant_payback_years, "
               "so more open (after the usual lag).")
    Args = EntryGrantArgs
    region_wide = ("investors weigh grants through one margin bonus for the whole region, "
                   "`Levers.entry_margin_bonus`, which cannot yet be kept to one "
                   "council's area")

    def setup(self, model) -> None:
        self.setting = SETTINGS[self.args.service]
        self.cap = None if self.args.max_per_year is None else \
            max(1, round(self.args.max_per_year * model.scale))
        self.seen = 0
        self.paid_this_year = 0

    def start(self, model) -> None:
        self.seen = len(model.market.opened_log)

    def step(self, model) -> None:
        if model.is_april[model.week]:
            self.paid_this_year = 0
        self._pay_new_providers(model)
        available = self.cap is None or self.paid_this_year < self.cap
        bonus = self.args.grant / (self._expected_revenue(model) * model.p[
            "interventions.grant_payback_years"][self.setting]) if available else 0.0
        model.levers.entry_margin_bonus[self.setting] = bonus * self.strength(model.week)

    def _pay_new_providers(self, model) -> None:
        t, log = model.providers, model.market.opened_log
        new = [row for row in log[self.seen:]
               if t.setting[row] == self.setting and not t.in_house[row]]
        self.seen = len(log)
        if self.cap is not None:
            new = new[: max(self.cap - self.paid_this_year, 0)]
        for row in new:
            t.cash[row] += self.args.grant
        self.paid_this_year += len(new)
        self.spend_by_council(model, self.args.grant * np.bincount(
            t.council[np.array(new, dtype=np.intp)], minlength=len(model.commissioners)))

    def _expected_revenue(self, model) -> float:
        """A year's revenue of a typical new provider at today's council fees (a region's
        councils' fees weighted by population)."""
        p = model.p
        if self.setting == Setting.CARE_HOME:
            weekly = p["care_homes.new_home_beds"] * p["care_homes.target_occupancy"] * \
                model.region_mean("fee_residential")
        else:
            weekly = p["market.new_agency_workers"] * \
                p["homecare.productive_hours_per_worker"] * model.region_mean("fee_homecare")
        return weekly * WEEKS_PER_YEAR

    def finish(self, model) -> None:
        model.levers.entry_margin_bonus[self.setting] = 0.0


class LastResortArgs(InterventionArgs):
    hours_per_week: float = Field(gt=0, description="Homecare hours a week the in-house "
                                  "service is staffed for, whole county.")
    after_weeks: int = Field(default=4, ge=0, description="It takes council clients who "
                             "have waited this many weeks, and anyone in hospital or "
                             "displaced by a closure, at once.")
    council: str | list[str] | None = council_field(
        "The council that runs it (one name from `county.councils`): it opens in that "
        "council's most populous district and takes that council's clients.",
        default="the council of the region's most populous district")

    @model_validator(mode="after")
    def _one_council(self) -> LastResortArgs:
        names = council_names(self.council)
        if names is not None and len(names) != 1:
            raise ValueError("an in-house service belongs to one council: name one in "
                             "`council` (one entry per council for more)")
        return self


@register
class ProviderOfLastResort(Intervention):
    """An in-house homecare service that takes the council clients the market cannot."""

    name = "provider_of_last_resort"
    summary = ("An in-house council homecare service, outside the market (it never exits "
               "and the council covers its losses), that takes council clients left "
               "waiting; it recruits its staff from the same labour market.")
    Args = LastResortArgs

    def setup(self, model) -> None:
        self.hours = self.args.hours_per_week * model.scale
        self.row = -1

    def start(self, model) -> None:
        """Open in the most populous district (of the council it applies to)."""
        population = model.p["county.population_65plus"]
        if self.councils is not None:
            population = np.where(self.in_councils(model.council_of_district), population,
                                  -np.inf)
        district = int(np.argmax(population))
        self.row = model.market.open_provider(Setting.HOMECARE, district, False)
        model.providers.in_house[self.row] = True

    def after_placement(self, model) -> None:
        """Take waiting council clients, the urgent and longest-waiting first, while
        staffed hours are spare."""
        r, t, p = model.residents, model.providers, model.p
        rows = waiting_for(r, (Status.HOMECARE,))
        rows = rows[r.in_hospital[rows] | r.displaced[rows] |
                    (model.week - r.since[rows] >= self.args.after_weeks)]
        rows = rows[r.council[rows] == t.council[self.row]]  # its own council's clients
        rows = rows[model.placement.fund(rows, np.full(rows.size, Status.HOMECARE))]
        package = p["homecare.package_hours"]
        clients = (r.status == Status.HOMECARE) & (r.provider == self.row)
        spare = t.staff[self.row] * p["homecare.productive_hours_per_worker"] - \
            package[r.need[clients]].sum()
        taken = rows[np.cumsum(package[r.need[rows]]) <= spare]
        model.placement.admit_to(taken, self.row)

    def after_care(self, model) -> None:
        """Staff for the planned hours; the council covers any loss."""
        t, p = model.providers, model.p
        t.staff_demand[self.row] = self.hours * self.strength(model.week) * (
            1.0 + p["homecare.staff_buffer"]) / p["homecare.productive_hours_per_worker"]
        if t.cash[self.row] < 0:
            self.spend(model, -t.cash[self.row], int(t.council[self.row]))
            t.cash[self.row] = 0.0

    def finish(self, model) -> None:
        model.market.agents.pop(self.row).close(failed=False)


class FailureArgs(InterventionArgs):
    service: Literal["care_homes", "homecare"] = Field(
        default="care_homes", description="Which kind of provider fails.")
    count: int = Field(default=1, ge=1, description="How many of the largest providers "
                       "fail together (e.g. a chain).")
    council: str | list[str] | None = council_field(
        f"{AIM}the largest providers in their areas fail.")


@register
class LargestProviderFailure(Intervention):
    """Stress test: the largest provider(s) fail on the `from` date, with no buyer."""

    name = "largest_provider_failure"
    summary = ("Stress test: on the `from` date the largest care home(s) by beds, or "
               "agency(ies) by staff, fail with no buyer; the council must re-place every "
               "resident (Care Act s48).")
    Args = FailureArgs

    def start(self, model) -> None:
        t = model.providers
        setting = SETTINGS[self.args.service]
        rows = np.flatnonzero(t.market_mask(setting) & self.in_councils(t.council))
        size = t.beds[rows] if setting == Setting.CARE_HOME else t.staff[rows]
        self.failed = rows[np.lexsort((rows, -size))][: self.args.count].tolist()
        for row in self.failed:
            model.market.agents.pop(int(row)).close(failed=True)
