"""Calibration targets: a council's observed figures, with sources and uncertainties.

A targets file (``calibration/*.yaml``)::

    name: essex                      # letters, digits and underscores
    description: What the figures are and where they come from.
    parameters:                      # optional: what `caremarket calibrate` varies by default
      - pathway.request_hazard
    targets:
      long_term_support:             # the target's name
        metric: council_funded_long_term   # a metric of the registry (sim/metrics.py)
        per: null                    # optional: a second metric; the figure is the ratio
        group: older_people          # optional: one client group's row (BY_GROUP metrics)
        per_week: false              # flows only: the figure is an average week, not a total
        period: 2025-26              # a financial year, a date, or "2025-04-01 to 2025-09-30"
        value: 10000
        sd: 1000                     # standard deviation, in the figure's unit; or
        # tolerance: 0.2             # a share of the value: the figure is within ±20%
        observed: 2022-23            # optional: when the figure was observed
        source: {title: Essex Provider Hub, Market spend, url: https://...}
        note: optional text on how the figure was derived
        fit: true                    # false: shown in the fit table, left out of the distance

The simulated figure for a period is what ``summary.csv`` reports: the total of a flow's
weekly values (their mean with ``per_week``), the mean of a stock's or a ratio's; for a
date, the value in the week holding it (stocks and ratios only). Without ``group`` a
figure is the county's, the total over client groups; with ``group`` (one of
``sim.dims.CLIENT_GROUPS``) it is that group's row of a ``BY_GROUP`` metric, and of
``per``'s too, so both sides of a ratio are the group's. A target with ``fit:
false`` is a check: the fit table shows it, the calibration's distance leaves it out (e.g.
a figure for a wider population than the model's). A week belongs to a
period when its middle day does, as for financial years. A ``tolerance`` is read as two
standard deviations (``SDS_PER_TOLERANCE``); a simulated figure is within tolerance when
it is at most two standard deviations from the observed one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..calendar import WEEKS_PER_YEAR, run_end
from ..dims import CLIENT_GROUPS
from ..errors import InputError, Problem, looks_numeric, short_repr
from ..metrics import BY_GROUP, BY_NAME, INDEX
from ..yamlio import load_yaml
from .periods import PERIOD_HELP, Period, parse_period
from .weekly import Weekly

#: A tolerance (a share of the value) spans this many standard deviations.
SDS_PER_TOLERANCE = 2.0
#: A simulated figure within this many standard deviations of the observed one fits.
FIT_SDS = 2.0
#: The longest run a targets file's periods may need.
MAX_YEARS = 100
MAX_WEEKS = MAX_YEARS * WEEKS_PER_YEAR
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
FILE_KEYS = "name, description, parameters, targets"
TARGET_KEYS = ("metric, per, group, per_week, period, value, sd, tolerance, observed, source, "
               "note, fit")
GROUP_HELP = f"one of {', '.join(CLIENT_GROUPS)}, or leave it out for the county's total"
#: A target without a group, in tables: the county's total over client groups.
ALL_GROUPS = "all"


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    url: str


class _Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str
    per: str | None = None
    group: str | None = None
    per_week: bool = False
    period: dt.date | str
    value: float
    sd: float | None = None
    tolerance: float | None = None
    observed: str | int | None = None
    source: _Source
    note: str | None = None
    fit: bool = True

    @field_validator("value", "sd", "tolerance", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if isinstance(v, bool) or (v is not None and not isinstance(v, (int, float))):
            hint = " (YAML reads 1.5e6 as text: write 1500000 or 1.5e+6)" \
                if isinstance(v, str) and looks_numeric(v) else ""
            raise ValueError(f"expected a number, got {v!r}{hint}")
        if v is not None and not _finite(v):
            raise ValueError(f"expected a finite number, got {short_repr(v)}")
        return v


def _finite(number: int | float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int beyond a float's range
        return False




class _TargetsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str
    parameters: list[str] = []
    targets: dict[str, _Target]


@dataclass(frozen=True)
class Target:
    """One observed figure and how to compute it from a run."""

    name: str
    metric: str
    period: Period
    value: float
    sd: float
    source: dict
    per: str | None = None
    per_week: bool = False
    observed: str | None = None
    note: str | None = None
    fit: bool = True
    #: a client group (``sim.dims.CLIENT_GROUPS``): its row of ``BY_GROUP`` metrics
    group: str | None = None

    @property
    def unit(self) -> str:
        if self.per:
            return "ratio"
        unit = BY_NAME[self.metric].unit
        return f"{unit}/week" if self.per_week else unit

    @property
    def label(self) -> str:
        """The metric(s), client group and period in words."""
        what = self.metric + (f" / {self.per}" if self.per else "")
        who = f" ({self.group})" if self.group else ""
        return f"{what}{who}, {'week of ' if self.per_week else ''}{self.period.text}"

    def simulated(self, run: Weekly, start: dt.date) -> float:
        """The figure in a run's weekly values (the group's rows with ``group``)."""
        value = self._aggregate(run, self.metric, start)
        if self.per is None:
            return value
        denominator = self._aggregate(run, self.per, start)
        return value / denominator if denominator else math.nan

    def _aggregate(self, run: Weekly, metric: str, start: dt.date) -> float:
        weekly = run.series(metric, self.group)[self.period.mask(start, run.weeks)]
        if BY_NAME[metric].aggregate == "sum" and not self.per_week:
            return float(weekly.sum())
        return float(weekly.mean())

    def fits(self, simulated: float) -> bool:
        """Whether a simulated figure is within ``FIT_SDS`` standard deviations."""
        return bool(abs(simulated - self.value) <= FIT_SDS * self.sd)


@dataclass(frozen=True)
class Targets:
    """A targets file, checked."""

    name: str
    description: str
    file: Path
    targets: tuple[Target, ...]
    parameters: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.targets]

    @property
    def fitted(self) -> tuple[Target, ...]:
        """The targets the calibration's distance uses (not the checks)."""
        return tuple(t for t in self.targets if t.fit)

    def observed(self) -> dict[str, float]:
        """The observed figures by target name."""
        return {t.name: t.value for t in self.targets}

    def weeks_needed(self, start: dt.date) -> int:
        """Weeks a run starting on ``start`` needs to hold every target's period."""
        return max(t.period.weeks_needed(start) for t in self.targets)

    def simulated(self, run: Weekly, start: dt.date) -> dict[str, float]:
        """Every target's figure in a run's weekly values."""
        return {t.name: t.simulated(run, start) for t in self.targets}

    def check_run(self, start: dt.date, weeks: int) -> None:
        """Check that every period lies inside a run of ``weeks`` from ``start``.

        Raises:
            InputError: naming each target whose period falls outside the run.
        """
        if weeks > MAX_WEEKS:
            raise InputError(Problem(str(self.file), "targets", f"the periods need a run of "
                                     f"{weeks:,} weeks from {start}; a calibration simulates "
                                     f"at most {MAX_YEARS} years ({MAX_WEEKS:,} weeks): give "
                                     "periods nearer the start, or fewer --years"))
        end = run_end(start, weeks) - dt.timedelta(days=1)
        problems = []
        for t in self.targets:
            key = f"targets.{t.name}.period"
            if t.period.first < start:
                problems.append(Problem(str(self.file), key, f"{t.period.text} starts before "
                                        f"the run, which starts on {start}"))
            elif t.period.weeks_needed(start) > weeks:
                problems.append(Problem(str(self.file), key, f"{t.period.text} ends after the "
                                        f"run, whose last day is {end}; give more --years"))
            elif not t.period.mask(start, weeks).any():
                problems.append(Problem(str(self.file), key, f"{t.period.text} holds no whole "
                                        "week; give a longer range"))
        if problems:
            raise InputError(problems)


