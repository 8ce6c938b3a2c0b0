"""Levers: model state that interventions set and the weekly rules read.

Their defaults mean "no intervention". Fees, capacity, block contracts and the pay floor
live on the commissioner and the economy; these are the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .providers import Setting


@dataclass
class Levers:
    #: multiplies the hazard that a technology-enabled care user's needs rise
    tec_progression_factor: float = 1.0
    #: added to investors' expected margin for a new provider, by setting (entry grants)
    entry_margin_bonus: np.ndarray = field(default_factory=lambda: np.zeros(len(Setting)))
    #: care and support cost of an extra care tenant, GBP/week
    extra_care_cost_weekly: float = 0.0
    #: added to care workers' hourly pay by setting (fee uplifts passed on to pay), GBP/hour
    wage_addition: np.ndarray = field(default_factory=lambda: np.zeros(len(Setting)))
