"""Fee levers: a fee uplift, and a workforce pay floor funded through fees."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from ..finance import homecare_cost_per_hour
from ..providers import Setting
from .base import AIM, Intervention, InterventionArgs, council_field, from_parameter
from .registry import register

#: The council's fee attributes for each service a fee uplift can name.
SERVICE_FEES = {
    "homecare": ("fee_homecare",),
    "residential": ("fee_residential",),
    "nursing": ("fee_nursing",),
    "care_homes": ("fee_residential", "fee_nursing"),
    "direct_payments": ("direct_payment_rate",),
    "all": ("fee_homecare", "fee_residential", "fee_nursing", "direct_payment_rate"),
}


class FeeUpliftArgs(InterventionArgs):
    service: Literal["homecare", "residential", "nursing", "care_homes", "direct_payments",
                     "all"] = Field(description="Which fee: homecare, residential, nursing, "
                                    "care_homes (both), direct_payments or all.")
    by: float | None = Field(default=None, gt=-1, description="Relative change, e.g. 0.1 "
                             "for 10% more (give `by` or `to`).")
    to: float | None = Field(default=None, gt=0, description="Target rate, e.g. a fair cost "
                             "of care: GBP/hour (homecare, direct payments) or GBP/week "
                             "(residential, nursing); one service only.")
    pay_pass_through: float | None = from_parameter(
        "interventions.fee_pay_pass_through", "Share of the extra fee per hour of care that "
        "providers pass on to care workers' pay (for care homes the residential fee's "
        "change per care hour).", ge=0, le=1)
    council: str | list[str] | None = council_field(
        f"{AIM}only their fees change, and only providers in their areas pass it on to "
        "pay.")

    @model_validator(mode="after")
    def _one_of(self) -> FeeUpliftArgs:
        if (self.by is None) == (self.to is None):
            raise ValueError("give exactly one of `by` (a relative change) or `to` (a rate)")
        if self.to is not None and len(SERVICE_FEES[self.service]) > 1:
            raise ValueError(f"`to` sets one rate; for service {self.service} use `by`, or "
                             "one entry per service")
        return self


@register
class FeeUplift(Intervention):
    """The council raises (or cuts) a fee, on top of its usual April uplifts."""

    name = "fee_uplift"
    summary = ("Raise a council fee by a share or to a target rate (e.g. a fair cost of "
               "care), on top of the usual April uplifts; providers pass a share of it on to "
               "care workers' pay; undone at `until`.")
    Args = FeeUpliftArgs

    def start(self, model) -> None:
        """The factor on each named fee of every council it applies to (with `to`, each
        council's fee is brought to the rate)."""
        a = self.args
        self.targets = {(c.council, attr): (a.to / getattr(c, attr) if a.to else 1.0 + a.by)
                        for c in self.aimed_at(model) for attr in SERVICE_FEES[a.service]}
        self.pay = np.zeros(len(Setting))

    def step(self, model) -> None:
        s = self.strength(model.week)
        before = _fees(model)
        for (council, attr), factor in self.targets.items():
            self.rescale_attribute(model.commissioners[council], attr,
                                   1.0 + (factor - 1.0) * s)
        if _fees(model) != before:
            model.market.set_prices()  # self-funder prices never fall below the fee
            self._pass_on_to_pay(model, s)

    def _pass_on_to_pay(self, model, s: float) -> None:
        """Care workers' pay in the settings whose fee rose by the pass-through share of
        the extra fee per hour of care (net of on-costs, and of travel for homecare). For
        every council of a region, of the councils' extra fees weighted by population
        (pay is region-wide); aimed at some councils, each one's extra fee in its own
        area (``CouncilPay``)."""
        share = self.value(model, "pay_pass_through")
        extra: dict[str, np.ndarray] = {}  # the extra fee by council
        for attr in dict.fromkeys(attr for _, attr in self.targets):
            by_council = np.zeros(len(model.commissioners))
            for (council, name), factor in self.targets.items():
                if name == attr:
                    by_council[council] = getattr(model.commissioners[council], attr) * (
                        1.0 - 1.0 / (1.0 + (factor - 1.0) * s))
            extra[attr] = by_council
        if self.councils is None:
            region = {attr: float(np.sum(model.council_shares * by_council))
                      for attr, by_council in extra.items()}
            pay = share * pay_rise(region, model.p, travel_share(model))
            model.levers.wage_addition += pay - self.pay
            self.pay = pay
            model.market.reset_wages()
            return
        rises = np.zeros((len(model.commissioners), len(Setting)))
        for c in self.councils:
            rises[c] = pay_rise({attr: by_council[c] for attr, by_council in extra.items()},
                                model.p, travel_share(model, c))
        model.policies.council_pay(model).add(self, share * rises)

    def finish(self, model) -> None:
        self.undo(model)
        if self.councils is not None:
            model.policies.council_pay(model).clear(self)
        model.levers.wage_addition -= self.pay
        self.pay[:] = 0.0
        model.market.reset_wages()
        model.market.set_prices()


def pay_rise(extra: dict[str, float], p, travel: float) -> np.ndarray:
    """Care workers' hourly pay rise by setting that pays for the whole of an extra fee
    (``extra``: by fee attribute, GBP), net of on-costs and, for homecare, of ``travel``
    (the share of paid time spent travelling); for care homes from the residential fee's
    extra per care hour, else the nursing fee's."""
    oncost = p["workforce.oncost_share"]
    pay = np.zeros(len(Setting))
    if "fee_homecare" in extra:
        pay[Setting.HOMECARE] = extra["fee_homecare"] / ((1 + oncost) * (1 + travel))
    hours = p["care_homes.care_hours_per_resident"]
    if "fee_residential" in extra:
        pay[Setting.CARE_HOME] = extra["fee_residential"] / ((1 + oncost) * hours[0])
    elif "fee_nursing" in extra:
        pay[Setting.CARE_HOME] = extra["fee_nursing"] / ((1 + oncost) * hours[1])
    return pay


def travel_share(model, council: int | None = None) -> float:
    """The mean homecare travel share of the region's districts, or of one council's."""
    shares = model.p["county.homecare_travel_share"]
    if council is not None:
        shares = shares[model.council_of_district == council]
    return float(np.mean(shares))


def _fees(model) -> tuple[float, ...]:
    return tuple(fee for c in model.commissioners for fee in (
        c.fee_homecare, c.fee_residential, c.fee_nursing, c.direct_payment_rate))


class PayFloorArgs(InterventionArgs):
    rate: float = Field(gt=0, description="Lowest hourly pay for care workers, GBP/hour "
                        "(e.g. the Real Living Wage).")
    uprate: bool = Field(default=True, description="Raise the floor each April by the "
                         "National Living Wage growth parameter.")
    funded: bool = Field(default=True, description="Raise council fees by the extra wage "
                         "cost of a unit of care, so providers are funded for the floor.")
    council: str | list[str] | None = council_field(
        f"{AIM}the floor binds providers in their areas only, and only their fees fund "
        "it.")


@register
class PayFloor(Intervention):
    """A pay floor for care workers (e.g. the Real Living Wage), funded through fees."""

    name = "pay_floor"
    summary = ("A minimum hourly wage for care workers (e.g. the Real Living Wage), with "
               "council fees raised by the extra wage cost of each hour or bed-week.")
    Args = PayFloorArgs

    def start(self, model) -> None:
        self.rate = self.args.rate
        self.added = [dict.fromkeys(SERVICE_FEES["all"], 0.0) for _ in model.commissioners]

    def step(self, model) -> None:
        e, p = model.economy, model.p
        if model.is_april[model.week] and model.week != self.start_week and self.args.uprate:
            self.rate *= 1.0 + p["economy.nlw_growth"]
        market_wage = e.market_care_wage(p)
        floor = market_wage + (max(self.rate, market_wage) - market_wage) * \
            self.strength(model.week)
        if self.councils is not None:
            floors = np.zeros(len(model.commissioners))
            floors[list(self.councils)] = floor
            model.policies.council_pay(model).floor(self, floors)
        elif floor != e.wage_floor:
            e.wage_floor = floor
            model.market.reset_wages()
        if self.args.funded:
            before = _fees(model)
            self._fund(model, max(floor - market_wage, 0.0))
            if _fees(model) != before:
                model.market.set_prices()

    def _fund(self, model, extra_wage: float) -> None:
        """The fees of every council it applies to = what they would be without the floor
        + the floor's extra cost per unit (April's uplift already scaled last year's
        addition); homecare's with the travel share of the region, or, aimed at some
        councils, of each one's own districts."""
        p = model.p
        per_hour = extra_wage * (1.0 + p["workforce.oncost_share"])
        care_hours = p["care_homes.care_hours_per_resident"]
        for c in self.aimed_at(model):
            travel = travel_share(model, None if self.councils is None else c.council)
            wanted = {
                "fee_homecare": homecare_cost_per_hour(
                    extra_wage, p["workforce.oncost_share"], travel, 0.0),
                "direct_payment_rate": per_hour,
                "fee_residential": per_hour * care_hours[0],
                "fee_nursing": per_hour * care_hours[1],
            }
            added = self.added[c.council]
            uplifted = c.last_uplift_factor if c.last_uplift_week == model.week else 1.0
            for attr, amount in wanted.items():
                setattr(c, attr, getattr(c, attr) + amount - added[attr] * uplifted)
                added[attr] = amount

    def finish(self, model) -> None:
        for c in self.aimed_at(model):
            added = self.added[c.council]
            uplifted = c.last_uplift_factor if c.last_uplift_week == model.week else 1.0
            for attr, amount in added.items():
                setattr(c, attr, getattr(c, attr) - amount * uplifted)
        if self.councils is not None:
            model.policies.council_pay(model).clear(self)
        else:
            model.economy.wage_floor = 0.0
        model.market.reset_wages()
