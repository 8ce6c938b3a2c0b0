"""Calibration tables as text, for the command line and the docs."""

from __future__ import annotations

import math

import pandas as pd

from .targets import ALL_GROUPS


def number(value: float, unit: str = "") -> str:
    """A figure for a table: £1.2m, 10,237, 0.308."""
    if math.isnan(value):
        return "n/a"
    if unit == "GBP":
        return (f"£{value / 1e6:,.1f}m" if abs(value) >= 1e5 else
                f"£{value:,.0f}" if abs(value) >= 1000 else f"£{value:,.2f}")
    if abs(value) >= 1000 or (float(value).is_integer() and abs(value) >= 10):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def fit_rows(fit: pd.DataFrame) -> list[list[str]]:
    """The fit table as text cells, a header first."""
    rows = [["target", "group", "period", "observed", "default run",
             "calibrated p50 (p5-p95)", "z", "fits"]]
    for r in fit.itertuples():
        unit = r.unit.split("/")[0]
        band = (f"{number(r.simulated_p50, unit)} ({number(r.simulated_p5, unit)}-"
                f"{number(r.simulated_p95, unit)})")
        verdict = ("yes" if r.within else "no") + ("" if r.fitted else " (check)")
        group = getattr(r, "group", ALL_GROUPS)  # fit.csv of calibrations before groups
        rows.append([r.target, group, r.period, number(r.observed, unit),
                     number(r.default_run, unit), band,
                     "n/a" if math.isnan(r.z) else f"{r.z:+.1f}", verdict])
    return rows


def parameter_rows(parameters: pd.DataFrame) -> list[list[str]]:
    """The prior and posterior of each parameter as text cells, a header first."""
    rows = [["parameter", "prior", "default", "posterior p50 (90% interval)",
             "interval / prior"]]
    for r in parameters.itertuples():
        name = r.path + (" (x default)" if r.kind == "multiplier" else "")
        rows.append([name, f"{r.prior_low:.4g}-{r.prior_high:.4g}", f"{r.default:.4g}",
                     f"{r.posterior_p50:.4g} ({r.posterior_p5:.4g}-{r.posterior_p95:.4g})",
                     f"{r.interval_share_of_prior:.0%}"])
    return rows


def plain_table(rows: list[list[str]]) -> str:
    """Cells aligned in columns (for a terminal)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def markdown_table(rows: list[list[str]]) -> str:
    """Cells as a Markdown table (for docs)."""
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)
