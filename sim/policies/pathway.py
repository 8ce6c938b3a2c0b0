"""Pathway levers: reablement, assessment capacity, direct payments, technology-enabled
care, and a demand shock."""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from ..residents import AT_HOME_SUPPORTED, in_states
from .base import AIM, Intervention, InterventionArgs, council_field, from_parameter
from .registry import register


class ReablementArgs(InterventionArgs):
    extra_capacity: float = Field(gt=-1, description="Relative change in reablement starts "
                                  "a week, e.g. 0.5 for half as many again.")
    success_share: float | None = Field(default=None, ge=0, le=1, description="Share of "
                                        "episodes after which people need no long-term "
                                        "care (default unchanged).")
    council: str | list[str] | None = council_field(
        f"{AIM}only their reablement places change (not with `success_share`, which is one "
        "share for the whole region).")

    @model_validator(mode="after")
    def _success_is_region_wide(self) -> ReablementArgs:
        if self.council is not None and self.success_share is not None:
            raise ValueError("`success_share` is one share for the whole region (parameter "
                             "pathway.reablement_success_share): drop it or `council`")
        return self


@register
class ReablementExpansion(Intervention):
    """More reablement places (each episode costs the reablement unit cost)."""

    name = "reablement_expansion"
    summary = ("More short-term reablement places for people newly needing care at home "
               "(each episode at the reablement unit cost), optionally more successful.")
    Args = ReablementArgs

    def start(self, model) -> None:
        self.base_success = model.p["pathway.reablement_success_share"]

    def step(self, model) -> None:
        s = self.strength(model.week)
        self.rescale_parameter(model, "commissioner.reablement_capacity_per_week",
                               self.council_factor(model, 1.0 + self.args.extra_capacity * s))
        if self.args.success_share is not None:
            self.shift_parameter(model, "pathway.reablement_success_share",
                                 (self.args.success_share - self.base_success) * s)

    def finish(self, model) -> None:
        self.undo(model)


class AssessmentArgs(InterventionArgs):
    change: float = Field(gt=-1, description="Relative change in assessments a week, e.g. "
                          "0.2 for a fifth more.")
    cost_per_assessment: float | None = from_parameter(
        "interventions.assessment_cost", "Staff cost of each extra assessment's worth of "
        "capacity, GBP (paid whether used or not; a cut saves it).", ge=0)
    council: str | list[str] | None = council_field(
        f"{AIM}only their assessment capacity changes, and they pay for it.")


@register
class AssessmentCapacity(Intervention):
    """More (or fewer) assessors: the queue for assessment moves faster (or slower)."""

    name = "assessment_capacity"
    summary = ("Change the council's assessment capacity; the extra assessors are paid "
               "whether or not the queue needs them.")
    Args = AssessmentArgs

    def step(self, model) -> None:
        factor = 1.0 + self.args.change * self.strength(model.week)
        for c in self.aimed_at(model):
            self.rescale_attribute(c, "assessment_capacity", factor)
            extra = c.assessment_capacity * (1.0 - 1.0 / factor)
            self.spend(model, extra * self.value(model, "cost_per_assessment"), c.council)

    def finish(self, model) -> None:
        self.undo(model)


class DirectPaymentArgs(InterventionArgs):
    share: float = Field(ge=0, le=1, description="Share of new community clients who take "
                         "a direct payment instead of commissioned homecare.")


@register
class DirectPaymentsExpansion(Intervention):
    """More people offered and supported to take a direct payment."""

    name = "direct_payments_expansion"
    summary = ("Offer direct payments to a larger share of new community clients (paid at "
               "the direct payment rate instead of agency homecare).")
    Args = DirectPaymentArgs
    region_wide = ("the share of new clients offered a direct payment is one parameter "
                   "for the whole region, `pathway.direct_payment_share`")

    def start(self, model) -> None:
        self.base = model.p["pathway.direct_payment_share"]

    def step(self, model) -> None:
        self.shift_parameter(model, "pathway.direct_payment_share",
                             (self.args.share - self.base) * self.strength(model.week))

    def finish(self, model) -> None:
        self.undo(model)


