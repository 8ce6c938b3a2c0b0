"""Placement: matching people waiting for a service to providers with room.

A council places the council-funded residents of its districts with its framework and block
capacity first, then spot (at a premium), among providers that accept its fee, ranked by
quality and distance; self-funders choose by quality, distance and price. Providers near a
border are reachable from several councils' districts: they take a council's placement
against that council's fee, and a council's framework and block contracts hold only in its
own area (elsewhere it buys spot). Decisions are sequential (each takes a place, in order
of priority), but places are only taken during a week, so everyone's best choice is found
at once at the start of the week and only re-made at a person's turn if that place has gone
meanwhile: the same choices as one person at a time, at a fraction of the cost.
"""

from __future__ import annotations

import numpy as np

from .finance import accepts_council_placement
from .pathway import funding_for
from .providers import Setting
from .residents import CARE_HOME, Funding, Status, in_states
from .rng import combine

INADEQUATE = 3
PLACED = (Status.HOMECARE, Status.RESIDENTIAL, Status.NURSING)  # services with a provider


def waiting_mask(r, services=PLACED) -> np.ndarray:
    """People assessed as needing one of ``services`` who do not yet have it (people being
    assessed or reabled never want a placed service until that ends)."""
    return in_states(r.wanted, services) & (r.status != r.wanted)


def waiting_for(r, services=PLACED) -> np.ndarray:
    """Rows of people waiting for one of ``services``, the urgent (in hospital or
    displaced) first, then by how long they have waited."""
    rows = np.flatnonzero(waiting_mask(r, services))
    urgent = r.in_hospital[rows] | r.displaced[rows]
    return rows[np.lexsort((r.id[rows], r.since[rows], ~urgent))]


def district_distances(p) -> np.ndarray:
    """Straight-line km between district centres."""
    x, y = p["county.x_km"], p["county.y_km"]
    return np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])


