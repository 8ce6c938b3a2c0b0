"""The intervention plug-in contract: arguments, timing and lifecycle.

An intervention is a small class registered under a name. A scenario file lists entries
``{which: <name>, from: <date>, until: <date>, ramp_weeks: <n>, ...arguments}``; each is
checked against the class's ``Args`` (a pydantic model) and built into an instance that the
model drives week by week:

- ``setup(model)`` once, when the model is built;
- ``start(model)`` in the first week on or after ``from``;
- ``step(model)`` every week from then until ``until`` (after ``start`` in the first week);
- ``finish(model)`` in the first week on or after ``until``, undoing what should end;
- optional phase hooks while active: ``before_placement(model)``, ``after_placement(model)``
  and ``after_care(model)`` (inside the care phase, before the council's books close).

``strength(week)`` rises linearly from ``1/ramp_weeks`` to 1 over the first ``ramp_weeks``
weeks (1 at once when ``ramp_weeks`` is 0); interventions scale their effect by it.
Council costs an intervention causes beyond fees are booked with ``spend`` (to one council,
or shared by the councils of a region in proportion to their population aged 65+).

In a region of several councils (``county.councils``), an intervention whose ``Args`` has a
``council`` argument (``council_field``) can be aimed at one council or a list of them: the
model resolves the names to council indices (``councils``; None: every council, which
naming every council also gives) and the intervention acts through ``aimed_at``,
``in_councils`` and ``council_shares``, booking its costs to those councils. One without
it acts on the whole region and says why in ``region_wide``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from ..calendar import effective_week
from ..errors import InputError, Problem
from .pay import CouncilPay


class InterventionArgs(BaseModel):
    """Arguments every intervention takes."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)
    from_: dt.date | None = Field(
        default=None, alias="from",
        description="First day of the intervention (default: the start of the run).")
    until: dt.date | None = Field(
        default=None, description="First day it no longer applies (default: never ends).")
    ramp_weeks: int = Field(
        default=0, ge=0, description="Weeks over which the effect builds up linearly (0: "
        "full effect at once).")
    source: str | None = Field(default=None, description="Where the figures come from.")

    @model_validator(mode="after")
    def _until_after_from(self) -> InterventionArgs:
        if self.until is not None and self.from_ is not None and self.until <= self.from_:
            raise ValueError(f"until ({self.until}) must be after from ({self.from_})")
        return self


COMMON_ARGS = tuple(InterventionArgs.model_fields)
#: the argument that aims an intervention at some councils of a region
COUNCIL_ARG = "council"
EVERY_COUNCIL = "every council"
#: how each ``council`` argument's description starts
AIM = "Aim it at some councils of a region (names from `county.councils`): "


def council_field(description: str, default: str = EVERY_COUNCIL) -> Any:
    """The optional ``council`` argument (declare it last in an ``Args``): one council's
    name or a list of names from ``county.councils``; ``description`` says what aiming
    does for this intervention, ``default`` what it applies to without it."""
    return Field(default=None, description=description,
                 json_schema_extra={"default_text": default})


def council_names(value: str | list[str] | None) -> list[str] | None:
    """The names a ``council`` argument gives (None when it is not given)."""
    return None if value is None else [value] if isinstance(value, str) else list(value)


def from_parameter(path: str, description: str, **limits: Any) -> FieldInfo:
    """An optional argument whose default is the value of parameter ``path``."""
    return Field(default=None, description=description, json_schema_extra={"param": path},
                 **limits)


