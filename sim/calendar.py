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


def week_financial_year(week_start: dt.date) -> str:
    """The financial year holding most of a week's days (that of its middle day).

    A run starting on 1 April then has 52 weeks in its first year, and a change dated
    1 April falls in the new year's first week.
    """
    return financial_year(week_start + dt.timedelta(days=DAYS_PER_WEEK // 2))


def run_end(start: dt.date, weeks: int) -> dt.date:
    """The day after the last simulated day."""
    return start + dt.timedelta(days=DAYS_PER_WEEK * weeks)


def effective_week(start: dt.date, date: dt.date) -> int:
    """The first week whose middle day is on or after ``date`` (0 for dates up to the start).

    This is the rule that labels weeks with financial years (``week_financial_year``), so a
    change dated 1 April takes effect in the first week of the new financial year.
    """
    middle = DAYS_PER_WEEK // 2
    return max(0, -(-((date - start).days - middle) // DAYS_PER_WEEK))


def april_weeks(dates: list[dt.date]) -> np.ndarray:
    """Flags for the weeks in which a new financial year begins (not week 0)."""
    fys = [week_financial_year(d) for d in dates]
    return np.array([w > 0 and fys[w] != fys[w - 1] for w in range(len(dates))])