class Placement:
    """Weekly matching of waiting residents to care homes and homecare agencies."""

    def __init__(self, model):
        self.model = model
        self.distance = district_distances(model.p)
        self.admissions = 0

    def run(self) -> None:
        """Everyone waiting, in order of priority, to care homes then to homecare."""
        self.admissions = 0
        r = self.model.residents
        waiting = waiting_for(r)
        self.place_in_care_homes(waiting[in_states(r.wanted[waiting], CARE_HOME)])
        self.place_homecare(waiting[r.wanted[waiting] == Status.HOMECARE])

    def _admit(self, rows: list[int], providers: list[int], blocks: list[bool]) -> None:
        """Place the given residents (their ``wanted`` service) with the given providers."""
        if not rows:
            return
        r, t = self.model.residents, self.model.providers
        rows, providers = np.array(rows), np.array(providers, dtype=np.int32)
        council = r.funding[rows] == Funding.COUNCIL
        block = council & np.array(blocks, dtype=bool)
        r.status[rows] = r.wanted[rows]
        r.provider[rows] = providers
        r.since[rows] = self.model.week
        r.in_hospital[rows] = False
        r.displaced[rows] = False
        r.block[rows] = block
        r.spot[rows] = council & ~block & ~(t.framework[providers] &
                                            (t.council[providers] == r.council[rows]))

    def _nearest_with_agencies(self, with_agencies: np.ndarray) -> list[int]:
        """For each district, the nearest other district that has agencies, within the
        placement search radius (-1 if none): where a wider search for homecare looks."""
        dist = self.distance.copy()
        np.fill_diagonal(dist, np.inf)
        usable = np.zeros(dist.shape[1], dtype=bool)
        usable[with_agencies] = True
        dist[:, ~usable] = np.inf
        nearest = np.argmin(dist, axis=1)
        ok = dist[np.arange(dist.shape[0]), nearest] <= self.model.p["placement.max_distance_km"]
        return np.where(ok, nearest, -1).tolist()

    def taste(self, process: str, keys, providers: np.ndarray) -> np.ndarray:
        """Each person's Gumbel taste for each provider this week (keyed by person and
        provider, so the same in every scenario)."""
        u = self.model.uniform(process, combine(keys, providers))
        return -np.log(-np.log(u))

    def admit_to(self, rows: np.ndarray, provider: int) -> None:
        """Place ``rows`` (council-funded) with one provider, outside any block."""
        self._admit(rows.tolist(), [provider] * rows.size, [False] * rows.size)

    def fund(self, seekers: np.ndarray, services: np.ndarray) -> np.ndarray:
        """Means test on admission (displaced residents keep their funding); True where the
        council funds the placement."""
        r, m = self.model.residents, self.model
        fresh = seekers[~r.displaced[seekers]]
        r.funding[fresh] = funding_for(services[~r.displaced[seekers]], r.savings[fresh],
                                       r.property[fresh], r.property_counted[fresh], m.charging)
        return r.funding[seekers] == Funding.COUNCIL

    def place_in_care_homes(self, seekers: np.ndarray) -> None:
        """Each seeker, in order, takes the best acceptable home with a free bed. Who pays
        (``payer``: the seeker's council index if council-funded, -1 for a self-funder)
        decides which homes are acceptable (a home takes a council's placement against
        that council's fee), which beds are free (block beds only for the council that
        reserved them) and the framework and block bonus (its own area only)."""
        m, r, t, p = self.model, self.model.residents, self.model.providers, self.model.p
        homes = np.flatnonzero(t.market_mask(Setting.CARE_HOME))
        if seekers.size == 0 or homes.size == 0:
            return
        resident_rows = in_states(r.status, CARE_HOME)
        occupied = np.bincount(r.provider[resident_rows], minlength=t.n)[homes].astype(float)
        block_used = np.bincount(r.provider[resident_rows & r.block], minlength=t.n)[homes]
        block_free = np.maximum(t.block_reserved[homes] - block_used, 0.0)
        free = t.beds[homes] - occupied
        fee_nursing, fee_residential = (m.council_state("fee_nursing"),
                                        m.council_state("fee_residential"))
        councils = range(len(m.commissioners))
        own = [t.council[homes] == c for c in councils]
        dist = self.distance[:, t.district[homes]]
        staffed = (t.fill[homes] >= p["placement.min_staffing_for_admissions"])[None, :]
        reachable = {False: (dist <= p["placement.max_distance_km"]) & staffed,
                     True: (dist <= p["placement.wider_search_km"]) & staffed}
        widen = (m.week - r.since[seekers]) >= p["placement.weeks_before_wider_search"]
        score = p["placement.quality_score"][t.quality[homes]][None, :] - \
            p["placement.distance_weight"] * dist
        in_block = block_free >= 1.0
        right_type = {Status.NURSING: t.nursing[homes],
                      Status.RESIDENTIAL: np.ones(homes.size, bool)}
        occupancy = occupied / np.maximum(t.beds[homes], 1.0)

        def council_ok(c: int) -> np.ndarray:
            """Homes that take council c's placement: at its fee, or into its block."""
            fee = np.where(t.nursing[homes], fee_nursing[c], fee_residential[c])
            takes = accepts_council_placement(
                fee, t.unit_cost[homes], occupancy,
                p["care_homes.council_refusal_occupancy"]) & (t.quality[homes] != INADEQUATE)
            return takes | (in_block & own[c])

        # static acceptability by payer, and scores by payer and district
        ok_for = _Lazy(council_ok)
        local_fee = np.where(t.nursing[homes], fee_nursing[t.council[homes]],
                             fee_residential[t.council[homes]])
        static_score = _Lazy(lambda c: score - p["placement.price_weight"] *
                             t.selffunder_price[homes] / local_fee if c < 0 else
                             score + p["placement.framework_bonus"] *
                             ((t.framework[homes] | in_block) & own[c]))
        payers = np.where(self.fund(seekers, r.wanted[seekers]), r.council[seekers], -1)

        def free_beds(payer: int, rows) -> np.ndarray:
            """Free beds at ``rows`` for a payer: self-funders, and councils outside their
            area, cannot use beds reserved in a block."""
            outside_blocks = free[rows] - block_free[rows]
            return outside_blocks if payer < 0 else np.where(own[payer][rows], free[rows],
                                                             outside_blocks)

        def choice_set(case: tuple) -> tuple[np.ndarray, np.ndarray]:
            """The homes a seeker of this kind would accept (within reach, of the right
            type, taking the payer) and their scores for the seeker's district."""
            service, payer, wide, district = case
            near = within[district, wide]
            ok = right_type[service][near]
            if payer >= 0:
                ok &= ok_for[payer][near]
            accepted = near[ok]
            return accepted, static_score[payer][district][accepted]

        within = _Lazy(lambda key: np.flatnonzero(reachable[key[1]][key[0]]))
        choices = _Lazy(choice_set)
        sets = [choices[case] for case in zip(r.wanted[seekers].tolist(), payers.tolist(),
                                              widen.tolist(), r.district[seekers].tolist())]
        sizes = np.array([accepted.size for accepted, _ in sets], dtype=np.intp)
        options = np.concatenate([a for a, _ in sets] + [np.zeros(0, np.intp)])
        # each seeker's value of each home it would accept: score plus a taste (drawn only
        # for those homes, so the work grows with the homes near a person, not the region's)
        values = np.concatenate([s for _, s in sets] + [np.zeros(0)]) + self.taste(
            "choice_home", np.repeat(r.key[seekers], sizes), homes[options])
        free_by_payer = np.stack([free_beds(c, slice(None)) for c in range(-1, len(councils))])
        first = _first_best(values, free_by_payer[np.repeat(payers + 1, sizes), options] >= 1.0,
                            sizes)
        starts = (np.cumsum(sizes) - sizes).tolist()
        admitted, chosen, blocks = [], [], []
        for i, payer, (accepted, _), start, j in zip(seekers.tolist(), payers.tolist(), sets,
                                                     starts, first):
            if j < 0:
                continue  # beds are only taken during the week: none now, none later
            k = int(accepted[j])
            if (free[k] if payer >= 0 and own[payer][k] else free[k] - block_free[k]) < 1.0:
                ok = free_beds(payer, accepted) >= 1.0  # taken since: choose again
                if not ok.any():
                    continue
                value = values[start: start + accepted.size]
                j = int(np.argmax(np.where(ok, value, -np.inf)))
            j = int(accepted[j])
            block = payer >= 0 and block_free[j] >= 1.0 and bool(own[payer][j])
            admitted.append(i)
            chosen.append(homes[j])
            blocks.append(block)
            free[j] -= 1.0
            if block:
                block_free[j] -= 1.0
        self._admit(admitted, chosen, blocks)
        self.admissions += len(admitted)

    def place_homecare(self, seekers: np.ndarray) -> None:
        """Each seeker, in order, takes the best local agency with room; after
        ``placement.weeks_before_wider_search`` weeks, the nearest district's agencies too."""
        m, r, t, p = self.model, self.model.residents, self.model.providers, self.model.p
        agencies = np.flatnonzero(t.market_mask(Setting.HOMECARE))
        if seekers.size == 0 or agencies.size == 0:
            return
        package = p["homecare.package_hours"]
        on_homecare = r.status == Status.HOMECARE
        commissioned = np.bincount(r.provider[on_homecare], weights=package[r.need[on_homecare]],
                                   minlength=t.n)[agencies]
        block_used = np.bincount(r.provider[on_homecare & r.block],
                                 weights=package[r.need[on_homecare & r.block]],
                                 minlength=t.n)[agencies]
        block_free = np.maximum(t.block_reserved[agencies] - block_used, 0.0)
        spare = t.staff[agencies] * p["homecare.productive_hours_per_worker"] - commissioned
        payers = np.where(self.fund(seekers, np.full(seekers.size, Status.HOMECARE)),
                          r.council[seekers], -1)
        order = np.argsort(t.district[agencies], kind="stable")  # districts become ranges
        agencies = agencies[order]
        districts, starts = np.unique(t.district[agencies], return_index=True)
        ends = np.append(starts[1:], agencies.size)
        local_of = {int(d): (int(a), int(b)) for d, a, b in zip(districts, starts, ends)}
        base = p["placement.quality_score"][t.quality[agencies]]
        own = {c: t.council[agencies] == c for c in range(len(m.commissioners))}
        market = _AgencyMarket(
            spare=spare[order], block_free=block_free[order],
            score={-1: base, **{
                c: base + p["placement.framework_bonus"] * (t.framework[agencies] & mine)
                for c, mine in own.items()}},
            takes_council=t.quality[agencies] != INADEQUATE,
            bonus=p["placement.framework_bonus"], own=own)
        first = np.zeros(p.dim_sizes["district"], dtype=np.intp)
        first[districts] = starts
        count = np.zeros(p.dim_sizes["district"], dtype=np.intp)
        count[districts] = ends - starts
        width = int((ends - starts).max())
        columns = np.minimum(first[r.district[seekers]][:, None] + np.arange(width)[None, :],
                             agencies.size - 1)
        noise = self.taste("choice_agency", r.key[seekers][:, None], agencies[columns])
        hours = package[r.need[seekers]]
        # each seeker's best local agency with room at the start of the week: still the
        # best at their turn if it still has room at the same terms (hours are only taken)
        picks, picks_in_block = market.best_at_start(
            columns, np.arange(width)[None, :] < count[r.district[seekers]][:, None], hours,
            payers, noise)
        nearby = np.array(self._nearest_with_agencies(districts))
        widen = ((m.week - r.since[seekers]) >= p["placement.weeks_before_wider_search"]) & \
            (nearby[r.district[seekers]] >= 0)
        # tastes for the nearest district's agencies, for those who may look there (keyed
        # by person and agency, so drawing them all at once changes none of them)
        wide = np.flatnonzero(widen)
        wide_columns = np.minimum(first[nearby[r.district[seekers[wide]]]][:, None] +
                                  np.arange(width)[None, :], agencies.size - 1)
        wide_noise = dict(zip(wide.tolist(), self.taste(
            "choice_agency", r.key[seekers[wide]][:, None], agencies[wide_columns])))
        nearby, widen = nearby.tolist(), widen.tolist()
        admitted, chosen, blocks = [], [], []
        for k, (i, need_hours, payer, district, pick, pick_in_block) in enumerate(zip(
                seekers.tolist(), hours.tolist(), payers.tolist(), r.district[seekers].tolist(),
                picks, picks_in_block)):
            j, block = -1, False
            if pick >= 0:
                if market.still_open(pick, need_hours, payer, pick_in_block):
                    j, block = market.take_row(pick, need_hours, pick_in_block)
                else:  # taken since: choose again
                    j, block = market.take(*local_of[district], need_hours, payer, noise[k])
            if j < 0 and widen[k]:
                lo, hi = local_of[nearby[district]]
                j, block = market.take(lo, hi, need_hours, payer, wide_noise[k])
            if j >= 0:
                admitted.append(i)
                chosen.append(agencies[j])
                blocks.append(block)
        self._admit(admitted, chosen, blocks)


