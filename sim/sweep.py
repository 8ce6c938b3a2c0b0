"""Parameter sweeps: ``--sweep path=v1,v2,v3`` (repeatable) runs the grid as scenarios.

Each point of the product of the values is a scenario: the baseline with those parameter
values from the start of the run, named from its values (``sweep_fee_homecare_hourly_28``,
made a valid scenario name by ``safe_name``) so that the comparison ranks the points
against the baseline and each other.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import InputError, Problem
from .parameters import Parameters, parse_assignment
from .scenario import APPRAISAL, Change, Scenario, safe_name

OPTION = "--sweep"
MAX_POINTS = 200


def parse_sweep(text: str, params: Parameters) -> tuple[str, list[Any]]:
    """``path=v1,v2,...`` into the path and its checked values (scalars only).

    Raises:
        InputError: naming the option and the path.
    """
    if "=" not in text:
        raise InputError(Problem(OPTION, text, "expected path=v1,v2,..., e.g. "
                                 "commissioner.fee_homecare_hourly=25,27,29"))
    path, raw = (s.strip() for s in text.split("=", 1))
    if path.startswith(APPRAISAL):
        raise InputError(Problem(OPTION, path, "appraisal parameters set how the run is "
                                 "compared; use caremarket compare --discount-rate"))
    values = []
    for item in raw.split(","):
        found, value = parse_assignment(f"{path}={item}", params, where=OPTION)
        if np.ndim(value) != 0:
            raise InputError(Problem(OPTION, path, "sweeps take single values; this "
                                     "parameter is an array (change it in a scenario file)"))
        values.append(value)
    if len(set(map(str, values))) != len(values):
        raise InputError(Problem(OPTION, path, "a value is given twice"))
    return found, values


def sweep_scenarios(texts: Sequence[str], params: Parameters) -> list[Scenario]:
    """The scenarios of the grid (the product of every ``--sweep``'s values).

    Raises:
        InputError: every problem with the options.
    """
    axes, problems = [], []
    for text in texts:
        try:
            axes.append(parse_sweep(text, params))
        except InputError as exc:
            problems += exc.problems
    paths = [path for path, _ in axes]
    if len(set(paths)) != len(paths):
        problems.append(Problem(OPTION, "", "each parameter can be swept once; give all its "
                                "values in one --sweep"))
    points = int(np.prod([len(values) for _, values in axes])) if axes else 0
    if points > MAX_POINTS:
        problems.append(Problem(OPTION, "", f"{points} grid points; at most {MAX_POINTS} "
                                "(sweep fewer values)"))
    if problems:
        raise InputError(problems)
    if not axes:
        return []
    points = [_point(dict(zip(paths, combo)))
              for combo in itertools.product(*(values for _, values in axes))]
    return _distinct_names(points)


def _distinct_names(points: list[Scenario]) -> list[Scenario]:
    """Points whose names coincide (values that differ only in characters a name cannot
    hold, e.g. labels ``a b`` and ``a-b``) get a hash of their label appended."""
    counts = Counter(p.name for p in points)
    for point in points:
        if counts[point.name] > 1:
            point.name = safe_name(f"{point.name}_{_digest(point.label)}")
    return points


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:8]


def _point(values: dict[str, Any]) -> Scenario:
    label = ", ".join(f"{path} = {value}" for path, value in values.items())
    name = safe_name("sweep_" + "_".join(f"{path.rsplit('.', 1)[-1]}_{_token(value)}"
                                         for path, value in values.items()))
    changes = [Change(path, value, None, "parameter sweep (--sweep)", OPTION)
               for path, value in values.items()]
    return Scenario(name=name, label=label, file=OPTION, changes=changes,
                    description=f"Parameter sweep point: {label}, from the start of the run.")


def _token(value: Any) -> str:
    """A value as letters, digits and underscores: 28.5 -> 28p5, -0.1 -> m0p1."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    text = text.lower().replace("-", "m").replace(".", "p").replace("+", "")
    return "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in text)