class TecArgs(InterventionArgs):
    coverage: float | None = from_parameter(
        "interventions.tec_coverage", "Share of people supported at home (homecare, direct "
        "payments, extra care) who get technology-enabled care.", ge=0, le=1)
    progression_reduction: float | None = from_parameter(
        "interventions.tec_progression_reduction", "Relative fall in a user's hazard of "
        "needs rising a level.", ge=0, le=1)
    assessment_gain: float | None = from_parameter(
        "interventions.tec_assessment_gain", "Relative gain in assessment throughput from "
        "digital self-assessment.", ge=0)
    cost_weekly: float | None = from_parameter(
        "interventions.tec_cost_weekly", "Council cost per user per week, GBP.", ge=0)
    council: str | list[str] | None = council_field(
        f"{AIM}only their residents get it (`coverage` of theirs), only their assessments "
        "speed up, and they pay for it.")


@register
class TechnologyEnabledCare(Intervention):
    """Telecare and digital care: slightly slower need progression, faster assessment."""

    name = "technology_enabled_care"
    summary = ("Technology-enabled and digital care for people supported at home: a small "
               "fall in the hazard that users' needs rise, faster assessment, a weekly cost "
               "per user (the evidence is weak: defaults are modest, ranges wide).")
    Args = TecArgs

    def step(self, model) -> None:
        r, s = model.residents, self.strength(model.week)
        ours = self.in_councils(r.council)
        supported = in_states(r.status, AT_HOME_SUPPORTED) & ours
        r.tec[ours & ~supported] = False
        target = round(self.value(model, "coverage") * s * np.count_nonzero(supported))
        users = r.tec & ours
        enrol = target - int(np.count_nonzero(users))
        if enrol > 0:
            pool = np.flatnonzero(supported & ~r.tec)
            priority = model.uniform("policy:tec", r.key[pool])
            r.tec[pool[np.argsort(priority)[:enrol]]] = True
            users = r.tec & ours
        model.levers.tec_progression_factor = 1.0 - self.value(model, "progression_reduction")
        for c in self.aimed_at(model):
            self.rescale_attribute(c, "assessment_capacity",
                                   1.0 + self.value(model, "assessment_gain") * s)
        by_council = np.bincount(r.council[users], minlength=len(model.commissioners))
        self.spend_by_council(model, by_council * self.value(model, "cost_weekly"))

    def finish(self, model) -> None:
        r = model.residents
        r.tec[self.in_councils(r.council)] = False
        model.levers.tec_progression_factor = 1.0
        self.undo(model)


class DemandShockArgs(InterventionArgs):
    onset_factor: float = Field(default=1.0, gt=0, description="Multiplies the hazard of "
                                "new care needs, e.g. 1.2 for a fifth more.")
    hospital_factor: float = Field(default=1.0, gt=0, description="Multiplies emergency "
                                   "hospital admissions of people at home.")

    @model_validator(mode="after")
    def _something(self) -> DemandShockArgs:
        if self.onset_factor == 1 and self.hospital_factor == 1:
            raise ValueError("give `onset_factor` or `hospital_factor` (other than 1)")
        return self


@register
class DemandShock(Intervention):
    """Stress test: more people develop needs, or more go through hospital."""

    name = "demand_shock"
    summary = ("Stress test: more new care needs and/or more emergency admissions (e.g. a "
               "bad winter or an epidemic), undone at `until`.")
    Args = DemandShockArgs
    region_wide = ("the hazards of new needs and of hospital admission are parameters for "
                   "the whole region")

    def step(self, model) -> None:
        s = self.strength(model.week)
        self.rescale_parameter(model, "need.onset_hazard",
                               1.0 + (self.args.onset_factor - 1.0) * s)
        self.rescale_parameter(model, "pathway.hospital_admission_hazard",
                               1.0 + (self.args.hospital_factor - 1.0) * s)

    def finish(self, model) -> None:
        self.undo(model)
