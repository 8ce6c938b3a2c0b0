"""Working-age clients' lives: ageing, deaths, needs rising and falling, leaving support,
and arrivals (transitions from children's services at 18, and adults becoming eligible).

Every draw is keyed (``sim.rng``): a client's events depend on their key and the week, an
arrival's on its district, group and week, so scenarios share their random numbers.
"""

from __future__ import annotations

import numpy as np

from ..calendar import WEEKS_PER_YEAR
from ..dims import FIRST_WORKING_AGE
from ..population import weekly_probability
from ..rng import combine, poisson_from_uniform
from .codes import WITH_DAY_OPTION, WORKING_AGE, Service

#: Ages of adults who become eligible after 18 are uniform over [18, this).
LAST_WORKING_AGE = 65
#: Arrival kinds (part of an arrival's key).
TRANSITION, ONSET = 1, 2


def yearly_mortality(p, group: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Yearly death hazard: general-population Gompertz mortality at the age plus the
    group's offset, times the group's multiplier."""
    g = group.astype(np.intp) - 1
    effective_age = age + p["working_age.mortality_age_offset_years"][g]
    return (p["working_age.mortality_gompertz_a"] *
            np.exp(p["working_age.mortality_gompertz_b"] * effective_age) *
            p["working_age.mortality_multiplier"][g])


class WorkingAgeDemography:
    """Weekly events for the client table and the population at risk."""

    def __init__(self, model, clients):
        self.model = model
        self.clients = clients
        p = model.p
        self.population = p["working_age.population_18_64"].astype(float).copy()
        self.transitions_per_year = p["working_age.transitions_per_year"].astype(float).copy()
        self.reset_week()

    def reset_week(self) -> None:
        self.deaths = np.zeros(4, dtype=np.int64)
        self.leavers = np.zeros(4, dtype=np.int64)
        self.arrivals = np.zeros(4, dtype=np.int64)
        self.transitions = 0

    def new_financial_year(self) -> None:
        p = self.model.p
        self.population *= 1.0 + p["working_age.population_growth"]
        self.transitions_per_year *= 1.0 + p["working_age.transitions_growth"]

    def step(self) -> None:
        """Age everyone a week; deaths, exits, recoveries and changes of need (a client
        whose need falls below low leaves support); those who leave free their places."""
        c, p, m = self.clients, self.model.p, self.model
        c.age[:] += 1.0 / WEEKS_PER_YEAR
        g = c.group.astype(np.intp) - 1
        die = weekly_probability(yearly_mortality(p, c.group, c.age))
        leave = die + weekly_probability(p["working_age.exit_hazard"][g])
        rise = leave + np.where(c.need < 4, weekly_probability(
            p["working_age.progression_hazard"][g]), 0.0)
        fall = rise + weekly_probability(p["working_age.recovery_hazard"][g])
        u = m.uniform("wa_need", c.key)
        dies, leaves = u < die, (u >= die) & (u < leave)
        up, down = (u >= leave) & (u < rise), (u >= rise) & (u < fall)
        c.need[up] += 1
        c.need[down] -= 1
        recovered = down & (c.need == 0)
        gone = dies | leaves | recovered
        self.deaths = np.bincount(g[dies], minlength=4)
        self.leavers = np.bincount(g[leaves | recovered], minlength=4)
        c.remove(gone)

    def arrive(self) -> None:
        """This week's transitions at 18 and adults becoming eligible, by district and
        group, each with the service they will be assessed as needing (``wanted``): a
        planned transition can be placed at once (assessed before 18), anyone else after
        ``assessment_weeks``."""
        m, p = self.model, self.model.p
        n_districts = self.population.size
        shares = self.population / self.population.sum()
        mean_transitions = shares[:, None] * self.transitions_per_year[None, :] / WEEKS_PER_YEAR
        mean_onsets = self.population[:, None] * weekly_probability(
            p["working_age.onset_hazard"])[None, :]
        cells = np.arange(n_districts * 4, dtype=np.uint64)
        for kind, mean in ((TRANSITION, mean_transitions), (ONSET, mean_onsets)):
            kind_cells = cells + np.uint64(kind << 20)
            counts = poisson_from_uniform(m.uniform("wa_arrivals", kind_cells), mean.ravel())
            if counts.sum():
                self._add(kind, counts, kind_cells)

    def _add(self, kind: int, counts: np.ndarray, cells: np.ndarray) -> None:
        m, p, c = self.model, self.model.p, self.clients
        cell = np.repeat(np.arange(counts.size), counts)
        starts = np.cumsum(counts) - counts
        k = np.arange(cell.size) - np.repeat(starts, counts)
        keys = combine(np.uint64(m.week + 1) << np.uint64(32) | cells[cell], k)
        district, group = cell // 4, WORKING_AGE_ARRAY[cell % 4]

        def u(name):
            return m.uniform("wa_arrival_" + name, keys)

        transition = kind == TRANSITION
        shares = p["working_age.transition_need_shares"] if transition else \
            p["working_age.onset_need_shares"]
        need = np.searchsorted(np.cumsum(shares), u("need"), side="right")
        age = np.full(keys.size, float(FIRST_WORKING_AGE)) if transition else \
            FIRST_WORKING_AGE + (LAST_WORKING_AGE - FIRST_WORKING_AGE) * u("age")
        planned = transition & (u("planned") < p["working_age.transitions_planned_share"])
        wanted = choose_service(p, group, u("service"),
                                transition & ~planned)
        c.add(keys.size, key=keys, district=district,
              council=p["county.district_council"][district], group=group,
              age=age, need=np.minimum(need, 4).astype(np.int8), wanted=wanted,
              attends_day=attends_day(p, group, wanted, u("day")), planned=planned,
              since=m.week, ready_week=m.week + np.where(
                  planned, 0, int(round(p["working_age.assessment_weeks"]))))
        self.arrivals += np.bincount(group - 1, minlength=4)
        if transition:
            self.transitions += keys.size


WORKING_AGE_ARRAY = np.array(WORKING_AGE, dtype=np.int8)


def service_shares(p, unplanned_transition: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Each new client's chances of each service (client x ``wa_service``): the group's
    shares, with direct payments scaled by ``direct_payment_uptake`` and residential care
    by ``unplanned_residential_factor`` for unplanned transitions, renormalised."""
    shares = p["working_age.service_shares"][group.astype(np.intp) - 1].copy()
    shares[:, Service.DIRECT_PAYMENT] *= p["working_age.direct_payment_uptake"]
    shares[unplanned_transition, Service.RESIDENTIAL] *= \
        p["working_age.unplanned_residential_factor"]
    return shares / shares.sum(axis=1, keepdims=True)


def choose_service(p, group: np.ndarray, u: np.ndarray,
                   unplanned_transition: np.ndarray | bool = False) -> np.ndarray:
    """The service each new client is assessed as needing, from a uniform each."""
    unplanned = np.broadcast_to(np.asarray(unplanned_transition, bool), group.shape)
    cumulative = np.cumsum(service_shares(p, unplanned, group), axis=1)
    chosen = (u[:, None] >= cumulative).sum(axis=1)
    return np.minimum(chosen, Service.DAY_ONLY).astype(np.int8)


def attends_day(p, group: np.ndarray, service: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Whether each client attends day opportunities: always on day opportunities alone;
    by the group's share in supported living, homecare, Shared Lives or on a direct
    payment; never in residential care."""
    share = p["working_age.day_attendance_share"][group.astype(np.intp) - 1]
    with_option = np.isin(service, WITH_DAY_OPTION)
    return (service == Service.DAY_ONLY) | (with_option & (u < share))
