"""Extra care housing: flats with care on site, instead of a residential home."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from ..pathway import funding_for
from ..placement import waiting_for
from ..residents import NO_PROVIDER, Status
from .base import AIM, Intervention, InterventionArgs, council_field, from_parameter
from .registry import register


class ExtraCareArgs(InterventionArgs):
    units: float = Field(gt=0, description="Extra care flats with council nomination "
                         "rights, for the whole county (filled as they open if `ramp_weeks`).")
    cost_weekly: float | None = from_parameter(
        "interventions.extra_care_cost_weekly", "Care and support cost per tenant a week, "
        "GBP (rent excluded); means-tested like care at home.", ge=0)
    max_need: int | None = from_parameter(
        "interventions.extra_care_max_need", "Highest need level offered a flat (1 low .. "
        "4 critical).", ge=1, le=4)
    uptake: float | None = from_parameter(
        "interventions.extra_care_uptake", "Share of people offered a flat who accept.",
        ge=0, le=1)
    council: str | list[str] | None = council_field(
        f"{AIM}the `units` are theirs, offered to their residents only.")


@register
class ExtraCareHousing(Intervention):
    """People assessed for a residential home are offered an extra care flat instead."""

    name = "extra_care_housing"
    summary = ("Extra care flats: people assessed as needing a residential home (planned "
               "moves, not from hospital; needs up to `max_need`) are offered a flat with "
               "care on site; tenants are reviewed like people at home and move on to a "
               "home when assessed as needing one.")
    Args = ExtraCareArgs

    def setup(self, model) -> None:
        self.units = self.args.units * model.scale

    def step(self, model) -> None:
        model.levers.extra_care_cost_weekly = self.value(model, "cost_weekly")

    def before_placement(self, model) -> None:
        """Offer free flats to people (of the councils it applies to) waiting for a
        residential home, longest wait first."""
        r = model.residents
        ours = self.in_councils(r.council)
        free = int(self.units * self.strength(model.week)) - \
            int(np.count_nonzero((r.status == Status.EXTRA_CARE) & ours))
        if free <= 0:
            return
        rows = waiting_for(r, (Status.RESIDENTIAL,))
        rows = rows[ours[rows] & ~r.in_hospital[rows] & ~r.displaced[rows] &
                    (r.status[rows] != Status.EXTRA_CARE) &
                    (r.need[rows] <= self.value(model, "max_need"))]
        accept = model.uniform("policy:extra_care", r.key[rows]) < \
            self.value(model, "uptake")
        moving = rows[accept][:free]
        r.status[moving] = Status.EXTRA_CARE
        r.wanted[moving] = Status.EXTRA_CARE
        r.provider[moving] = NO_PROVIDER
        r.since[moving] = model.week
        r.funding[moving] = funding_for(r.status[moving], r.savings[moving],
                                        r.property[moving], r.property_counted[moving],
                                        model.charging)
