"""The Care Act pathway: hospital, requests, assessment, reablement, reviews, displacement.

Pure rules (eligibility, service choice, funding) come first; ``Pathway`` applies them to
the resident table each week, vectorised over the residents concerned.
"""

from __future__ import annotations

import numpy as np

from .charging import ChargingRules, assessable_capital, is_self_funder
from .population import weekly_probability
from .residents import AT_HOME_SUPPORTED, NO_PROVIDER, Funding, Status, in_states

HOME_SERVICES = (Status.HOMECARE, Status.DIRECT_PAYMENT)


def eligible(need, threshold) -> np.ndarray:
    """Care Act eligibility: need at or above the council's threshold."""
    return np.asarray(need) >= threshold


def care_home_type(need, u, nursing_share_critical) -> np.ndarray:
    """Nursing care for the share of critical needs that need a nurse (``u`` uniform draws
    below the share), residential otherwise."""
    nursing = (np.asarray(need) >= 4) & (np.asarray(u) < nursing_share_critical)
    return np.where(nursing, Status.NURSING, Status.RESIDENTIAL).astype(np.int8)


def choose_service(need, has_carer, u_home, u_dp, p) -> np.ndarray:
    """The long-term service an eligible person is offered.

    A care home with a probability by need level (higher without a carer), else a direct
    payment for a share of people, else homecare.
    """
    need = np.asarray(need)
    p_home = p["pathway.care_home_probability"][need] * np.where(
        has_carer, 1.0, p["pathway.care_home_no_carer_multiplier"])
    community = np.where(u_dp < p["pathway.direct_payment_share"], Status.DIRECT_PAYMENT,
                         Status.HOMECARE)
    u_type = u_home / np.maximum(p_home, 1e-12)  # uniform again among those offered a home
    home = care_home_type(need, u_type, p["pathway.nursing_share_of_critical"])
    return np.where(u_home < p_home, home, community).astype(np.int8)


def funding_for(service, savings, property_value, property_counted,
                rules: ChargingRules) -> np.ndarray:
    """Self-funder or council-funded for a given service (the home counts for care homes)."""
    care_home = in_states(service, (Status.RESIDENTIAL, Status.NURSING))
    capital = assessable_capital(savings, property_value, property_counted, care_home)
    return np.where(is_self_funder(capital, rules), Funding.SELF, Funding.COUNCIL
                    ).astype(np.int8)


