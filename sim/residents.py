"""Residents with care needs, stored column-wise (one numpy array per attribute).

Rows ``0..n-1`` are the living residents. Each has a stable ``id``; removing residents fills
their rows with rows from the end of the table (so row order is not id order: rules that
need an order sort explicitly), and an id-to-row index finds anyone by id.
``ResidentView`` shows one resident by id.
"""

from __future__ import annotations

import numpy as np

from .codes import Codes
from .columns import ColumnTable


class Status(metaclass=Codes):
    """What a resident is receiving now."""

    COMMUNITY = 0      # no formal care (unpaid care only)
    QUEUED = 1         # waiting for a council assessment
    REABLEMENT = 2     # short-term reablement episode
    HOMECARE = 3
    RESIDENTIAL = 4
    NURSING = 5
    DIRECT_PAYMENT = 6
    EXTRA_CARE = 7     # a flat in an extra care scheme, with care on site


class Funding(metaclass=Codes):
    UNDECIDED = 0
    SELF = 1
    COUNCIL = 2


CARE_HOME = (Status.RESIDENTIAL, Status.NURSING)
#: People supported in their own home (extra care flats included).
AT_HOME_SUPPORTED = (Status.HOMECARE, Status.DIRECT_PAYMENT, Status.EXTRA_CARE)
NO_PROVIDER = -1

COLUMNS: dict[str, type] = {
    "id": np.int64,
    "key": np.uint64,            # the same person's key in every scenario (sim.rng keyed draws)
    "district": np.int16,
    "council": np.int16,         # the council of the district (county.district_council)
    "sex": np.int8,
    "age": np.float64,           # years
    "need": np.int8,             # 0..4
    "savings": np.float64,       # GBP, non-housing capital
    "property": np.float64,      # GBP, 0 for non-owners
    "property_counted": np.bool_,  # home counts in a care home means test
    "income": np.float64,        # GBP/week
    "has_carer": np.bool_,
    "funding": np.int8,          # Funding
    "status": np.int8,           # Status
    "wanted": np.int8,           # Status the person is assessed as needing (COMMUNITY: none)
    "provider": np.int32,        # row in the provider table, or NO_PROVIDER
    "spot": np.bool_,            # council placement bought spot (at a premium)
    "block": np.bool_,           # council placement in block-contracted capacity
    "topup": np.bool_,           # a third party pays the gap to the home's price
    "since": np.int32,           # week the current status began
    "in_hospital": np.bool_,     # in hospital, to be discharged into care
    "displaced": np.bool_,       # lost a placement when a provider closed
    "tec": np.bool_,             # uses technology-enabled care (an intervention)
    "arranged": np.bool_,        # self-funder whose care home place the council arranged
    "blocked_until": np.int32,   # no new request before this week
}


class ResidentTable(ColumnTable):
    """Column-wise storage for residents, with stable ids and amortised growth.

    Args:
        premix: for keyed draws made over everyone every week, the process's
            ``KeyedStream.premix`` by process name: each resident's premixed key is kept
            in a column (``premixed(process)``), computed once when they arrive.
    """

    def __init__(self, capacity: int = 1024, premix: dict | None = None):
        self._premix = dict(premix or {})
        super().__init__({**COLUMNS, **{_premixed(name): np.uint64 for name in self._premix}},
                         capacity)
        self.next_id = 0
        self._row_of_id = np.full(capacity, -1, dtype=np.int64)

    def premixed(self, process: str) -> np.ndarray:
        """Each resident's key premixed for the keyed stream of ``process``."""
        return getattr(self, _premixed(process))

    def add(self, count: int, **values) -> slice:
        """Append ``count`` residents; unspecified columns take their defaults."""
        ids = np.arange(self.next_id, self.next_id + count)
        keys = np.broadcast_to(np.asarray(values.get("key", 0), dtype=np.uint64), (count,))
        premixed = {_premixed(name): premix(keys) for name, premix in self._premix.items()}
        rows = self._append_rows(count, {**values, **premixed, "id": ids}, _DEFAULTS)
        if self.next_id + count > self._row_of_id.size:
            grown = np.full(max(self.next_id + count, 2 * self._row_of_id.size), -1, np.int64)
            grown[: self._row_of_id.size] = self._row_of_id
            self._row_of_id = grown
        self._row_of_id[ids] = np.arange(rows.start, rows.stop)
        self.next_id += count
        return rows

    def remove(self, mask: np.ndarray) -> None:
        """Drop the residents where ``mask`` is true, moving rows from the end into the gaps."""
        ids = self._cols["id"][np.flatnonzero(mask)]
        _, holes = self._remove_rows(mask)
        self._row_of_id[ids] = -1
        self._row_of_id[self._cols["id"][holes]] = holes

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Rows of the given ids (ids must be alive)."""
        ids = np.asarray(ids, dtype=np.int64)
        if np.any((ids < 0) | (ids >= self.next_id)):
            raise KeyError("some ids were never issued")
        rows = self._row_of_id[ids]
        if np.any(rows < 0):
            raise KeyError("some ids are not living residents")
        return rows

    def is_alive(self, resident_id: int) -> bool:
        return 0 <= resident_id < self.next_id and self._row_of_id[resident_id] >= 0

    def view(self, resident_id: int) -> "ResidentView":
        return ResidentView(self, int(resident_id))


def _premixed(process: str) -> str:
    return f"premixed_{process}"


_DEFAULTS = {"provider": NO_PROVIDER, "status": Status.COMMUNITY, "wanted": Status.COMMUNITY,
             "funding": Funding.UNDECIDED}


class ResidentView:
    """One resident's current attributes, read by id (for tests and notebooks)."""

    def __init__(self, table: ResidentTable, resident_id: int):
        self._table = table
        self.id = resident_id

    @property
    def alive(self) -> bool:
        return self._table.is_alive(self.id)

    def __getattr__(self, name: str):
        if name not in COLUMNS:
            raise AttributeError(name)
        row = self._table.rows_of(np.array([self.id]))[0]
        value = getattr(self._table, name)[row]
        if name == "status":
            return Status(value)
        if name == "funding":
            return Funding(value)
        return value.item()

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in COLUMNS}

    def __repr__(self) -> str:
        d = self.as_dict()
        return (f"Resident(id={self.id}, need={d['need']}, status={d['status'].name}, "
                f"funding={d['funding'].name}, provider={d['provider']})")


def in_states(status: np.ndarray, states) -> np.ndarray:
    """Mask of rows whose status is one of ``states`` (a fast ``np.isin`` for statuses: a
    range test for consecutive codes, else one comparison per state)."""
    states = sorted(int(s) for s in states)
    if len(states) > 2 and states[-1] - states[0] == len(states) - 1:
        return (status >= states[0]) & (status <= states[-1])
    mask = status == states[0]
    for state in states[1:]:
        mask |= status == state
    return mask
