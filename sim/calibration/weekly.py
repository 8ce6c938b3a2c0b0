"""A run's weekly values as calibration targets read them: the county's metrics and the
``BY_GROUP`` metrics by client group, both scaled back to the whole county."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..dims import CLIENT_GROUPS
from ..metrics import BY_GROUP, BY_NAME, INDEX
from ..summary import scale_back


@dataclass(frozen=True)
class Weekly:
    """Weekly values of one run for the whole county."""

    #: metric x week (``sim.metrics.METRICS``): totals over client groups
    metrics: np.ndarray
    #: ``BY_GROUP`` metric x client group (``sim.dims.CLIENT_GROUPS``) x week
    by_group: np.ndarray

    @classmethod
    def from_run(cls, arrays: Mapping[str, np.ndarray], scale: float) -> Weekly:
        """From the arrays of ``sim.model.simulate_arrays`` for a run at ``scale``."""
        return cls(scale_back(arrays["metrics"], scale),
                   scale_back(arrays["by_group"], scale, [BY_NAME[m] for m in BY_GROUP]))

    @property
    def weeks(self) -> int:
        return self.metrics.shape[1]

    def series(self, metric: str, group: str | None = None) -> np.ndarray:
        """A metric's weekly values: the county's total, or one client group's row."""
        if group is None:
            return self.metrics[INDEX[metric]]
        return self.by_group[BY_GROUP.index(metric), CLIENT_GROUPS.index(group)]
