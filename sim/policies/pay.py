"""Care workers' pay set council by council, for interventions aimed at some councils.

The engine pays one wage per setting across the region (``Market.wage_for``), which
interventions acting on every council move through ``Levers.wage_addition`` (a fee uplift
passed on to pay) and ``Economy.wage_floor`` (a pay floor). An intervention aimed at some
councils of a region instead registers here what it adds to pay (by council and setting)
or the floor it sets (by council). Once every intervention has stepped in a week
(``PolicySet.start_week``, after April's and dated changes' wage resets), each open
provider in those councils' areas pays the region's wage for its setting plus its
council's additions, and at least its council's highest floor (``CouncilPay.apply``). A
provider whose pay so changes has its self-funder price set again, as the engine does when
wages change in April; one that opens during a week pays the region's wage until the next.
"""

from __future__ import annotations

import numpy as np

from ..providers import Setting


class CouncilPay:
    """What interventions aimed at some councils add to care workers' pay, or the floor
    they set, by council: each intervention's part kept apart, so that it can change or
    end on its own."""

    def __init__(self, councils: int):
        self.councils = councils
        self.additions: dict[int, np.ndarray] = {}  # by intervention: council x setting
        self.floors: dict[int, np.ndarray] = {}  # by intervention: by council, GBP/hour
        self.applied = np.empty(0)  # the pay each provider row got here last (NaN: none)

    def add(self, owner: object, addition: np.ndarray) -> None:
        """``owner``'s addition to hourly pay, GBP/hour by council and setting."""
        self.additions[id(owner)] = np.asarray(addition, dtype=float)

    def floor(self, owner: object, floors: np.ndarray) -> None:
        """``owner``'s lowest hourly pay by council, GBP/hour (0: none)."""
        self.floors[id(owner)] = np.asarray(floors, dtype=float)

    def clear(self, owner: object) -> None:
        """``owner``'s part ends."""
        self.additions.pop(id(owner), None)
        self.floors.pop(id(owner), None)

    def apply(self, model) -> None:
        """Pay each open provider its council's wage; reprice those whose pay changed."""
        t = model.providers
        rows = np.flatnonzero(t.open)
        addition = sum(self.additions.values(), np.zeros((self.councils, len(Setting))))
        floor = np.max([np.zeros(self.councils), *self.floors.values()], axis=0)
        council, setting = t.council[rows], t.setting[rows]
        wage = np.maximum(model.market.wage_for(setting) + addition[council, setting],
                          floor[council])
        last = np.full(t.n, np.nan)
        last[: min(self.applied.size, t.n)] = self.applied[: t.n]
        moved = wage != t.wage[rows]  # the council's pay, not (or no longer) the region's
        t.wage[rows[moved]] = wage[moved]
        changed = rows[moved & (wage != last[rows])]
        last[rows] = wage
        self.applied = last
        if changed.size:
            model.market.set_prices(changed)