def load_targets(path: Path | str) -> Targets:
    """Read and check a targets file.

    Raises:
        InputError: every problem found, each naming the file and the key.
    """
    path = Path(path)
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(Problem(str(path), "", f"expected a mapping with {FILE_KEYS}"))
    try:
        spec = _TargetsFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_schema_problems(str(path), exc)) from None
    problems: list[Problem] = []
    if not NAME_PATTERN.fullmatch(spec.name):
        problems.append(Problem(str(path), "name", "use lower-case letters, digits and "
                                "underscores, starting with a letter"))
    if not spec.targets:
        problems.append(Problem(str(path), "targets", "list at least one target"))
    targets = []
    for name, entry in spec.targets.items():
        target = _target(str(path), name, entry, problems)
        if target is not None:
            targets.append(target)
    if targets and not any(t.fit for t in targets):
        problems.append(Problem(str(path), "targets", "every target says fit: false; the "
                                "calibration needs at least one to fit"))
    if problems:
        raise InputError(problems)
    return Targets(spec.name, spec.description.strip(), path, tuple(targets),
                   tuple(spec.parameters))


def _target(file: str, name: str, entry: _Target, problems: list[Problem]) -> Target | None:
    found = len(problems)
    key = f"targets.{name}"

    def bad(sub: str, message: str) -> None:
        problems.append(Problem(file, f"{key}.{sub}" if sub else key, message))

    if not NAME_PATTERN.fullmatch(name):
        bad("", "a target's name uses lower-case letters, digits and underscores")
    for field in ("metric", "per"):
        metric = getattr(entry, field)
        if metric is not None and metric not in INDEX:
            close = difflib.get_close_matches(metric, INDEX, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            bad(field, f"unknown metric {metric!r}; {hint}see sim/metrics.py for the registry")
    try:
        period = parse_period(entry.period)
    except ValueError as exc:
        bad("period", str(exc))
        period = None
    if entry.metric in INDEX:
        kind = BY_NAME[entry.metric].kind
        if entry.per_week and kind != "flow":
            bad("per_week", f"{entry.metric} is a {kind}, whose figure is already a level; "
                "per_week is for flows")
        if period is not None and period.is_date and kind == "flow":
            bad("period", f"{entry.metric} is a flow: give a financial year or a range, "
                "not a date")
    _check_group(entry, bad)
    sd = _sd(entry, bad)
    if len(problems) > found:
        return None
    return Target(name, entry.metric, period, float(entry.value), sd,
                  entry.source.model_dump(), entry.per, entry.per_week,
                  None if entry.observed is None else str(entry.observed), entry.note,
                  entry.fit, entry.group)


def _check_group(entry: _Target, bad) -> None:
    """A group names a client group, and its metrics (and ``per``'s) are by group."""
    if entry.group is None:
        return
    if entry.group not in CLIENT_GROUPS:
        close = difflib.get_close_matches(entry.group, CLIENT_GROUPS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        bad("group", f"unknown client group {short_repr(entry.group, 60)}; {hint}expected "
            f"{GROUP_HELP}")
        return
    ungrouped = [f"{field} {m}" for field, m in (("metric", entry.metric), ("per", entry.per))
                 if m in INDEX and m not in BY_GROUP]
    if ungrouped:
        verb = "are" if len(ungrouped) > 1 else "is"
        bad("group", f"{' and '.join(ungrouped)} {verb} not recorded by client group; a "
            f"group needs metrics of {', '.join(BY_GROUP)}")


def _sd(entry: _Target, bad) -> float:
    if (entry.sd is None) == (entry.tolerance is None):
        bad("", "give one uncertainty: sd (a standard deviation in the figure's unit) or "
            "tolerance (a share of the value, e.g. 0.1 for within ±10%)")
        return math.nan
    if entry.sd is not None:
        if entry.sd <= 0:
            bad("sd", f"must be above 0, got {entry.sd!r}")
        return float(entry.sd)
    if entry.tolerance <= 0:
        bad("tolerance", f"must be above 0, got {entry.tolerance!r}")
    elif entry.value == 0:
        bad("tolerance", "is a share of the value, which is 0: give sd instead")
    sd = float(entry.tolerance) * abs(float(entry.value)) / SDS_PER_TOLERANCE
    if not math.isfinite(sd):
        bad("tolerance", f"a share {entry.tolerance!r} of the value {entry.value!r} is too "
            "large a number; give sd instead")
    return sd


def _schema_problems(file: str, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        key = ".".join(loc)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            valid = TARGET_KEYS if loc[:1] == ["targets"] and len(loc) == 3 else \
                "title, url" if "source" in loc else FILE_KEYS
            message = f"unknown key; valid keys here: {valid}"
        elif err["type"] == "missing":
            message = "required key is missing"
        if len(loc) >= 3 and loc[0] == "targets" and loc[2] == "period":
            key, message = ".".join(loc[:3]), f"expected {PERIOD_HELP}"
        if len(loc) >= 3 and loc[0] == "targets" and loc[2] == "group":
            key, message = ".".join(loc[:3]), f"expected {GROUP_HELP}"
        problems.append(Problem(file, key, message))
    return list(dict.fromkeys(problems))
