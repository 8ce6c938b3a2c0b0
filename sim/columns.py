"""Column-wise tables: one numpy array per attribute, grown in amortised steps.

The live rows ``0..n-1`` of every column are exposed as plain attributes (``table.status``),
refreshed whenever ``n`` changes, so reading a column in the weekly loop costs nothing extra.
"""

from __future__ import annotations

import numpy as np


class ColumnTable:
    """Base for the resident and provider tables."""

    def __init__(self, columns: dict[str, type], capacity: int):
        self.n = 0
        self._cols = {name: np.zeros(capacity, dtype=dtype) for name, dtype in columns.items()}
        self._expose()

    def __len__(self) -> int:
        return self.n

    def _expose(self) -> None:
        """Make each column's live rows an attribute (views: writes reach the table)."""
        for name, col in self._cols.items():
            setattr(self, name, col[: self.n])

    def _append_rows(self, count: int, values: dict, defaults: dict) -> slice:
        """Add ``count`` rows filled from ``values``, else ``defaults``, else zero."""
        size = self.n + count
        capacity = len(next(iter(self._cols.values())))
        if size > capacity:
            for name, col in self._cols.items():
                grown = np.zeros(max(size, 2 * capacity), dtype=col.dtype)
                grown[: self.n] = col[: self.n]
                self._cols[name] = grown
        rows = slice(self.n, size)
        for name, col in self._cols.items():
            col[rows] = values.get(name, defaults.get(name, 0))
        self.n = size
        self._expose()
        return rows

    def _remove_rows(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Drop the rows where ``mask`` is true, moving rows from the end into the gaps;
        returns the rows removed and the gaps filled (the new rows of those moved)."""
        gone = np.flatnonzero(mask)
        if gone.size == 0:
            return gone, gone
        new_n = self.n - gone.size
        holes = gone[gone < new_n]
        movers = new_n + np.flatnonzero(~mask[new_n:])
        for col in self._cols.values():
            col[holes] = col[movers]
        self.n = new_n
        self._expose()
        return gone, holes
