"""The parameters a calibration or a sensitivity analysis varies, and their priors.

Only number parameters with a plausible range can vary. A scalar varies over its
``range``: its prior is uniform there. An array (``range_scale``) varies through one
multiplier of its default, uniform over ``range_scale``; the scaled values are clipped to
the unit's bounds (a share stays at most 1). Whole numbers (need levels, council indices),
distributions that sum to one, per-council lists and the ``run.`` and ``appraisal.``
parameters (the horizon, and how a run is compared) cannot vary: the error says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, Problem
from ..parameters import UNIT_RULES, Parameters
from ..yamlio import load_yaml

VALUE = "value"
MULTIPLIER = "multiplier"
#: Parameter groups that describe the run or its comparison, not the modelled market.
FIXED_GROUPS = ("run.", "appraisal.")
#: Groups left out of the default sensitivity set: read only by scenario interventions.
INTERVENTION_GROUPS = ("interventions.",)


@dataclass(frozen=True)
class Dimension:
    """One varied parameter: its path, how it varies and its prior bounds."""

    path: str
    kind: str  # VALUE (the scalar itself) or MULTIPLIER (of an array's default)
    low: float
    high: float
    unit: str
    default: float  # the scalar's default value; 1 for a multiplier

    @property
    def name(self) -> str:
        """The path as an identifier (pyabc and SALib names): dots become ``__``."""
        return self.path.replace(".", "__")

    @property
    def label(self) -> str:
        """How tables and figures name it."""
        return self.path if self.kind == VALUE else f"{self.path} (x default)"

    @property
    def width(self) -> float:
        """The width of the prior range."""
        return self.high - self.low


@dataclass(frozen=True)
class Space:
    """The varied parameters, in order."""

    dimensions: tuple[Dimension, ...]

    @property
    def paths(self) -> list[str]:
        return [d.path for d in self.dimensions]

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    @property
    def bounds(self) -> np.ndarray:
        """Prior bounds, one row ``[low, high]`` per dimension."""
        return np.array([[d.low, d.high] for d in self.dimensions], dtype=float)

    def __len__(self) -> int:
        return len(self.dimensions)

    def point(self, values: Mapping[str, float]) -> np.ndarray:
        """A point (in dimension order) from values keyed by name or path."""
        return np.array([float(values[d.name] if d.name in values else values[d.path])
                         for d in self.dimensions])

    def values(self, params: Parameters, point: Sequence[float]) -> dict[str, object]:
        """The parameter values at ``point``: scalars as given, arrays as their default
        times the multiplier, clipped to the unit's bounds."""
        values: dict[str, object] = {}
        for dim, x in zip(self.dimensions, point, strict=True):
            if dim.kind == VALUE:
                values[dim.path] = float(x)
            else:
                _, low, high = UNIT_RULES[dim.unit]
                scaled = np.asarray(params[dim.path], dtype=float) * float(x)
                values[dim.path] = np.clip(scaled, low, high)
        return values

    def apply(self, params: Parameters, point: Sequence[float]) -> Parameters:
        """``params`` with the values at ``point``."""
        return params.with_values(self.values(params, point))

    def plain(self) -> list[dict]:
        """JSON-ready description, for manifests (``from_plain`` reads it back)."""
        return [{"path": d.path, "kind": d.kind, "low": d.low, "high": d.high,
                 "unit": d.unit, "default": d.default} for d in self.dimensions]

    @classmethod
    def from_plain(cls, rows: Iterable[dict]) -> Space:
        return cls(tuple(Dimension(r["path"], r["kind"], float(r["low"]), float(r["high"]),
                                   r["unit"], float(r["default"])) for r in rows))


def build_space(paths: Sequence[str], params: Parameters, where: str,
                key: str = "") -> Space:
    """The space of ``paths``, checking each can vary.

    Args:
        paths: parameter paths, in order.
        params: the parameters (their specs give units and ranges).
        where: the option or file the paths came from, for error messages.
        key: the key in that file that lists them (e.g. ``parameters``), if any.

    Raises:
        InputError: one problem per path that is unknown or cannot vary, saying why.
    """
    problems: list[Problem] = []
    dimensions: list[Dimension] = []

    def at(path: str) -> str:
        return f"{key}.{path}" if key else path

    if not paths:
        problems.append(Problem(where, key, "name at least one parameter to vary"))
    for path in paths:
        if path in (d.path for d in dimensions):
            problems.append(Problem(where, at(path), "given more than once; give it once"))
            continue
        reason = why_fixed(path, params)
        if reason:
            problems.append(Problem(where, at(path), reason))
            continue
        dimensions.append(_dimension(path, params))
    if problems:
        raise InputError(problems)
    return Space(tuple(dimensions))


def why_fixed(path: str, params: Parameters) -> str | None:
    """Why ``path`` cannot vary, or None when it can."""
    if path not in params:
        return f"unknown parameter; {params.suggest(path)}"
    spec = params.spec(path)
    if path.startswith(FIXED_GROUPS):
        return ("describes the run or its comparison, not the market: set it with the "
                "command's options or --set")
    if spec.kind != "number":
        return (f"is a {spec.kind} ({spec.unit}), not a number that can vary smoothly; "
                "calibrate number parameters")
    if spec.sums_to_one:
        return ("is a distribution summing to one: one multiplier cannot move it; vary "
                "the hazards that feed it instead")
    value = params[path]
    if spec.dims:
        rng = spec.range_scale
    elif np.ndim(value) > 0:
        return ("has one value per council: vary it with a single value for every council "
                "(set it to one number first)")
    else:
        rng = spec.range
    if rng is None or not rng[1] > rng[0]:
        return f"needs a plausible range wider than a point in {spec.file}, got {rng}"
    return None


def _dimension(path: str, params: Parameters) -> Dimension:
    spec = params.spec(path)
    if spec.dims:
        low, high = spec.range_scale
        return Dimension(path, MULTIPLIER, float(low), float(high), spec.unit, 1.0)
    low, high = spec.range
    return Dimension(path, VALUE, float(low), float(high), spec.unit, float(params[path]))


def default_paths(params: Parameters) -> list[str]:
    """Every parameter that is an assumption and can vary, but those read only by
    interventions: the default set of a sensitivity analysis."""
    return [p for p in params.paths()
            if params.spec(p).status == "assumption" and not p.startswith(INTERVENTION_GROUPS)
            and why_fixed(p, params) is None]


def parse_paths(text: str) -> list[str]:
    """Paths from a comma-separated option value (spaces ignored)."""
    return [p.strip() for p in text.split(",") if p.strip()]


def read_paths_file(path: Path | str) -> list[str]:
    """Paths from a YAML file holding a list of them.

    Raises:
        InputError: the file is missing, malformed or not a list of paths.
    """
    raw = load_yaml(path)
    if not isinstance(raw, list) or not all(isinstance(p, str) and p.strip() for p in raw):
        raise InputError(Problem(str(path), "", "expected a YAML list of parameter paths, "
                                 "e.g.\n- pathway.request_hazard\n- workforce.turnover_base"))
    return [p.strip() for p in raw]
