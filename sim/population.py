"""The 65+ population without care needs, as counts by district x age band x sex.

Counts age, die and are replenished by people turning 65; a weekly onset hazard turns
counts into residents (agents) with care needs, and residents whose needs end return here.
Count flows are expected values (the counts are large); onset is a Poisson draw.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from .calendar import WEEKS_PER_YEAR
from .dims import AGE_BAND_WIDTH_YEARS, AGE_BANDS, FIRST_AGE
from .residents import ResidentTable
from .rng import combine, poisson_from_uniform

N_BANDS = len(AGE_BANDS)


def weekly_probability(hazard_per_year) -> np.ndarray:
    """Probability of an event within a week given a yearly hazard."""
    return -np.expm1(-np.asarray(hazard_per_year, dtype=float) / WEEKS_PER_YEAR)


def weekly_from_annual_probability(prob_per_year) -> np.ndarray:
    """Weekly probability equivalent to a yearly probability."""
    return -np.expm1(np.log1p(-np.asarray(prob_per_year, dtype=float)) / WEEKS_PER_YEAR)


def age_band_of(age: np.ndarray) -> np.ndarray:
    """Age band index (0 = 65-69 ... 5 = 90+) of exact ages (ages under 65 count as 65)."""
    years_over = np.maximum(np.asarray(age, dtype=float) - FIRST_AGE, 0.0)
    return np.minimum((years_over * (1.0 / AGE_BAND_WIDTH_YEARS)).astype(np.int8), N_BANDS - 1)


class Population:
    """Counts of people aged 65+ without care needs, by district x age band x sex."""

    def __init__(self, counts: np.ndarray, new_65_per_year: float):
        self.counts = counts.astype(float)
        self.new_65_per_year = new_65_per_year

    @property
    def total(self) -> float:
        return float(self.counts.sum())

    def age_and_die(self, p, district_shares: np.ndarray) -> None:
        """One week of ageing between bands, deaths, and new 65-year-olds."""
        moving = self.counts[:, :-1, :] / (AGE_BAND_WIDTH_YEARS * WEEKS_PER_YEAR)
        self.counts[:, :-1, :] -= moving
        self.counts[:, 1:, :] += moving
        death = weekly_from_annual_probability(
            p["demography.mortality_annual"] * p["demography.mortality_scale_without_needs"])
        self.counts *= 1.0 - death[None, :, :]
        female = p["demography.age_sex_shares"][0, 0] / p["demography.age_sex_shares"][0].sum()
        arrivals = self.new_65_per_year / WEEKS_PER_YEAR * district_shares
        self.counts[:, 0, 0] += arrivals * female
        self.counts[:, 0, 1] += arrivals * (1.0 - female)

    def grow_cohort(self, growth: float) -> None:
        """Each April, the yearly number turning 65 grows."""
        self.new_65_per_year *= 1.0 + growth

    def draw_onsets(self, hazard_per_year: np.ndarray, u: np.ndarray) -> np.ndarray:
        """This week's onsets per cell (Poisson, by inversion of one uniform per cell, so a
        small change in a count changes its draw little), removed from the counts."""
        expected = self.counts * weekly_probability(hazard_per_year)[None, :, :]
        drawn = poisson_from_uniform(u.reshape(self.counts.shape), expected)
        onsets = np.minimum(drawn, np.floor(self.counts)).astype(np.int64)
        self.counts -= onsets
        return onsets

    def return_residents(self, district, band, sex) -> None:
        """People whose needs ended rejoin the counts."""
        np.add.at(self.counts, (district, band, sex), 1.0)


def cells_to_people(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expand a (district, band, sex) array of whole counts into one row per person."""
    flat = np.repeat(np.arange(cells.size), cells.ravel())
    return np.unravel_index(flat, cells.shape)


def draw_ages(band: np.ndarray, u: np.ndarray, oldest_mean_years_over: float = 3.0
              ) -> np.ndarray:
    """Exact ages from uniforms ``u``: uniform within each band; the open top band is its
    lower age plus an exponential with the given mean
    (``demography.oldest_band_mean_years_over``)."""
    low = FIRST_AGE + AGE_BAND_WIDTH_YEARS * band.astype(float)
    oldest = band == N_BANDS - 1
    return low + np.where(oldest, -np.log1p(-u) * oldest_mean_years_over,
                          u * AGE_BAND_WIDTH_YEARS)


def add_residents(table: ResidentTable, p, district, band, sex, need, keys: np.ndarray,
                  uniform) -> slice:
    """Create residents with wealth, income and carers drawn for their district and age.

    Args:
        keys: each new resident's key (``ResidentTable.key``).
        uniform: ``uniform(name)`` gives one uniform per new resident for the named draw.
    """
    affluence = p["county.affluence"][district]
    owner = uniform("owner") < p["wealth.home_ownership"][band]
    prop = np.where(owner, p["wealth.property_value_median"] * affluence * np.exp(
        p["wealth.property_value_spread"] * ndtri(uniform("property"))), 0.0)
    has_savings = uniform("has_savings") >= p["wealth.no_savings_share"]
    savings = np.where(has_savings, p["wealth.savings_median"] * affluence * np.exp(
        p["wealth.savings_spread"] * ndtri(uniform("savings"))), 0.0)
    income = p["wealth.income_median"] * np.exp(p["wealth.income_spread"] *
                                                ndtri(uniform("income")))
    age = draw_ages(band, uniform("age"), p["demography.oldest_band_mean_years_over"])
    return table.add(
        district.size, key=keys, district=district,
        council=p["county.district_council"][district], sex=sex, age=age, need=need,
        savings=savings, property=prop, income=income,
        property_counted=uniform("property_counted") >= p["charging.property_disregard_share"],
        has_carer=uniform("carer") < p["unpaid_care.carer_probability"][band],
    )


def onset_keys(onsets: np.ndarray, week: int) -> np.ndarray:
    """Keys of a week's new residents: the k-th onset in cell c in week w has the same key
    in every scenario, so it draws the same random numbers."""
    flat = onsets.ravel()
    cell = np.repeat(np.arange(flat.size, dtype=np.uint64), flat)
    starts = np.cumsum(flat) - flat
    k = np.arange(cell.size, dtype=np.uint64) - np.repeat(starts, flat).astype(np.uint64)
    return combine(np.uint64(week + 1) << np.uint64(32) | cell, k)