class Intervention:
    """Base class: subclasses set ``name``, ``summary`` and ``Args`` and override hooks."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    Args: ClassVar[type[InterventionArgs]] = InterventionArgs
    #: why an intervention without a ``council`` argument acts on the whole region
    region_wide: ClassVar[str] = ""

    def __init__(self, args: InterventionArgs, label: str = ""):
        self.args = args
        self.label = label or self.name
        self.start_week = 0
        self.end_week: int | None = None
        self.active = False
        self.councils: tuple[int, ...] | None = None  # None: every council
        self._applied: dict = {}
        self._bases: dict = {}
        self._objects: dict = {}

    # --- timing --------------------------------------------------------------------------
    def schedule(self, run_start: dt.date) -> None:
        """Turn ``from`` and ``until`` into week numbers of a run starting on ``run_start``."""
        a = self.args
        self.start_week = effective_week(run_start, a.from_) if a.from_ else 0
        self.end_week = effective_week(run_start, a.until) if a.until else None

    def strength(self, week: int) -> float:
        """Share of the full effect in ``week`` (0 before the start and after the end)."""
        if week < self.start_week or (self.end_week is not None and week >= self.end_week):
            return 0.0
        if self.args.ramp_weeks == 0:
            return 1.0
        return min(1.0, (week - self.start_week + 1) / self.args.ramp_weeks)

    # --- councils ------------------------------------------------------------------------
    def aim(self, model) -> None:
        """Resolve the ``council`` argument to council indices of ``model``'s region
        (``councils``); naming every council is the same as naming none.

        Raises:
            InputError: a name that is not one of ``county.councils`` (scenarios are checked
                when loaded, so only for a scenario checked against other parameters).
        """
        names = council_names(getattr(self.args, COUNCIL_ARG, None))
        if names is None:
            return
        known = list(model.p["county.councils"])
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InputError(Problem(self.label, COUNCIL_ARG, f"unknown council(s) "
                                     f"{', '.join(unknown)}; councils: {', '.join(known)}"))
        chosen = tuple(sorted({known.index(n) for n in names}))
        self.councils = None if len(chosen) == len(known) else chosen

    def aimed_at(self, model) -> list:
        """The commissioners of the councils it applies to."""
        if self.councils is None:
            return model.commissioners
        return [model.commissioners[c] for c in self.councils]

    def in_councils(self, councils: np.ndarray) -> np.ndarray:
        """Which entries of ``councils`` (residents' or providers' council column) belong to
        the councils it applies to."""
        if self.councils is None:
            return np.ones(np.shape(councils), dtype=bool)
        return np.isin(councils, self.councils)

    def council_shares(self, model) -> np.ndarray:
        """How a region-wide amount splits among councils: by population aged 65+ among
        the councils it applies to (0 for the others)."""
        if self.councils is None:
            return model.council_shares
        shares = np.zeros_like(model.council_shares)
        chosen = list(self.councils)
        shares[chosen] = model.council_shares[chosen]
        return shares / shares.sum()

    def council_factor(self, model, factor: float) -> float | np.ndarray:
        """``factor`` for the councils it applies to and 1 for the others (by council), or
        ``factor`` itself when it applies to every council."""
        if self.councils is None:
            return factor
        factors = np.ones(len(model.commissioners))
        factors[list(self.councils)] = factor
        return factors

    # --- lifecycle (override what you need) ---------------------------------------------
    def setup(self, model) -> None:
        """Once, when the model is built (before the first week)."""

    def start(self, model) -> None:
        """The first active week, before ``step``."""

    def step(self, model) -> None:
        """Every active week, at the start of the week."""

    def finish(self, model) -> None:
        """The first week on or after ``until``."""

    # --- helpers -------------------------------------------------------------------------
    def spend(self, model, amount: float, council: int | None = None) -> None:
        """Book a council cost of this intervention for this week: to one council (index of
        ``county.councils``), or shared by the councils in proportion to their population
        aged 65+ (``CareMarketModel.council_shares``)."""
        model.policies.book(model, float(amount), council)

    def spend_by_council(self, model, amounts) -> None:
        """Book each council its own cost (``amounts`` by council index)."""
        for council, amount in enumerate(np.asarray(amounts, dtype=float).tolist()):
            self.spend(model, amount, council)

    def value(self, model, name: str) -> Any:
        """Argument ``name`` if given, else its default from the parameter it names."""
        value = getattr(self.args, name)
        if value is None:
            param = (self.Args.model_fields[name].json_schema_extra or {}).get("param")
            return model.p[param] if param else None
        return value

    def rescale_parameter(self, model, path: str, factor: float | np.ndarray) -> None:
        """Multiply parameter ``path`` so that this intervention's factor on it is
        ``factor`` (relative to what it applied before; 1 undoes it). A factor by council
        (``council_factor``) rescales a ``per_council`` parameter council by council (its
        value becomes a list of one per council)."""
        self._rescale(("param", path), factor, lambda: model.p[path],
                      lambda v: model.set_parameters({path: v}))

    def rescale_attribute(self, obj, attr: str, factor: float) -> None:
        """As ``rescale_parameter``, for an attribute of a piece of model state."""
        key = (id(obj), attr)
        self._objects[key] = (obj, attr)
        self._rescale(key, factor, lambda: getattr(obj, attr), lambda v: setattr(obj, attr, v))

    def shift_parameter(self, model, path: str, delta: float) -> None:
        """Add to parameter ``path`` so that this intervention's shift on it is ``delta``."""
        applied = self._applied.setdefault(("shift", path), 0.0)
        if delta != applied:
            model.set_parameters({path: model.p[path] + delta - applied})
            self._applied[("shift", path)] = delta

    def _rescale(self, key, factor, get, put) -> None:
        applied = self._applied.get(key, 1.0)
        by_council = isinstance(factor, np.ndarray) or isinstance(applied, np.ndarray)
        if np.array_equal(factor, applied) if by_council else factor == applied:
            return
        base = get() / applied if np.all(applied != 0) else self._bases[key]
        self._bases[key] = base
        put(base * factor)
        self._applied[key] = factor

    def undo(self, model) -> None:
        """Take back every rescale and shift this intervention applied."""
        for key in list(self._applied):
            kind, name = key
            if kind == "shift":
                self.shift_parameter(model, name, 0.0)
            elif kind == "param":
                self.rescale_parameter(model, name, 1.0)
        for key, (obj, attr) in list(self._objects.items()):
            self.rescale_attribute(obj, attr, 1.0)


