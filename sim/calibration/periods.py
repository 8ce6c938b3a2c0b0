"""Periods of calibration targets: a financial year, a date, or a range of dates.

A week belongs to a period when its middle day does, the rule that labels weeks with
financial years (``sim.calendar.week_financial_year``); a date picks the week holding it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from ..calendar import DAYS_PER_WEEK
from ..errors import short_repr

FINANCIAL_YEAR = re.compile(r"^([0-9]{4})-([0-9]{2})$")
RANGE_SEPARATOR = " to "
PERIOD_HELP = ("a financial year like 2025-26, a date like 2026-03-31, or a range like "
               "2025-04-01 to 2025-09-30")


@dataclass(frozen=True)
class Period:
    """When a target's figure applies: a span of days, or one date."""

    text: str
    first: dt.date
    last: dt.date
    is_date: bool = False

    def first_week(self, start: dt.date) -> int:
        """Index of the first week of the period in a run starting on ``start``."""
        if self.is_date:
            return (self.first - start).days // DAYS_PER_WEEK
        return -(-((self.first - start).days - DAYS_PER_WEEK // 2) // DAYS_PER_WEEK)

    def weeks_needed(self, start: dt.date) -> int:
        """Weeks a run starting on ``start`` needs to hold the whole period."""
        if self.is_date:
            return self.first_week(start) + 1
        return ((self.last - start).days - DAYS_PER_WEEK // 2) // DAYS_PER_WEEK + 1

    def mask(self, start: dt.date, weeks: int) -> np.ndarray:
        """Which weeks of a run belong to the period."""
        index = np.arange(weeks)
        return (index >= self.first_week(start)) & (index < self.weeks_needed(start))



def parse_period(raw: dt.date | str) -> Period:
    """A period from a targets file's ``period``.

    Raises:
        ValueError: saying what a period can be.
    """
    if isinstance(raw, dt.date):
        return Period(raw.isoformat(), raw, raw, is_date=True)
    text = str(raw).strip()
    year = FINANCIAL_YEAR.match(text)
    if year:
        first = int(year.group(1))
        if (first + 1) % 100 != int(year.group(2)) or first + 1 > dt.MAXYEAR or first < 1:
            raise ValueError(f"{short_repr(text, 60)} is not a financial year; expected "
                             f"{PERIOD_HELP}")
        return Period(text, dt.date(first, 4, 1), dt.date(first + 1, 3, 31))
    parts = text.split(RANGE_SEPARATOR)
    try:
        days = [dt.date.fromisoformat(p.strip()) for p in parts]
    except ValueError:
        raise ValueError(f"cannot read {short_repr(text, 60)}; expected {PERIOD_HELP}") from None
    if len(days) == 1:
        return Period(text, days[0], days[0], is_date=True)
    if len(days) != 2 or days[1] < days[0]:
        raise ValueError(f"cannot read {short_repr(text, 60)}; expected {PERIOD_HELP}")
    return Period(text, days[0], days[1])
