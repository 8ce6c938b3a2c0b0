"""Working-age clients, stored column-wise like the older residents (``sim.residents``)."""

from __future__ import annotations

import numpy as np

from ..columns import ColumnTable
from .codes import Service

NO_PROVIDER = -1

CLIENT_COLUMNS: dict[str, type] = {
    "key": np.uint64,          # the same person's key in every scenario (keyed draws)
    "district": np.int16,
    "council": np.int16,       # the council of the district, which pays for their support
    "group": np.int8,          # Group (never OLDER_PEOPLE)
    "age": np.float64,         # years
    "need": np.int8,           # 1..4 (low .. critical)
    "service": np.int8,        # Service now
    "wanted": np.int8,         # Service assessed as right for them (waiting for it, or moving)
    "provider": np.int32,      # row in the working-age provider table, or NO_PROVIDER
    "day_provider": np.int32,  # day opportunities attended, or NO_PROVIDER
    "attends_day": np.bool_,   # assessed to attend day opportunities besides their service
    "planned": np.bool_,       # a planned transition at 18 (placed first)
    "ready_week": np.int32,    # first week they can be placed (after their assessment)
    "since": np.int32,         # week the current service (or the wait) began
}

_DEFAULTS = {"provider": NO_PROVIDER, "day_provider": NO_PROVIDER,
             "service": Service.WAITING, "wanted": Service.WAITING}


class WorkingAgeClients(ColumnTable):
    """Column-wise storage for working-age clients (rows ``0..n-1`` are the living)."""

    def __init__(self, capacity: int = 1024):
        super().__init__(CLIENT_COLUMNS, capacity)

    def add(self, count: int, **values) -> slice:
        """Append ``count`` clients; unspecified columns take their defaults."""
        return self._append_rows(count, values, _DEFAULTS)

    def remove(self, mask: np.ndarray) -> None:
        """Drop the clients where ``mask`` is true."""
        self._remove_rows(mask)
