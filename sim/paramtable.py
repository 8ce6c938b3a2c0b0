"""Parameters as a table for analysts (``caremarket params``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from . import parameters as parameters_module
from .errors import InputError, Problem
from .parameters import Parameters, load_parameters

HEADER = ("path", "value", "unit", "status", "source")
MAX_LISTED_ITEMS = 6
DECIMALS = 4


def parameter_rows(prefix: str = "", params_dir: Path | str | None = None
                   ) -> list[tuple[str, ...]]:
    """Rows (header first) of path, value, unit, status and source for each parameter.

    Args:
        prefix: keep paths starting with this text (all when empty).
        params_dir: parameter folder; default the package's ``sim/params``.

    Raises:
        InputError: no parameter path starts with ``prefix``.
    """
    params = load_parameters(params_dir or parameters_module.DEFAULT_PARAMS_DIR)
    paths = [p for p in params.paths() if p.startswith(prefix)]
    if not paths:
        raise InputError(Problem("PREFIX", prefix, f"no parameter path starts with it; "
                                 f"{params.suggest(prefix)}"))
    return [HEADER, *(_row(params, path) for path in paths)]


def _row(params: Parameters, path: str) -> tuple[str, ...]:
    spec = params.spec(path)
    if spec.status == "assumption":
        source = f"assumption: {spec.reason}"
    else:
        source = (spec.source or {}).get("title", "")
    return (path, describe_value(params[path]), spec.unit, spec.status, " ".join(source.split()))


def describe_value(value: Any) -> str:
    """A short text for a value: scalars as they are, arrays by shape and range."""
    if isinstance(value, tuple) and len(value) > MAX_LISTED_ITEMS:
        return f"{len(value)} labels: {', '.join(map(str, value[:3]))}, ..."
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    if isinstance(value, np.ndarray):
        if value.size <= MAX_LISTED_ITEMS:
            return "[" + ", ".join(_number(v) for v in value.ravel()) + "]"
        shape = " x ".join(map(str, value.shape))
        return f"array {shape}, {_number(value.min())} to {_number(value.max())}"
    if isinstance(value, float):
        return _number(value)
    return str(value)


def _number(value: Any) -> str:
    return f"{float(value):.{DECIMALS}g}" if isinstance(value, (float, np.floating)) else str(value)
