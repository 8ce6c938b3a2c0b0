"""The registry of interventions by name, and checking scenario entries against it."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..errors import Problem
from .base import (
    COMMON_ARGS,
    COUNCIL_ARG,
    Intervention,
    InterventionArgs,
    council_names,
)

REGISTRY: dict[str, type[Intervention]] = {}
AIMING = ("and its own arguments. In a region of several councils, those that take "
          "`council` can be aimed at one council (`council: Essex`) or a list of them "
          "(`council: [Essex, Thurrock]`) instead of every council, their costs then booked "
          "to those councils; the others apply to every council, as each says.")


def register(cls: type[Intervention]) -> type[Intervention]:
    """Class decorator: make an intervention available to scenario files by its name."""
    if not cls.name or cls.name in REGISTRY:
        raise ValueError(f"intervention name {cls.name!r} is empty or already registered")
    REGISTRY[cls.name] = cls
    return cls


@dataclass(frozen=True)
class InterventionSpec:
    """A checked scenario entry: which intervention, with which arguments, from where."""

    which: str
    args: InterventionArgs
    file: str
    key: str

    def build(self) -> Intervention:
        """A fresh instance for one model run."""
        return REGISTRY[self.which](self.args, label=self.key)

    def plain(self) -> dict[str, Any]:
        """The entry as plain data (every argument, defaults included; ``council`` only
        when given, so that an entry for every council reads, and hashes, as before
        interventions could be aimed at one)."""
        values = self.args.model_dump(by_alias=True, mode="json")
        if COUNCIL_ARG in values and values[COUNCIL_ARG] is None:
            del values[COUNCIL_ARG]
        return {"which": self.which, **values}


def check_entries(entries: Any, file: str, start: dt.date, end: dt.date,
                  councils: tuple[str, ...] | None = None
                  ) -> tuple[list[InterventionSpec], list[Problem]]:
    """Check a scenario file's ``interventions`` list; returns the specs and every problem.

    ``councils``: the region's councils (``county.councils``) that ``council`` arguments
    may name (None: names are checked when the model is built).
    """
    if entries is None:
        return [], []
    if not isinstance(entries, list):
        return [], [Problem(file, "interventions", "expected a list of entries, each "
                            "{which: <name>, ...}")]
    specs, problems = [], []
    for i, entry in enumerate(entries):
        spec, found = _check_entry(entry, i, file, start, end, councils)
        problems += found
        if spec is not None:
            specs.append(spec)
    return specs, problems


def _check_entry(entry: Any, i: int, file: str, start: dt.date, end: dt.date,
                 councils: tuple[str, ...] | None
                 ) -> tuple[InterventionSpec | None, list[Problem]]:
    key = f"interventions[{i}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("which"), str):
        return None, [Problem(file, key, "expected a mapping with `which: <name>`; "
                             f"known interventions: {', '.join(sorted(REGISTRY))}")]
    which = entry["which"]
    key = f"{key} ({which})"
    if which not in REGISTRY:
        close = difflib.get_close_matches(which, REGISTRY, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        return None, [Problem(file, key + ".which", f"unknown intervention; {hint}known: "
                              f"{', '.join(sorted(REGISTRY))}")]
    cls = REGISTRY[which]
    given = {k: v for k, v in entry.items() if k != "which"}
    problems = []
    if COUNCIL_ARG in given and COUNCIL_ARG not in cls.Args.model_fields:
        del given[COUNCIL_ARG]
        problems.append(Problem(file, f"{key}.{COUNCIL_ARG}", f"{which} cannot be aimed at "
                                f"a council: {cls.region_wide}; it applies to every council "
                                "of the region (drop `council`)"))
    try:
        args = cls.Args.model_validate(given)
    except ValidationError as exc:
        return None, problems + [_problem(file, key, cls, err) for err in exc.errors()]
    problems += _date_problems(args, file, key, start, end)
    problems += _council_problems(args, file, key, councils)
    return (None if problems else InterventionSpec(which, args, file, key)), problems


def _problem(file: str, key: str, cls: type[Intervention], err: dict) -> Problem:
    loc = ".".join(str(x) for x in err["loc"])
    where = f"{key}.{loc}" if loc else key
    if err["type"] == "extra_forbidden":
        return Problem(file, where, f"unknown argument; {cls.name} takes: {arg_names(cls)}")
    if err["type"] == "missing":
        return Problem(file, where, f"required argument is missing; {cls.name} takes: "
                       f"{arg_names(cls)}")
    message = err["msg"].removeprefix("Value error, ")
    return Problem(file, where, message)


def _date_problems(args: InterventionArgs, file: str, key: str, start: dt.date,
                   end: dt.date) -> list[Problem]:
    last = end - dt.timedelta(days=1)
    if args.from_ is not None and not start <= args.from_ <= last:
        return [Problem(file, key + ".from", f"{args.from_} is outside the run ({start} to "
                        f"{last})")]
    if args.until is not None and args.until <= start:
        return [Problem(file, key + ".until", f"{args.until} is before the run starts "
                        f"({start})")]
    return []


def _council_problems(args: InterventionArgs, file: str, key: str,
                      councils: tuple[str, ...] | None) -> list[Problem]:
    """Names in ``council`` that are not the region's councils (or none, or repeated)."""
    names = council_names(getattr(args, COUNCIL_ARG, None))
    if names is None or councils is None:
        return []
    where = f"{key}.{COUNCIL_ARG}"
    valid = f"the region's councils (county.councils): {', '.join(councils)}"
    if not names:
        return [Problem(file, where, f"an empty list; name one or more of {valid}, or drop "
                        "`council` for every council")]
    problems = []
    for name in dict.fromkeys(names):
        if name not in councils:
            close = difflib.get_close_matches(name, councils, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(Problem(file, where, f"unknown council {name!r}; {hint}{valid}"))
        elif names.count(name) > 1:
            problems.append(Problem(file, where, f"{name!r} is named more than once"))
    return problems


def own_arguments(cls: type[Intervention]) -> list[str]:
    """An intervention's own arguments in declaration order, ``council`` (if it takes it)
    last: the arguments of its ``Args`` beyond those every intervention takes."""
    own = [n for n in cls.Args.model_fields if n not in COMMON_ARGS]
    return sorted(own, key=lambda n: n == COUNCIL_ARG)


def arg_names(cls: type[Intervention]) -> str:
    """The arguments an intervention takes: its own, those every intervention takes, then
    ``council`` if it takes it."""
    fields = cls.Args.model_fields
    own = [fields[n].alias or n for n in own_arguments(cls)]
    common = [InterventionArgs.model_fields[n].alias or n for n in COMMON_ARGS]
    if COUNCIL_ARG in own:
        own.remove(COUNCIL_ARG)
        common.append(COUNCIL_ARG)
    return ", ".join(own + common)


def catalogue_markdown() -> str:
    """Markdown describing every registered intervention and its arguments (for the
    README; generated so that it cannot drift from the code)."""
    lines = ["Every intervention takes:", ""]
    for n in COMMON_ARGS:
        info = InterventionArgs.model_fields[n]
        lines.append(f"- `{info.alias or n}`: {info.description}")
    lines += ["", AIMING, ""]
    for name in sorted(REGISTRY):
        cls = REGISTRY[name]
        lines += [f"- **`{name}`**: {cls.summary}"]
        for field_name in own_arguments(cls):
            info = cls.Args.model_fields[field_name]
            default = "required" if info.is_required() else f"default {_default(info)}"
            lines.append(f"  - `{info.alias or field_name}` ({default}): {info.description}")
        if COUNCIL_ARG not in cls.Args.model_fields:
            lines.append(f"  - No `council`: {cls.region_wide}, so it applies to every "
                         "council.")
    return "\n".join(lines) + "\n"


def _default(info) -> str:
    extra = info.json_schema_extra or {}
    if "default_text" in extra:
        return extra["default_text"]
    if "param" in extra:
        return f"the parameter `{extra['param']}`"
    value = info.get_default(call_default_factory=True)
    return "none" if value is None else f"`{value}`"