class Pathway:
    """Applies the pathway rules to the model's residents each week."""

    def __init__(self, model):
        self.model = model
        self.counts = {"requests": 0, "assessments": 0}

    @property
    def r(self):
        return self.model.residents

    def reset_week(self) -> None:
        self.counts = {"requests": 0, "assessments": 0}

    def u(self, process: str, idx: np.ndarray) -> np.ndarray:
        """This week's keyed uniform of ``process`` for residents ``idx``."""
        return self.model.uniform(process, self.r.key[idx])

    def _events(self, process: str, chance: np.ndarray, where: np.ndarray) -> np.ndarray:
        """Rows where ``where`` holds that have the event this week, with probability
        ``chance``[need] (one keyed uniform per resident; only those below the largest
        chance are looked at further)."""
        rows, u = self.model.draws_below(process, float(chance.max()))
        keep = where(rows)
        rows, u = rows[keep], u[keep]
        return rows[u < chance[self.r.need[rows]]]
    def hospital_admissions(self) -> None:
        """Emergency admissions of people at home; those needing (more) care wait in hospital
        (someone already waiting for assessment keeps their place and moves up the queue:
        people in hospital are assessed first)."""
        m, r, p = self.model, self.r, self.model.p
        chance = weekly_probability(p["pathway.hospital_admission_hazard"])
        admitted = self._events("hospital", chance, lambda rows: in_states(
            r.status[rows], (Status.COMMUNITY, Status.QUEUED, *AT_HOME_SUPPORTED)) &
            ~r.in_hospital[rows])
        worse = admitted[self.u("hospital_worse", admitted) <
                         p["pathway.hospital_need_increase_probability"]]
        r.need[worse] = np.minimum(r.need[worse] + 1, 4)
        new = admitted[eligible(r.need[admitted], m.eligibility_threshold) &
                       in_states(r.status[admitted], (Status.COMMUNITY, Status.QUEUED)) &
                       (r.wanted[admitted] == Status.COMMUNITY)]
        fresh = new[r.status[new] == Status.COMMUNITY]  # already queued: keep their place
        r.in_hospital[new] = True
        r.since[fresh] = m.week
        r.status[fresh] = Status.QUEUED
        self.counts["requests"] += fresh.size
        self._review_after_admission(worse[in_states(r.status[worse], AT_HOME_SUPPORTED) &
                                           in_states(r.wanted[worse], AT_HOME_SUPPORTED)])

    def _review_after_admission(self, idx: np.ndarray) -> None:
        """Clients at home whose needs rose in hospital: some now need a care home and wait
        in hospital for it (their care at home stops); the rest go home to a bigger package."""
        r, m = self.r, self.model
        service = choose_service(r.need[idx], r.has_carer[idx], self.u("hospital_home", idx),
                                 self.u("hospital_dp", idx), m.p)
        to_home = in_states(service, (Status.RESIDENTIAL, Status.NURSING))
        moving = idx[to_home]
        r.wanted[moving] = service[to_home]
        r.in_hospital[moving] = True
        r.since[moving] = m.week
        r.status[moving] = Status.COMMUNITY
        r.provider[moving] = NO_PROVIDER
        r.spot[moving] = False
        r.block[moving] = False

    def requests(self) -> None:
        """People with needs and no formal care ask the council, or arrange care themselves."""
        m, r, p = self.model, self.r, self.model.p
        chance = weekly_probability(p["pathway.request_hazard"])
        idx = self._events("requests", chance, lambda rows: (
            r.status[rows] == Status.COMMUNITY) & (r.wanted[rows] == Status.COMMUNITY) &
            (r.blocked_until[rows] <= m.week))
        service = choose_service(r.need[idx], r.has_carer[idx], self.u("request_home", idx),
                                 self.u("request_dp", idx), p)
        service = np.where(service == Status.DIRECT_PAYMENT, Status.HOMECARE, service)
        rich = funding_for(service, r.savings[idx], r.property[idx], r.property_counted[idx],
                           m.charging) == Funding.SELF
        private = rich & (self.u("self_arrange", idx) < p["pathway.self_arrange_probability"]) & \
            eligible(r.need[idx], m.eligibility_threshold)
        r.wanted[idx[private]] = service[private]
        r.since[idx[private]] = m.week
        queued = idx[~private]
        r.status[queued] = Status.QUEUED
        r.since[queued] = m.week
        self.counts["requests"] += queued.size

    def assess(self) -> None:
        """Each council assesses its queue (the people of its districts) in order
        (hospital first), up to this week's capacity."""
        m, r = self.model, self.r
        queue = np.flatnonzero(r.status == Status.QUEUED)
        for council in m.commissioners:
            mine = queue if len(m.commissioners) == 1 else \
                queue[r.council[queue] == council.council]
            order = np.lexsort((r.id[mine], r.since[mine], ~r.in_hospital[mine]))
            taken = mine[order[: int(council.assessments_this_week())]]
            self.counts["assessments"] += taken.size
            ok = eligible(r.need[taken], m.eligibility_threshold)
            self._offer_services(taken[ok], council)
            self._reable_or_signpost(taken[~ok], council)

    def _reable_or_signpost(self, idx: np.ndarray, council) -> None:
        """Not eligible for long-term care: reablement (a prevention service, Care Act s2)
        for needs of at least the minimum while the council's places last, after eligible
        clients; information and advice for the rest."""
        m, r = self.model, self.r
        wants = np.flatnonzero(r.need[idx] >= m.p["pathway.reablement_min_need"])[
            : council.reablement_places_left()]
        self._start_reablement(idx[wants], council)
        rest = np.ones(idx.size, dtype=bool)
        rest[wants] = False
        self._signpost(idx[rest])

    def _start_reablement(self, idx: np.ndarray, council) -> None:
        m, r = self.model, self.r
        council.reablement_started(idx.size)
        r.status[idx] = Status.REABLEMENT
        r.wanted[idx] = Status.REABLEMENT
        r.since[idx] = m.week
        r.in_hospital[idx] = False

    def _signpost(self, idx: np.ndarray) -> None:
        """Not eligible: information and advice, back home, no new request for a while."""
        r, m = self.r, self.model
        r.status[idx] = Status.COMMUNITY
        r.wanted[idx] = Status.COMMUNITY
        r.in_hospital[idx] = False
        r.blocked_until[idx] = m.week + int(m.p["pathway.request_cooldown_weeks"])

    def _offer_services(self, idx: np.ndarray, council) -> None:
        """Choose a service; new community clients get reablement first while the council's
        places last."""
        m, r, p = self.model, self.r, self.model.p
        service = choose_service(r.need[idx], r.has_carer[idx], self.u("assessment_home", idx),
                                 self.u("assessment_dp", idx), p)
        funding = funding_for(service, r.savings[idx], r.property[idx],
                              r.property_counted[idx], m.charging)
        first = np.flatnonzero(in_states(service, HOME_SERVICES))[
            : council.reablement_places_left()]
        self._start_reablement(idx[first], council)
        rest = np.ones(idx.size, dtype=bool)
        rest[first] = False
        self._start_long_term(idx[rest], service[rest], funding[rest])

    def _start_long_term(self, idx, service, funding) -> None:
        """Direct payments start at once (council only); others wait for a placement."""
        r, m = self.r, self.model
        service = np.where((service == Status.DIRECT_PAYMENT) & (funding == Funding.SELF),
                           Status.HOMECARE, service)
        r.wanted[idx] = service
        r.since[idx] = np.where(r.in_hospital[idx], r.since[idx], m.week)  # hospital clock runs on
        dp = idx[service == Status.DIRECT_PAYMENT]
        r.status[dp] = Status.DIRECT_PAYMENT
        r.funding[dp] = Funding.COUNCIL
        r.in_hospital[dp] = False
        waiting = idx[service != Status.DIRECT_PAYMENT]
        r.status[waiting] = np.where(r.status[waiting] == Status.QUEUED, Status.COMMUNITY,
                                     r.status[waiting])

    def end_reablement(self) -> None:
        """Finished episodes: most regain independence; of the rest, those now eligible
        move to long-term care at home and the others get information and advice."""
        m, r, p = self.model, self.r, self.model.p
        done = np.flatnonzero((r.status == Status.REABLEMENT) &
                              (m.week - r.since >= p["pathway.reablement_weeks"]))
        success = self.u("reablement", done) < p["pathway.reablement_success_share"]
        well = done[success]
        r.need[well] = np.maximum(r.need[well] - 1, 1)  # held at low, like other recoveries
        ok = eligible(r.need[done], m.eligibility_threshold)
        self._signpost(done[success | ~ok])
        rest = done[~success & ok]
        u_dp = self.u("reablement_dp", rest)
        service = np.where(u_dp < p["pathway.direct_payment_share"], Status.DIRECT_PAYMENT,
                           Status.HOMECARE).astype(np.int8)
        funding = funding_for(service, r.savings[rest], r.property[rest],
                              r.property_counted[rest], m.charging)
        r.status[rest] = Status.COMMUNITY
        self._start_long_term(rest, service, funding)

    def reviews(self) -> None:
        """People supported at home (extra care included) move on to a care home at a weekly
        hazard by need level (``pathway.care_home_transfer_hazard``), higher without a
        carer."""
        m, r, p = self.model, self.r, self.model.p
        at_home = np.flatnonzero(in_states(r.status, AT_HOME_SUPPORTED) &
                                 in_states(r.wanted, AT_HOME_SUPPORTED))
        table = weekly_probability(p["pathway.care_home_transfer_hazard"][:, None] * np.array(
            [p["pathway.care_home_no_carer_multiplier"], 1.0])[None, :])
        moving = at_home[self.u("reviews", at_home) <
                         table[r.need[at_home], r.has_carer[at_home].astype(int)]]
        r.wanted[moving] = care_home_type(r.need[moving], self.u("reviews_type", moving),
                                          p["pathway.nursing_share_of_critical"])
        r.since[moving] = m.week

    def displace_residents_of(self, rows) -> None:
        """Providers closed (their rows): their residents wait, first in line, for the
        council to re-place them (Care Act s48), keeping their funding. Nobody
        disappears."""
        r, rows = self.r, np.asarray(rows)
        if rows.size == 0:
            return
        gone = np.flatnonzero(r.provider == rows[0] if rows.size == 1 else
                              np.isin(r.provider, rows))
        r.provider[gone] = NO_PROVIDER
        r.status[gone] = Status.COMMUNITY
        r.displaced[gone] = True
        r.block[gone] = False
        r.since[gone] = self.model.week
