"""Parameters as data: every number the model uses, with unit, description and provenance.

Parameter files (``sim/params/*.yaml``) are nested mappings; a leaf is a mapping with a
``value``. Its path is the file's stem plus the keys, e.g. ``charging.capital_upper_limit``.
A region preset (``sim.regions``, e.g. ``sim/params/regions/east_of_england/``) is a folder
of such files laid over the defaults, parameter by parameter (``load_parameters``).

Leaf keys:
    value: a number, flag, label, date, or a (nested) list when ``dims`` is given.
    unit: one of ``UNIT_RULES``.
    description: one line.
    source: ``{title, url}`` (required unless ``status: assumption``).
    status: ``sourced`` (default), ``assumption`` (needs ``reason``) or ``calibrated``.
    reason: why an assumption takes this value.
    range: plausible ``[low, high]`` for a scalar; ``range_scale: [low, high]`` multiplies
        every element of an array. Used by sensitivity analysis and as calibration priors.
    dims: names of the array's dimensions (``district``, ``council``, ``age_band``, ``sex``,
        ...).
    per_council: true when each council of the region may have its own value: ``value`` is
        then one number for every council, or a list with one per council (in the order of
        ``county.councils``); read it with ``council_value``.
    extensive: true when the quantity scales with the county's size (``--scale``).
    timing: ``dynamic`` (read every week, the default) or ``setup`` (read once at the start).
    sums_to_one: true for a distribution: the values along the last dimension sum to one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .dims import FIXED_DIMS
from .errors import InputError, Problem, looks_numeric, short_repr
from .regions import REGION_FILE, is_region_folder, read_region
from .yamlio import load_yaml, parse_yaml

DEFAULT_PARAMS_DIR = Path(__file__).parent / "params"
#: Label lists whose length sizes a dimension (a region of one council when absent).
SIZED_BY = {"county.districts": "district", "county.councils": "council"}

#: unit -> (kind, low bound, high bound); kind is number, int, flag, label, date.
UNIT_RULES: dict[str, tuple[str, float | None, float | None]] = {
    "GBP": ("number", None, None),
    "GBP/week": ("number", 0, None),
    "GBP/hour": ("number", 0, None),
    "GBP/day": ("number", 0, None),
    "GBP/episode": ("number", 0, None),
    "GBP/year": ("number", 0, None),
    "GBP/wellbeing-week": ("number", 0, None),
    "people": ("number", 0, None),
    "people/year": ("number", 0, None),
    "people/week": ("number", 0, None),
    "workers/year": ("number", 0, None),
    "beds": ("number", 0, None),
    "providers": ("number", 0, None),
    "hours/week": ("number", 0, None),
    "hours": ("number", 0, None),
    "days/week": ("number", 0, 7),
    "places": ("number", 0, None),
    "workers": ("number", 0, None),
    "weeks": ("number", 0, None),
    "years": ("number", 0, None),
    "km": ("number", 0, None),
    "share": ("number", 0, 1),
    "probability/year": ("number", 0, 1),
    "hazard/year": ("number", 0, None),
    "ratio": ("number", 0, None),
    "signed ratio": ("number", None, None),
    "rate/year": ("number", -1, None),
    "index": ("number", 0, 1),
    "need level": ("int", 0, 4),
    "council": ("int", 0, None),  # index into county.councils
    "flag": ("flag", None, None),
    "label": ("label", None, None),
    "date": ("date", None, None),
}

#: The dates a ``date`` parameter may take (runs of a century fit in the calendar).
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))

LEAF_KEYS = {
    "value", "unit", "description", "source", "status", "reason", "range", "range_scale",
    "dims", "extensive", "timing", "sums_to_one", "per_council",
}
STATUSES = ("sourced", "assumption", "calibrated")


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter is: its unit, meaning, provenance and plausible range."""

    path: str
    unit: str
    description: str
    status: str
    file: str
    source: dict | None = None
    reason: str | None = None
    range: tuple[float, float] | None = None
    range_scale: tuple[float, float] | None = None
    dims: tuple[str, ...] = ()
    extensive: bool = False
    timing: str = "dynamic"
    sums_to_one: bool = False
    per_council: bool = False

    @property
    def kind(self) -> str:
        return UNIT_RULES[self.unit][0]