def _first_best(values: np.ndarray, available: np.ndarray, sizes: np.ndarray) -> list[int]:
    """For each seeker (its options: the next ``sizes[k]`` of ``values`` and
    ``available``), the position of its best available option (the first of equal best),
    or -1 if none is available."""
    owner = np.repeat(np.arange(sizes.size), sizes)
    masked = np.where(available, values, -np.inf)
    best = np.full(sizes.size, -np.inf)
    np.maximum.at(best, owner, masked)
    hit = np.flatnonzero(available & (masked == best[owner]))
    seekers, at = np.unique(owner[hit], return_index=True)
    first = np.full(sizes.size, -1)
    first[seekers] = hit[at] - (np.cumsum(sizes) - sizes)[seekers]
    return first.tolist()


class _Lazy(dict):
    """A dict whose missing values are computed by ``make(key)`` on first use."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


class _AgencyMarket:
    """One week's spare hours of agencies (rows sorted by district, so that a district's
    agencies are a range of rows), and the choice of an agency for one package.

    ``score`` and ``own`` are by payer: -1 a self-funder, else a council's index; ``own``
    says which agencies are in that council's area. The state is kept in Python lists: a
    district has a dozen agencies, so plain loops beat array calls one seeker at a time."""

    def __init__(self, spare, block_free, score, takes_council, bonus, own):
        self._at_start = (spare, block_free, score, takes_council, own)
        self.spare, self.block_free = spare.tolist(), block_free.tolist()
        self.score = {payer: values.tolist() for payer, values in score.items()}
        self.takes_council, self.bonus = takes_council.tolist(), bonus
        self.own = {c: None if mine.all() else mine.tolist() for c, mine in own.items()}

    def best_at_start(self, columns, valid, hours, payers, noise
                      ) -> tuple[list[int], list[bool]]:
        """Each seeker's best agency among ``columns`` (its row's ``valid`` ones) with room
        for its ``hours`` now, as ``take`` would choose it (the row, or -1), and whether in
        its council's block; for all seekers at once."""
        spare, block_free, score, takes, own = self._at_start
        spare, block_free, hours = spare[columns], block_free[columns], hours[:, None]
        outside_blocks = spare - block_free >= hours
        payer = payers[:, None]
        mine = np.zeros(columns.shape, dtype=bool)
        for c, area in own.items():
            mine |= (payer == c) & area[columns]
        council = payer >= 0
        ok = valid & np.where(council, takes[columns] & np.where(
            mine, spare >= hours, outside_blocks), outside_blocks)
        in_block = council & mine & (block_free >= hours)
        by_payer = np.stack([score[c] for c in sorted(score)])  # rows: -1, 0, 1, ...
        value = by_payer[payer + 1, columns] + self.bonus * in_block + noise
        best = np.argmax(np.where(ok, value, -np.inf), axis=1)[:, None]
        found = np.take_along_axis(ok, best, axis=1)[:, 0]
        rows = np.where(found, np.take_along_axis(columns, best, axis=1)[:, 0], -1)
        return rows.tolist(), (found & np.take_along_axis(in_block, best, axis=1)[:, 0]).tolist()

    def _terms(self, j: int, hours: float, payer: int) -> tuple[bool, bool]:
        """Whether agency row ``j`` has room for ``hours`` for this payer now, and whether
        in the payer's block (council clients fill their council's block capacity first
        and avoid inadequate agencies; self-funders, and councils outside their area,
        cannot use unused block hours)."""
        free_block = self.block_free[j]
        if payer < 0:
            return self.spare[j] - free_block >= hours, False
        if not self.takes_council[j]:
            return False, False
        own = self.own[payer]
        if own is not None and not own[j]:
            return self.spare[j] - free_block >= hours, False
        return self.spare[j] >= hours, free_block >= hours

    def still_open(self, j: int, hours: float, payer: int, in_block: bool) -> bool:
        """Whether agency row ``j`` still has room for ``hours`` on the same terms (in or
        out of the payer's block) as at the start of the week."""
        room, block = self._terms(j, hours, payer)
        return room and block == in_block

    def take_row(self, j: int, hours: float, in_block: bool) -> tuple[int, bool]:
        """Take ``hours`` at agency row ``j`` (from its block capacity if ``in_block``)."""
        self.spare[j] -= hours
        if in_block:
            self.block_free[j] -= hours
        return j, in_block

    def take(self, lo: int, hi: int, hours: float, payer: int, noise) -> tuple[int, bool]:
        """The best agency in rows lo..hi-1 with room for ``hours`` (``_terms``); its hours
        are taken. Returns (row, in block) or (-1, False)."""
        best, best_row, best_block = -np.inf, -1, False
        score = self.score[payer]
        for j in range(lo, hi):
            room, in_block = self._terms(j, hours, payer)
            if not room:
                continue
            value = score[j] + self.bonus * in_block + noise[j - lo]
            if value > best:
                best, best_row, best_block = value, j, in_block
        if best_row >= 0:
            self.take_row(best_row, hours, best_block)
        return best_row, best_block
