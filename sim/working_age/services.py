"""What each working-age client uses of a provider, and what each provider can give.

Units by setting: support hours a week (supported living, homecare), a bed (specialist
residential), a carer (Shared Lives) and client-days a week (day opportunities).
"""

from __future__ import annotations

import numpy as np

from .codes import Service, WASetting, is_hourly


def hours_at_home(p, need: np.ndarray) -> np.ndarray:
    """Paid support hours a week at home (homecare or a direct payment), by need."""
    return p["working_age.hours_needed"][need]


def supported_living_hours(p, need: np.ndarray) -> np.ndarray:
    """A tenant's individual hours plus their share of the scheme's core hours."""
    return (p["working_age.supported_living_hours"][need] +
            p["working_age.supported_living_core_hours"])


def demand(p, service: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Units of their provider's capacity each client uses, by their (main) service."""
    out = np.ones(service.size)
    sl = service == Service.SUPPORTED_LIVING
    out[sl] = supported_living_hours(p, need[sl])
    hc = service == Service.HOMECARE
    out[hc] = hours_at_home(p, need[hc])
    day = service == Service.DAY_ONLY
    out[day] = p["working_age.day_days_per_week"]
    return out


def capacity(p, setting: np.ndarray, beds: np.ndarray, staff: np.ndarray) -> np.ndarray:
    """Units each provider can give a week: hours its staff deliver, or its places."""
    hours_per_worker = np.where(setting == WASetting.HOMECARE,
                                p["homecare.productive_hours_per_worker"],
                                p["workforce.contract_hours_per_worker"])
    hourly = is_hourly(setting)
    per_place = np.where(setting == WASetting.DAY_OPPORTUNITIES,
                         p["working_age.day_service_days_open"], 1.0)
    return np.where(hourly, staff * hours_per_worker, beds * per_place)