@dataclass
class Parameters:
    """Parameter values by path, with their specs. Arrays are numpy arrays."""

    specs: dict[str, ParamSpec]
    values: dict[str, Any]
    dim_sizes: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, path: str) -> Any:
        return self.values[path]

    def __contains__(self, path: str) -> bool:
        return path in self.values

    def spec(self, path: str) -> ParamSpec:
        return self.specs[path]

    def paths(self) -> list[str]:
        return sorted(self.specs)

    def with_values(self, new_values: dict[str, Any]) -> Parameters:
        """A copy with some values replaced (values already checked by ``check_value``); a
        new list of districts or councils (``SIZED_BY``) resizes its dimension, so that
        Python users can, e.g., split a county into councils."""
        values = dict(self.values)
        values.update(new_values)
        dim_sizes = dict(self.dim_sizes)
        for path, dim in SIZED_BY.items():
            if path in new_values:
                dim_sizes[dim] = len(new_values[path])
        return Parameters(self.specs, values, dim_sizes)

    def scaled(self, scale: float) -> Parameters:
        """A copy with every extensive quantity multiplied by ``scale``."""
        if scale == 1:
            return self
        scaled = {p: np.asarray(v) * scale if not np.isscalar(v) else v * scale
                  for p, v in self.values.items() if self.specs[p].extensive}
        return self.with_values(scaled)

    def plain(self) -> dict[str, Any]:
        """Values as JSON-ready Python objects."""
        return {p: _plain(v) for p, v in sorted(self.values.items())}

    def fingerprint(self) -> str:
        """A short hash of every value: same fingerprint, same parameters."""
        text = json.dumps(self.plain(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def suggest(self, path: str) -> str:
        """A did-you-mean hint for an unknown path."""
        return suggest_path(path, self.paths())

    def check_value(self, path: str, raw: Any, where: str, key: str) -> Any:
        """Coerce a new value for ``path`` or raise InputError naming ``where`` and ``key``."""
        try:
            return coerce(self.specs[path], raw, self.dim_sizes)
        except ValueError as exc:
            raise InputError(Problem(where, key, str(exc))) from None


def suggest_path(path: str, paths: list[str]) -> str:
    """A did-you-mean hint for an unknown ``path`` among ``paths``."""
    close = difflib.get_close_matches(path, paths, n=3, cutoff=0.6)
    if not close:
        tail = path.rsplit(".", 1)[-1]
        close = [p for p in paths if p.endswith("." + tail)][:3]
    return f"did you mean {' or '.join(close)}?" if close else \
        "run `caremarket params` to list valid parameter paths"


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def coerce(spec: ParamSpec, raw: Any, dim_sizes: dict[str, int]) -> Any:
    """Turn a raw YAML value into the parameter's type, checking shape, kind and bounds.

    Raises:
        ValueError: saying what the value should be.
    """
    kind, low, high = UNIT_RULES[spec.unit]
    if spec.per_council:
        return _coerce_per_council(spec, kind, low, high, raw, dim_sizes.get("council", 1))
    if spec.unit == "council":
        return _check_councils(_coerce_plain(spec, kind, low, high, raw, dim_sizes),
                               dim_sizes.get("council", 1))
    return _coerce_plain(spec, kind, low, high, raw, dim_sizes)


def council_value(value: Any, council: int) -> Any:
    """A ``per_council`` parameter's value for one council (index into
    ``county.councils``): the value itself when it is one for every council."""
    return value if np.isscalar(value) else value[council]


def _coerce_per_council(spec: ParamSpec, kind: str, low, high, raw: Any, councils: int) -> Any:
    """One value for every council (kept as a scalar), or a list of one per council."""
    if isinstance(raw, (list, tuple, np.ndarray)):
        if len(raw) != councils:
            raise ValueError(f"expected a number for every council, or a list of {councils} "
                             f"(one per council in county.councils), got {len(raw)} values: "
                             f"{short_repr(raw)}")
        items = [_coerce_scalar(spec, kind, low, high, x) for x in raw]
        return np.array(items, dtype=float if kind == "number" else None)
    return _coerce_scalar(spec, kind, low, high, raw)


def _check_councils(value: Any, councils: int) -> Any:
    """Council indices must name a council of ``county.councils``."""
    bad = sorted({int(v) for v in np.ravel(value) if v >= councils})
    if bad:
        raise ValueError(f"council index {', '.join(map(str, bad))} is out of range: "
                         f"county.councils lists {councils} council"
                         f"{'s' if councils != 1 else ''} (indices 0 to {councils - 1})")
    return value


def _coerce_plain(spec: ParamSpec, kind: str, low, high, raw: Any,
                           dim_sizes: dict[str, int]) -> Any:
    """``coerce`` for a parameter that is not ``per_council``."""
    if spec.dims:
        shape = tuple(dim_sizes[d] for d in spec.dims)
        try:
            arr = np.array(raw, dtype=object)
        except ValueError:
            arr = None
        if arr is None or arr.shape != shape:
            raise ValueError(f"expected a list shaped {_shape_words(spec.dims, shape)}, "
                             f"got {short_repr(raw)}")
        items = [_coerce_scalar(spec, kind, low, high, x) for x in arr.ravel()]
        if kind == "label":
            return tuple(items)
        values = np.array(items, dtype=float if kind == "number" else None).reshape(shape)
        if spec.sums_to_one and not np.allclose(values.sum(axis=-1), 1.0, atol=1e-6):
            raise ValueError(f"each row of this distribution must sum to 1, got sums "
                             f"{np.round(values.sum(axis=-1), 6).tolist()}")
        return values
    return _coerce_scalar(spec, kind, low, high, raw)


def _shape_words(dims: tuple[str, ...], shape: tuple[int, ...]) -> str:
    return " x ".join(f"{n} {d}" for d, n in zip(dims, shape))


def _coerce_scalar(spec: ParamSpec, kind: str, low, high, raw: Any) -> Any:
    unit = spec.unit
    if kind == "flag":
        if not isinstance(raw, bool):
            raise ValueError(f"expected true or false ({unit}), got {short_repr(raw)}")
        return raw
    if kind == "label":
        if not isinstance(raw, str):
            raise ValueError(f"expected text, got {short_repr(raw)}")
        return raw
    if kind == "date":
        if isinstance(raw, dt.datetime):
            raise ValueError(f"expected a date like 2025-04-01 (no time of day), got "
                             f"{short_repr(raw)}")
        try:
            day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError(f"expected a date like 2025-04-01, got {short_repr(raw)}") from None
        if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            raise ValueError(f"expected a date from {DATE_RANGE[0]} to {DATE_RANGE[1]}, got "
                             f"{day}")
        return day
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        hint = " (YAML reads 1e3 as text: write 1000 or 1.0e+3)" \
            if isinstance(raw, str) and looks_numeric(raw) else ""
        raise ValueError(f"expected a number in {unit}, got {short_repr(raw)}{hint}")
    try:
        finite = math.isfinite(raw)
    except OverflowError:  # an int beyond a float's range
        finite = False
    if not finite:
        raise ValueError(f"expected a finite number in {unit}, got {short_repr(raw)}")
    if kind == "int" and int(raw) != raw:
        raise ValueError(f"expected a whole {unit}, got {short_repr(raw)}")
    value = int(raw) if kind == "int" else float(raw)
    if low is not None and value < low or high is not None and value > high:
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{unit} must be {bounds}, got {short_repr(raw)}")
    return value


def load_parameters(directory: Path | str = DEFAULT_PARAMS_DIR,
                    region: str | Path | None = None) -> Parameters:
    """Load and validate every parameter file in ``directory``; with ``region`` (a preset's
    name or folder, ``sim.regions``), that preset laid over them. A preset folder given as
    ``directory`` is laid over the package's defaults.

    A preset's parameter replaces the default's value and provenance (``value``,
    ``source``, ``status``, ``reason``, ``range``, ``range_scale``); it keeps the default's
    unit, dimensions and other structure (``OVERLAY_KEEPS``), and its description unless it
    gives its own.

    Raises:
        InputError: listing every malformed parameter, with file and path (an unknown
            region names the valid ones).
    """
    directory = Path(directory)
    if is_region_folder(directory):
        if region is not None:
            raise InputError(Problem(str(directory), "", "a region preset cannot be the "
                                     "base of another region: give a plain parameter folder"))
        directory, region = Path(DEFAULT_PARAMS_DIR), directory
    problems: list[Problem] = []
    leaves = _folder_leaves(directory, problems)
    preset = None
    if region is not None:
        preset = read_region(region).folder
        leaves = _overlay(leaves, preset, problems)
    dim_sizes = {**FIXED_DIMS, "council": 1}
    for path, leaf, _ in leaves:
        for list_path, dim in SIZED_BY.items():
            if path == list_path and isinstance(leaf.get("value"), list):
                dim_sizes[dim] = len(leaf["value"])
    specs, values = {}, {}
    for path, leaf, file in leaves:
        spec = _make_spec(path, leaf, file, dim_sizes, problems)
        if spec is None:
            continue
        try:
            values[path] = coerce(spec, leaf["value"], dim_sizes)
            specs[path] = spec
        except ValueError as exc:
            problems.append(_value_problem(path, file, str(exc), spec, preset))
    if "county.district_council" in values and "county.councils" in values:
        owned = set(np.ravel(values["county.district_council"]).tolist())
        idle = [name for i, name in enumerate(values["county.councils"]) if i not in owned]
        if idle:
            problems.append(Problem(specs["county.district_council"].file,
                                    "county.district_council",
                                    f"council {', '.join(idle)} of county.councils owns no "
                                    "district"))
    if problems:
        raise InputError(problems)
    return Parameters(specs, values, dim_sizes)


def _folder_leaves(directory: Path, problems: list[Problem]) -> list[tuple[str, dict, str]]:
    """Every parameter leaf in a folder's ``*.yaml`` files: (path, leaf, file)."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise InputError(Problem(str(directory), "", "no parameter files (*.yaml) here"))
    leaves: list[tuple[str, dict, str]] = []
    for file in files:
        _file_leaves(file, leaves, problems)
    return leaves


def _file_leaves(file: Path, leaves: list, problems: list[Problem]) -> None:
    tree = load_yaml(file)
    if not isinstance(tree, dict):
        problems.append(Problem(str(file), "", "expected a mapping of parameter groups"))
        return
    _collect_leaves(tree, file.stem, str(file), leaves, problems)


#: What a region preset's parameter keeps from the default's (and, if it gives one of
#: them, must give the same): the parameter's unit and structure.
OVERLAY_KEEPS = {"unit": None, "dims": [], "extensive": False, "timing": "dynamic",
                 "per_council": False, "sums_to_one": False}


def _overlay(leaves: list[tuple[str, dict, str]], preset: Path, problems: list[Problem]
             ) -> list[tuple[str, dict, str]]:
    """The default leaves with a region preset's laid over them, path by path."""
    merged = {path: (leaf, file) for path, leaf, file in leaves}
    overlay: list[tuple[str, dict, str]] = []
    for file in sorted(preset.glob("*.yaml")):
        if file.name != REGION_FILE:
            _file_leaves(file, overlay, problems)
    for path, leaf, file in overlay:
        if path not in merged:
            problems.append(Problem(file, path, "not a parameter of the defaults, so a region "
                                    f"cannot set it; {suggest_path(path, sorted(merged))}"))
            continue
        base = merged[path][0]
        for key, default in OVERLAY_KEEPS.items():
            if key in leaf and leaf[key] != base.get(key, default):
                problems.append(Problem(file, path, f"a region cannot change a parameter's "
                                        f"`{key}` (the default's is "
                                        f"{base.get(key, default)!r}); give the value only"))
        kept = {k: base[k] for k in (*OVERLAY_KEEPS, "description") if k in base}
        merged[path] = ({**kept, **leaf}, file)
    return [(path, leaf, file) for path, (leaf, file) in merged.items()]


def _value_problem(path: str, file: str, message: str, spec: ParamSpec,
                   preset: Path | None) -> Problem:
    """A bad value; a default that a region's districts or councils no longer fit is
    reported as missing from the region."""
    resized = set(spec.dims) & set(SIZED_BY.values())
    if preset is None or Path(file).parent == preset or not resized:
        return Problem(file, path, message)
    lists = " and ".join(p for p, d in SIZED_BY.items() if d in resized)
    return Problem(str(preset / Path(file).name), path,
                   f"missing: the region's {lists} do not fit the default's value, so the "
                   f"region must give its own ({message})")


def _collect_leaves(tree: dict, prefix: str, file: str, out: list, problems: list) -> None:
    for key, node in tree.items():
        path = f"{prefix}.{key}"
        if isinstance(node, dict) and "value" in node:
            out.append((path, node, file))
        elif isinstance(node, dict):
            _collect_leaves(node, path, file, out, problems)
        else:
            problems.append(Problem(file, path, "expected a group or a parameter with `value`"))


def _make_spec(path: str, leaf: dict, file: str, dim_sizes: dict, problems: list
               ) -> ParamSpec | None:
    found = len(problems)

    def bad(msg: str) -> None:
        problems.append(Problem(file, path, msg))

    for key in sorted(set(leaf) - LEAF_KEYS):
        bad(f"unknown key `{key}`; valid keys: {', '.join(sorted(LEAF_KEYS))}")
    unit = leaf.get("unit")
    if unit not in UNIT_RULES:
        bad(f"unit {unit!r} is not one of: {', '.join(UNIT_RULES)}")
    if not str(leaf.get("description", "")).strip():
        bad("missing `description`")
    status = leaf.get("status", "sourced")
    if status not in STATUSES:
        bad(f"status {status!r} is not one of: {', '.join(STATUSES)}")
    source = leaf.get("source")
    if source is not None and not (isinstance(source, dict) and source.get("title")
                                   and source.get("url")):
        bad("`source` needs a `title` and a `url`")
    if status == "sourced" and source is None:
        bad("needs a `source` (title and url), or `status: assumption` with a `reason`")
    if status == "assumption" and not str(leaf.get("reason", "")).strip():
        bad("an assumption needs a `reason`")
    dims = tuple(leaf.get("dims", ()))
    for d in dims:
        if d not in dim_sizes:
            bad(f"unknown dimension {d!r}; valid: {', '.join(sorted(dim_sizes))}")
    kind = UNIT_RULES.get(unit, ("label",))[0]
    rng, rng_scale = leaf.get("range"), leaf.get("range_scale")
    if kind in ("number", "int"):
        wanted = "range_scale" if dims else "range"
        given = rng_scale if dims else rng
        if not (isinstance(given, list) and len(given) == 2
                and all(isinstance(x, (int, float)) for x in given) and given[0] <= given[1]):
            bad(f"needs a plausible `{wanted}: [low, high]`")
    timing = leaf.get("timing", "dynamic")
    if timing not in ("dynamic", "setup"):
        bad("`timing` must be dynamic or setup")
    per_council = leaf.get("per_council", False)
    if not isinstance(per_council, bool):
        bad("`per_council` must be true or false")
    elif per_council and (dims or kind not in ("number", "int")):
        bad("`per_council` is for numbers without `dims`")
    if len(problems) > found:
        return None
    return ParamSpec(
        path=path, unit=unit, description=str(leaf["description"]).strip(), status=status,
        file=file, source=source, reason=leaf.get("reason"),
        range=tuple(rng) if rng else None, range_scale=tuple(rng_scale) if rng_scale else None,
        dims=dims, extensive=bool(leaf.get("extensive", False)), timing=timing,
        sums_to_one=bool(leaf.get("sums_to_one", False)), per_council=per_council,
    )


def parse_assignment(text: str, params: Parameters, where: str = "--set") -> tuple[str, Any]:
    """Parse ``path=value`` (value as YAML) into a checked (path, value) pair."""
    if "=" not in text:
        raise InputError(Problem(where, text, "expected path=value, e.g. "
                                 "commissioner.fee_homecare_hourly=26.5"))
    path, raw = (s.strip() for s in text.split("=", 1))
    if path not in params:
        raise InputError(Problem(where, path, f"unknown parameter; {params.suggest(path)}"))
    try:
        value = parse_yaml(raw, where)
    except InputError as exc:
        reason = exc.problems[0].message
        raise InputError(Problem(where, path, f"cannot read value {short_repr(raw)}: "
                                 f"{reason}")) from None
    return path, params.check_value(path, value, where, path)



