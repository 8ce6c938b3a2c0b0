"""Workforce levers: international recruitment, and a shock to pay outside care."""

from __future__ import annotations

from pydantic import Field, model_validator

from .base import Intervention, InterventionArgs
from .registry import register

RECRUITS = "workforce.international_recruits_per_year"


class RecruitmentArgs(InterventionArgs):
    change: float | None = Field(default=None, ge=-1, description="Relative change in "
                                 "international recruits, e.g. -0.5 halves them, -1 stops "
                                 "them (give `change` or `per_year`).")
    per_year: float | None = Field(default=None, ge=0, description="International recruits "
                                   "a year into the county's care workforce (workers/year).")

    @model_validator(mode="after")
    def _one_of(self) -> RecruitmentArgs:
        if (self.change is None) == (self.per_year is None):
            raise ValueError("give exactly one of `change` or `per_year`")
        return self


@register
class InternationalRecruitment(Intervention):
    """More or fewer care workers recruited from abroad (visa rules, sponsorship)."""

    name = "international_recruitment"
    summary = ("Change the number of care workers recruited from abroad each year (e.g. "
               "visa rules closing the route, or a council-sponsored scheme).")
    Args = RecruitmentArgs
    region_wide = ("recruits from abroad join the region's care workforce, shared among "
                   "providers with vacancies wherever they are")

    def start(self, model) -> None:
        if self.args.per_year is not None:
            self.shift = self.args.per_year * model.scale - model.p[RECRUITS]

    def step(self, model) -> None:
        s = self.strength(model.week)
        if self.args.change is not None:
            self.rescale_parameter(model, RECRUITS, 1.0 + self.args.change * s)
        else:
            self.shift_parameter(model, RECRUITS, self.shift * s)

    def finish(self, model) -> None:
        self.undo(model)


class WageShockArgs(InterventionArgs):
    outside_pay_rise: float = Field(default=0.0, description="Rise in pay outside care "
                                    "(retail, hospitality) as a share of the National Living "
                                    "Wage, e.g. 0.05.")
    nlw_rise: float = Field(default=0.0, ge=-0.5, description="Off-cycle rise in the "
                            "National Living Wage, e.g. 0.05 for 5%: care and outside pay "
                            "follow, so providers' costs rise while fees keep their usual "
                            "April uplift rule (a cost squeeze).")

    @model_validator(mode="after")
    def _something(self) -> WageShockArgs:
        if self.outside_pay_rise == 0 and self.nlw_rise == 0:
            raise ValueError("give `outside_pay_rise` or `nlw_rise` (or both)")
        return self


@register
class WageShock(Intervention):
    """Stress test: pay elsewhere jumps, or the National Living Wage rises off-cycle."""

    name = "wage_shock"
    summary = ("Stress test: pay outside care rises relative to care (workers leave and "
               "are harder to hire), and/or the National Living Wage rises off-cycle "
               "(providers' costs rise, fees do not follow).")
    Args = WageShockArgs
    region_wide = "pay outside care and the National Living Wage move for the whole region"

    def step(self, model) -> None:
        s = self.strength(model.week)
        self.shift_parameter(model, "workforce.outside_wage_premium",
                             self.args.outside_pay_rise * s)
        before = model.economy.national_living_wage
        self.rescale_attribute(model.economy, "national_living_wage",
                               1.0 + self.args.nlw_rise * s)
        if model.economy.national_living_wage != before:
            model.market.reset_wages()

    def finish(self, model) -> None:
        self.undo(model)
        model.market.reset_wages()

