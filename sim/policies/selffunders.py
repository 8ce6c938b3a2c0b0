"""Care Act section 18(3): self-funders ask the council to arrange care at its rates."""

from __future__ import annotations

import numpy as np

from ..population import weekly_probability
from ..residents import CARE_HOME, Funding, in_states
from .base import AIM, Intervention, InterventionArgs, council_field, from_parameter
from .registry import register


class Section18Args(InterventionArgs):
    take_up_per_year: float | None = from_parameter(
        "interventions.s18_3_take_up", "Yearly hazard that a self-funder in a care home "
        "asks the council to arrange their care.", ge=0)
    arrangement_cost: float | None = from_parameter(
        "interventions.s18_3_arrangement_cost", "Council cost of arranging one placement, "
        "GBP.", ge=0)
    council: str | list[str] | None = council_field(
        f"{AIM}only their self-funders ask (e.g. a council's pilot, or commencement in "
        "stages).")


@register
class Section18_3(Intervention):
    """Self-funders in care homes pay the council's rate instead of the home's price."""

    name = "section_18_3"
    summary = ("Commence Care Act s18(3) for care homes: self-funders ask the council to "
               "arrange their placement and then pay its fee instead of the home's "
               "self-funder price, shrinking the cross-subsidy providers rely on.")
    Args = Section18Args

    def step(self, model) -> None:
        r = model.residents
        rows = np.flatnonzero(in_states(r.status, CARE_HOME) & (r.funding == Funding.SELF) &
                              ~r.arranged & self.in_councils(r.council))
        chance = weekly_probability(self.value(model, "take_up_per_year") *
                                    self.strength(model.week))
        asking = rows[model.uniform("policy:s18_3", r.key[rows]) < chance]
        r.arranged[asking] = True
        self.spend_by_council(model, np.bincount(r.council[asking], minlength=len(
            model.commissioners)) * self.value(model, "arrangement_cost"))
