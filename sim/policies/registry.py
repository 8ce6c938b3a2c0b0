"""The registry of interventions by name, and checking scenario entries against it."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..errors import Problem
from .base import COMMON_ARGS, Intervention, InterventionArgs

REGISTRY: dict[str, type[Intervention]] = {}


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
        """The entry as plain data (every argument, defaults included)."""
        values = self.args.model_dump(by_alias=True, mode="json")
        return {"which": self.which, **values}


def check_entries(entries: Any, file: str, start: dt.date, end: dt.date
                  ) -> tuple[list[InterventionSpec], list[Problem]]:
    """Check a scenario file's ``interventions`` list; returns the specs and every problem."""
    if entries is None:
        return [], []
    if not isinstance(entries, list):
        return [], [Problem(file, "interventions", "expected a list of entries, each "
                            "{which: <name>, ...}")]
    specs, problems = [], []
    for i, entry in enumerate(entries):
        spec, found = _check_entry(entry, i, file, start, end)
        problems += found
        if spec is not None:
            specs.append(spec)
    return specs, problems


def _check_entry(entry: Any, i: int, file: str, start: dt.date, end: dt.date
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
    try:
        args = cls.Args.model_validate({k: v for k, v in entry.items() if k != "which"})
    except ValidationError as exc:
        return None, [_problem(file, key, cls, err) for err in exc.errors()]
    problems = _date_problems(args, file, key, start, end)
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


def arg_names(cls: type[Intervention]) -> str:
    """The arguments an intervention takes, its own first, in declaration order."""
    own = [a.alias or n for n, a in cls.Args.model_fields.items() if n not in COMMON_ARGS]
    common = [InterventionArgs.model_fields[n].alias or n for n in COMMON_ARGS]
    return ", ".join(own + common)


def catalogue_markdown() -> str:
    """Markdown describing every registered intervention and its arguments (for the
    README; generated so that it cannot drift from the code)."""
    lines = ["Every intervention takes:", ""]
    for n in COMMON_ARGS:
        info = InterventionArgs.model_fields[n]
        lines.append(f"- `{info.alias or n}`: {info.description}")
    lines += ["", "and its own arguments:", ""]
    for name in sorted(REGISTRY):
        cls = REGISTRY[name]
        lines += [f"- **`{name}`**: {cls.summary}"]
        for field_name, info in cls.Args.model_fields.items():
            if field_name in COMMON_ARGS:
                continue
            default = "required" if info.is_required() else f"default {_default(info)}"
            lines.append(f"  - `{info.alias or field_name}` ({default}): {info.description}")
    return "\n".join(lines) + "\n"


def _default(info) -> str:
    param = (info.json_schema_extra or {}).get("param")
    if param:
        return f"the parameter `{param}`"
    value = info.get_default(call_default_factory=True)
    return "none" if value is None else f"`{value}`"