PHASES = ("before_placement", "after_placement", "after_care")


class PolicySet:
    """The interventions of a scenario, driven through their lifecycle by the model."""

    def __init__(self, interventions: list[Intervention]):
        self.items = interventions
        self.spend = 0.0  # this week's, region total
        self.spend_by_council = np.zeros(1)  # this week's, by council
        self.pay: CouncilPay | None = None  # pay set by council, once an intervention does

    def council_pay(self, model) -> CouncilPay:
        """Care workers' pay by council, for interventions aimed at some councils."""
        if self.pay is None:
            self.pay = CouncilPay(len(model.commissioners))
        return self.pay

    def book(self, model, amount: float, council: int | None = None) -> None:
        """Add a council cost of this week: to one council, or shared by population."""
        self.spend += amount
        if council is None:
            self.spend_by_council += amount * model.council_shares
        else:
            self.spend_by_council[council] += amount

    def setup(self, model) -> None:
        for item in self.items:
            item.schedule(model.start)
            item.aim(model)
            item.setup(model)

    def start_week(self, model) -> None:
        """Start, step or finish each intervention; clear this week's spending; then pay
        care workers what interventions aimed at some councils set (``CouncilPay``)."""
        self.spend = 0.0
        self.spend_by_council = np.zeros(len(model.commissioners))
        week = model.week
        for item in self.items:
            if week == item.start_week:
                item.active = True
                item.start(model)
            if item.end_week is not None and week == item.end_week and item.active:
                item.active = False
                item.finish(model)
            if item.active:
                item.step(model)
        if self.pay is not None:
            self.pay.apply(model)

    def run_phase(self, phase: str, model) -> None:
        """Call the hook ``phase`` of each active intervention that has it."""
        for item in self.items:
            hook = getattr(item, phase, None)
            if item.active and hook is not None:
                hook(model)
