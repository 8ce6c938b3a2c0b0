"""Scenario files: the baseline plus dated parameter changes, validated strictly.

A scenario file::

    name: homecare_fee_28            # lower-case letters, digits and underscores (<= 64)
    label: Homecare fee £28/h from April 2026
    description: What a commissioner is testing, in plain words.
    extends: baseline                # another scenario's name; default baseline
    stress_test: false               # true: a risk to price, ranked after the policies
    changes:
      - param: commissioner.fee_homecare_hourly
        value: 28.0
        unit: GBP/hour               # optional; must match the parameter's unit
        from: 2026-04-01             # optional; default the start of the run
        source: Homecare Association minimum price 2025-26   # text or {title, url}
    interventions:                   # plug-ins from sim.policies, by registered name
      - which: block_contract
        service: homecare
        amount: 20000
        from: 2026-04-01
        council: Essex               # optional, in a region: a council's name or a list
    expect:                          # metrics this scenario should move (tests check it)
      people_waiting: down
      council_spend: up
      people_waiting[learning_disability]: down   # a client group's row (BY_GROUP metrics)

The baseline is the parameter defaults with no changes or interventions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .dims import CLIENT_GROUPS
from .errors import InputError, Problem, short_repr, shorten
from .metrics import BY_GROUP, INDEX, split_breakdown
from .parameters import Parameters
from .policies import InterventionSpec, check_entries
from .yamlio import load_yaml

BASELINE = "baseline"
APPRAISAL = "appraisal."  # parameters of the comparison, the same for every scenario
#: Scenario names become file names in results folders (``jobs/<name>__r<rep>.npz``).
MAX_NAME_LENGTH = 64
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,%d}$" % (MAX_NAME_LENGTH - 1))
NAME_RULE = (f"use lower-case letters, digits and underscores, starting with a letter, at "
             f"most {MAX_NAME_LENGTH} characters (e.g. fee_uplift)")


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    url: str | None = None


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    param: str
    value: Any
    unit: str | None = None
    from_: dt.date | None = Field(default=None, alias="from")
    source: str | _Source


class _ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    label: str
    description: str
    extends: str | None = None
    sources: list[str | _Source] = []
    changes: list[_Change] = []
    stress_test: bool = False
    interventions: list[Any] = []
    expect: dict[str, Literal["up", "down"]] = {}

    @field_validator("name")
    @classmethod
    def _name_ok(cls, v: str) -> str:
        if not NAME_PATTERN.fullmatch(v):
            raise ValueError(NAME_RULE)
        return v


@dataclass(frozen=True)
class Change:
    """One checked parameter change, from a date (None: from the start)."""

    param: str
    value: Any
    start: dt.date | None
    source: str
    file: str


@dataclass
class Scenario:
    """A resolved scenario: its own and inherited changes, in order."""

    name: str
    label: str
    description: str
    file: str
    changes: list[Change] = field(default_factory=list)
    interventions: list[InterventionSpec] = field(default_factory=list)
    expect: dict[str, str] = field(default_factory=dict)
    stress_test: bool = False
    extends: str | None = None
    sources: list[str] = field(default_factory=list)
    text_hash: str = ""

    @property
    def is_baseline(self) -> bool:
        return self.name == BASELINE


def safe_name(text: str, prefix: str = "s") -> str:
    """``text`` made a valid scenario name (``NAME_PATTERN``): lower case, other characters
    as ``_``, starting with a letter (``prefix`` added otherwise), and a long name cut,
    with a hash of the whole text so that two long names stay apart."""
    name = "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in text.lower())
    if not name[:1].isalpha():
        name = f"{prefix}_{name}"
    if len(name) > MAX_NAME_LENGTH:
        digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:8]
        name = f"{name[:MAX_NAME_LENGTH - 9]}_{digest}"
    return name


def baseline_scenario() -> Scenario:
    """The parameter defaults, unchanged."""
    return Scenario(BASELINE, "Baseline", "The parameter defaults: current policy continues.",
                    file="(built in)")


def _source_text(src: str | _Source) -> str:
    return src if isinstance(src, str) else f"{src.title} ({src.url})" if src.url else src.title


def _pydantic_problems(file: str, exc: ValidationError, raw: dict) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        key = ".".join(loc)
        if loc[:1] == ["changes"] and len(loc) > 1 and loc[1].isdigit():
            idx = int(loc[1])
            changes = raw.get("changes") or []
            param = changes[idx].get("param") if idx < len(changes) and \
                isinstance(changes[idx], dict) else None
            key = f"changes[{idx}]" + (f" ({param})" if param else "") + \
                ("." + ".".join(loc[2:]) if len(loc) > 2 else "")
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            valid = _valid_keys(loc)
            msg = f"unknown key; valid keys here: {valid}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        problems.append(Problem(file, key, msg))
    return problems


def _valid_keys(loc: list[str]) -> str:
    if loc[:1] == ["changes"]:
        return "param, value, unit, from, source"
    if loc[:1] == ["sources"]:
        return "title, url"
    if loc[:1] == ["expect"]:
        return "metric names from the registry, each up or down"
    return ("name, label, description, extends, stress_test, sources, changes, interventions, "
            "expect")


def read_scenario_file(path: Path | str) -> _ScenarioFile:
    """Read and schema-check one scenario file (no parameter checks yet)."""
    path = Path(path)
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(Problem(str(path), "", "expected a mapping with name, label, "
                                 "description and changes"))
    try:
        return _ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_pydantic_problems(str(path), exc, raw)) from None



def scenario_files(targets: list[Path | str]) -> list[Path]:
    """Expand files and folders (every *.yaml / *.yml in a folder) into files."""
    files: list[Path] = []
    for target in map(Path, targets):
        try:
            target.stat()
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            raise InputError(Problem(shorten(str(target), 120), "", f"cannot read: "
                                     f"{getattr(exc, 'strerror', None) or exc}")) from None
        if target.is_dir():
            found = sorted([*target.glob("*.yaml"), *target.glob("*.yml")])
            if not found:
                raise InputError(Problem(str(target), "", "no scenario files (*.yaml) here"))
            files.extend(found)
        elif target.exists():
            files.append(target)
        else:
            raise InputError(Problem(str(target), "", "no such scenario file or folder"))
    return list(dict.fromkeys(files))


def load_scenarios(targets: list[Path | str], params: Parameters, start: dt.date,
                   end: dt.date) -> list[Scenario]:
    """Load, resolve and check scenarios; the baseline comes first and is always included.

    Every problem in every file is collected before raising.

    Raises:
        InputError: naming each file and key that is wrong.
    """
    problems: list[Problem] = []
    parsed: dict[str, tuple[Path, _ScenarioFile]] = {}
    for file in scenario_files(targets):
        try:
            spec = read_scenario_file(file)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if spec.name in parsed:
            problems.append(Problem(str(file), "name", f"scenario name {spec.name!r} is also "
                                    f"used by {parsed[spec.name][0]}"))
            continue
        parsed[spec.name] = (file, spec)
    scenarios = {}
    for name, (file, spec) in parsed.items():
        try:
            scenarios[name] = _resolve(name, parsed, params, start, end, ())
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(_unique(problems))
    ordered = [scenarios.pop(BASELINE, baseline_scenario())]
    return ordered + list(scenarios.values())


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _resolve(name: str, parsed: dict, params: Parameters, start: dt.date, end: dt.date,
             chain: tuple[str, ...]) -> Scenario:
    file, spec = parsed[name]
    where = str(file)
    if name in chain:
        raise InputError(Problem(where, "extends", "circular: " + " -> ".join(chain + (name,))))
    own = _check_changes(spec, where, params, start, end)
    interventions, problems = check_entries(spec.interventions, where, start, end,
                                            tuple(params["county.councils"]))
    problems += _expect_problems(spec.expect, where)
    if problems:
        raise InputError(problems)
    if name == BASELINE:
        if spec.changes or spec.interventions:
            raise InputError(Problem(where, "changes", "the baseline is the parameter defaults "
                                     "unchanged; put changes and interventions in another "
                                     "scenario"))
        inherited, inherited_interventions, parent = [], [], None
    else:
        parent = spec.extends or BASELINE
        if parent == BASELINE:
            inherited, inherited_interventions = [], []
        elif parent in parsed:
            resolved = _resolve(parent, parsed, params, start, end, chain + (name,))
            inherited, inherited_interventions = resolved.changes, resolved.interventions
        else:
            raise InputError(Problem(where, "extends", f"no scenario named {parent!r} among the "
                                     f"files given; known: {', '.join(sorted(parsed))}"))
    return Scenario(
        name=name, label=spec.label, description=spec.description.strip(), file=where,
        changes=inherited + own, interventions=inherited_interventions + interventions,
        expect=dict(spec.expect), stress_test=spec.stress_test, extends=parent,
        sources=[_source_text(s) for s in spec.sources],
        text_hash=hashlib.sha256(Path(file).read_bytes()).hexdigest()[:16],
    )


def _expect_problems(expect: dict[str, str], where: str) -> list[Problem]:
    """Unknown metrics, and client groups (``metric[group]``) that are unknown or asked of
    a metric not recorded by group."""
    problems = []
    for key in expect:
        metric, group = split_breakdown(key)
        if metric not in INDEX:
            close = difflib.get_close_matches(metric, INDEX, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(Problem(where, f"expect.{key}", f"unknown metric; {hint}see "
                                    "the metric registry (README, Metrics)"))
        elif group is not None and metric not in BY_GROUP:
            problems.append(Problem(where, f"expect.{key}", f"{metric} is not recorded by "
                                    f"client group; those that are: {', '.join(BY_GROUP)}"))
        elif group is not None and group not in CLIENT_GROUPS:
            problems.append(Problem(where, f"expect.{key}", f"unknown client group "
                                    f"{short_repr(group)}; valid: {', '.join(CLIENT_GROUPS)}"))
    return problems


def _check_changes(spec: _ScenarioFile, where: str, params: Parameters, start: dt.date,
                   end: dt.date) -> list[Change]:
    problems, changes = [], []
    for i, ch in enumerate(spec.changes):
        key = f"changes[{i}] ({ch.param})"
        if ch.param not in params:
            problems.append(Problem(where, key, f"unknown parameter; {params.suggest(ch.param)}"))
            continue
        if ch.param.startswith(APPRAISAL):
            problems.append(Problem(where, key, "appraisal parameters set how the whole run is "
                                    "compared, not a scenario; use --set or caremarket compare "
                                    "--discount-rate"))
            continue
        pspec = params.spec(ch.param)
        if ch.unit is not None and ch.unit != pspec.unit:
            problems.append(Problem(where, key + ".unit", f"{ch.param} is in {pspec.unit}, "
                                    f"not {ch.unit}"))
            continue
        if ch.from_ is not None and not start <= ch.from_ < end:
            problems.append(Problem(where, key + ".from", f"{ch.from_} is outside the run "
                                    f"({start} to {end - dt.timedelta(days=1)})"))
            continue
        if ch.from_ is not None and ch.from_ > start and pspec.timing == "setup":
            problems.append(Problem(where, key + ".from", f"{ch.param} is only read when the "
                                    "run starts; drop `from` to change it from the start"))
            continue
        try:
            value = params.check_value(ch.param, ch.value, where, key + ".value")
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        changes.append(Change(ch.param, value, ch.from_, _source_text(ch.source), where))
    if problems:
        raise InputError(problems)
    return changes
