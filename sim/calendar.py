"""Weeks, dates and financial years (April to March)."""

from __future__ import annotations

import datetime as dt

import numpy as np

WEEKS_PER_YEAR = 52
DAYS_PER_WEEK = 7
APRIL = 4


def week_dates(start: dt.date, weeks: int) -> list[dt.date]:
    """The first day of each simulated week."""
    return [start + dt.timedelta(days=DAYS_PER_WEEK * w) for w in range(weeks)]


def financial_year(date: dt.date) -> str:
    """The English financial year holding ``date``, e.g. ``2025-26``."""
    first = date.year if date.month >= APRIL else date.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def run_end(start: dt.date, weeks: int) -> dt.date:
    """The day after the last simulated day."""
    return start + dt.timedelta(days=DAYS_PER_WEEK * weeks)


def week_of(start: dt.date, date: dt.date) -> int:
    """The index of the week that holds ``date`` (0 for dates on or before ``start``)."""
    return max(0, (date - start).days // DAYS_PER_WEEK)


def april_weeks(dates: list[dt.date]) -> np.ndarray:
    """Flags for the weeks in which a new financial year begins (not week 0)."""
    fys = [financial_year(d) for d in dates]
    return np.array([w > 0 and fys[w] != fys[w - 1] for w in range(len(dates))])
