"""A plain per-agent peer of the vectorised engine: each resident a ``mesa.Agent``.

``PerAgentModel`` is a ``CareMarketModel`` whose resident rules are written again, person
by person, as plain Python on ``Resident`` agents (no numpy inside the rules), so that the
vectorised engine in ``sim/`` can be checked against a straightforward transcription of the
same rules, and its speed measured against it (``speed_ratio``).

**Per agent.** Each week, after ``start_week``:

1. ``Resident.step`` (every resident, via ``AgentSet.do``): the person's week up to
   assessment --

   - ``live``: a week older; one keyed uniform decides death, a rise in need (slower for
     TEC users) or a fall; someone whose need ends while receiving and wanting nothing
     rejoins the population counts, anyone else is held at low (``CareMarketModel``
     ``demography``, ``_need_events``, ``_apply_need_changes``);
   - ``admission``: emergency admission of someone at home, need rising in hospital,
     waiting in hospital for assessment, the review after admission of a client at home
     (``Pathway.hospital_admissions``, ``_review_after_admission``);
   - ``ask_for_help``: asking the council, or arranging care privately
     (``Pathway.requests``).

   ``Resident.arrive`` makes each of the week's onsets a new resident -- key, need level,
   age, wealth, income, home disregard, carer (``onset_keys``, ``add_residents``) -- who
   then has ``admission`` and ``ask_for_help``.
2. Assessment (``Pathway.assess``, ``_offer_services``, ``_reable_or_signpost``,
   ``_start_reablement``, ``_signpost``, ``_start_long_term``): for each council (one in
   the default county), the model sorts the council's queue (its residents; in hospital
   first, then by waiting time, then id) and takes this week's number; each assessed
   resident then chooses its service or is reabled or signposted
   (``Resident.assessed_eligible``, ``assessed_ineligible``), eligible people first, in
   queue order, while the council's reablement places last.
3. ``Resident.after_assessment`` (every resident): ``end_reablement``
   (``Pathway.end_reablement``), then ``review`` for a care home (``Pathway.reviews``).

The engine runs each rule for everyone before the next rule; the peer runs a person's rules
one after another. That is the same thing because each of these rules reads and writes only
the person's own state, the week's parameters and counters (deaths, requests, population
counts, to which it adds 1); the one rule that depends on others, assessment, runs as a
separate pass after everyone's requests and before anyone's end of reablement, as in the
engine.

**Shared with the engine** (its own code, run on the resident table): ``start_week``
(calendar, April, dated changes, interventions' weekly steps, block contracts, rations);
the population counts' ageing, deaths and new 65-year-olds (``Population.age_and_die``);
the onset count per population cell (``Population.draw_onsets``: one Poisson draw per
cell, a collective allocation; the people it creates are made per agent); each council's
weekly rations of assessments and reablement (``Commissioner``); the interventions' phase
hooks;
placement; care delivery, money, spend-down and hand-backs; the provider market; the
workforce; metrics.

**Sync.** The ``ResidentTable`` stays the engine's ledger, with its rows in the engine's
order (leavers are removed with ``ResidentTable.remove``, onsets appended), so the shared
phases see the same rows in the same order as in the engine, and sum money in the same
order. At the start of ``demography`` agents read what the shared phases (last week's and
``start_week``) changed in their rows, found by comparing each column with what the agents
last wrote (``_pull``); at the end of ``requests_and_assessment`` they write back the
attributes their rules change (``WRITTEN``, ``_push``). Both are column-wise, outside the
rules; ``speed_ratio`` reports their time.

**Random numbers.** A resident draws ``model.draw(process, key)``: the engine's keyed
uniform for (seed, process, week, key), computed for one key in plain integer arithmetic
(``_ScalarKeyedStream``, checked against ``CareMarketModel.uniform`` when each stream is
first used). Parameter lookups (weekly probabilities by need and age band, and so on) are
computed once a week with the engine's own functions (``_WeekRules``) and read by the
agents as Python lists; new residents' wealth and age use numpy's ``exp``/``log1p`` and
scipy's ``ndtri`` on single numbers, the elementary functions the engine applies to arrays
(Python's ``math`` versions may differ in the last bit on some CPUs). So the peer
reproduces the engine's results exactly (``tests/test_per_agent.py``).
"""

from __future__ import annotations

import time
import zlib
from bisect import bisect_right
from operator import attrgetter

import mesa
import numpy as np
from scipy.special import ndtri

from sim.calendar import WEEKS_PER_YEAR
from sim.dims import AGE_BAND_WIDTH_YEARS, FIRST_AGE
from sim.metrics import INDEX
from sim.model import CareMarketModel
from sim.parameters import Parameters
from sim.population import weekly_probability
from sim.residents import COLUMNS, Funding, Status
from sim.runner import replication_seeds
from sim.scenario import Scenario

# --- short names for the codes used in the per-person rules ---------------------------
COMMUNITY = int(Status.COMMUNITY)
QUEUED = int(Status.QUEUED)
REABLEMENT = int(Status.REABLEMENT)
HOMECARE = int(Status.HOMECARE)
RESIDENTIAL = int(Status.RESIDENTIAL)
NURSING = int(Status.NURSING)
DIRECT_PAYMENT = int(Status.DIRECT_PAYMENT)
EXTRA_CARE = int(Status.EXTRA_CARE)
COUNCIL = int(Funding.COUNCIL)
UNDECIDED = int(Funding.UNDECIDED)
NO_PROVIDER = -1
CRITICAL = 4
AT_HOME_SUPPORTED = frozenset((HOMECARE, DIRECT_PAYMENT, EXTRA_CARE))
AT_HOME = frozenset((COMMUNITY, QUEUED)) | AT_HOME_SUPPORTED  # may be admitted to hospital
CARE_HOME = frozenset((RESIDENTIAL, NURSING))
HOME_SERVICES = frozenset((HOMECARE, DIRECT_PAYMENT))

#: Columns an agent holds (``id`` and ``key`` never change and are set once).
STATE = tuple(name for name in COLUMNS if name not in ("id", "key"))
#: Columns the per-agent rules change (``_push`` writes these; new agents are added whole).
WRITTEN = ("age", "need", "status", "wanted", "provider", "spot", "block", "funding",
           "since", "in_hospital", "blocked_until")
YEARS_PER_WEEK = 1.0 / WEEKS_PER_YEAR

# --- the engine's keyed uniforms (sim/rng.py), one key at a time -----------------------
_MASK = (1 << 64) - 1
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_GOLDEN = 0x9E3779B97F4A7C15
_TO_UNIT = 1.0 / float(1 << 53)


def _mix64(x: int) -> int:
    """SplitMix64 finaliser on a Python int (``sim.rng.mix64`` for one word)."""
    x ^= x >> 30
    x = (x * _M1) & _MASK
    x ^= x >> 27
    x = (x * _M2) & _MASK
    return x ^ (x >> 31)


def _combine(a: int, b: int) -> int:
    """``sim.rng.combine`` for one pair."""
    return _mix64(((a * _GOLDEN) & _MASK) ^ _mix64((b + _GOLDEN) & _MASK))


class _ScalarKeyedStream:
    """``sim.rng.KeyedStream.uniform`` for a single key, in integer arithmetic."""

    __slots__ = ("k1", "k2", "week", "week_word")

    def __init__(self, seed: np.random.SeedSequence, name: str):
        child = np.random.SeedSequence(
            entropy=seed.entropy, spawn_key=(*seed.spawn_key, zlib.crc32(name.encode()), 1))
        k1, k2 = (int(w) for w in child.generate_state(2, dtype=np.uint64))
        self.k1, self.k2, self.week, self.week_word = k1, k2, -1, 0

    def uniform(self, key: int, week: int) -> float:
        """mix64(mix64(key ^ k1) ^ mix64(week * golden + k2)), as a uniform in (0, 1)."""
        if week != self.week:
            self.week = week
            self.week_word = _mix64((week * _GOLDEN + self.k2) & _MASK)
        x = key ^ self.k1  # two rounds of _mix64, written out (this is the hot path)
        x ^= x >> 30
        x = (x * _M1) & _MASK
        x ^= x >> 27
        x = (x * _M2) & _MASK
        x ^= (x >> 31) ^ self.week_word
        x ^= x >> 30
        x = (x * _M1) & _MASK
        x ^= x >> 27
        x = (x * _M2) & _MASK
        x ^= x >> 31
        return ((x >> 11) + 0.5) * _TO_UNIT


# --- the week's parameter lookups ------------------------------------------------------
class _WeekRules:
    """Parameter tables the residents read this week, as nested Python lists (computed
    with the engine's functions, so the numbers are the engine's)."""

    def __init__(self, model: CareMarketModel):
        p = model.p
        die = weekly_probability(p["need.mortality_by_need"][:, None] *
                                 p["need.mortality_age_multiplier"][None, :])
        rise = weekly_probability(p["need.progression_hazard"][:, None] *
                                  p["need.progression_age_multiplier"][None, :])
        rise[-1] = 0.0
        self.die, self.rise = die.tolist(), rise.tolist()
        self.fall = weekly_probability(p["need.recovery_hazard"]).tolist()
        self.tec_factor = float(model.levers.tec_progression_factor)
        self.n_bands = len(self.die[0])
        self.hospital = weekly_probability(p["pathway.hospital_admission_hazard"]).tolist()
        self.hospital_worse = float(p["pathway.hospital_need_increase_probability"])
        self.request = weekly_probability(p["pathway.request_hazard"]).tolist()
        self.self_arrange = float(p["pathway.self_arrange_probability"])
        self.care_home_probability = p["pathway.care_home_probability"].tolist()
        self.no_carer_multiplier = float(p["pathway.care_home_no_carer_multiplier"])
        self.direct_payment_share = float(p["pathway.direct_payment_share"])
        self.nursing_share = float(p["pathway.nursing_share_of_critical"])
        self.threshold = model.eligibility_threshold
        self.upper_limit = float(model.charging.upper_limit)
        self.reablement_min_need = p["pathway.reablement_min_need"]
        self.cooldown = int(p["pathway.request_cooldown_weeks"])
        self.reablement_weeks = p["pathway.reablement_weeks"]
        self.reablement_success = float(p["pathway.reablement_success_share"])
        self.transfer = weekly_probability(
            p["pathway.care_home_transfer_hazard"][:, None] *
            np.array([p["pathway.care_home_no_carer_multiplier"], 1.0])[None, :]).tolist()
        # new residents
        self.onset_level_cumulative = np.cumsum(p["need.onset_level_shares"]).tolist()
        self.affluence = p["county.affluence"].tolist()
        self.district_council = p["county.district_council"].tolist()
        self.home_ownership = p["wealth.home_ownership"].tolist()
        self.property_median = p["wealth.property_value_median"]
        self.property_spread = p["wealth.property_value_spread"]
        self.no_savings_share = p["wealth.no_savings_share"]
        self.savings_median = p["wealth.savings_median"]
        self.savings_spread = p["wealth.savings_spread"]
        self.income_median = p["wealth.income_median"]
        self.income_spread = p["wealth.income_spread"]
        self.oldest_mean = p["demography.oldest_band_mean_years_over"]
        self.disregard_share = p["charging.property_disregard_share"]
        self.carer_probability = p["unpaid_care.carer_probability"].tolist()


def _age_band(age: float, n_bands: int) -> int:
    """``sim.population.age_band_of`` for one age."""
    return min(int(max(age - FIRST_AGE, 0.0) * (1.0 / AGE_BAND_WIDTH_YEARS)), n_bands - 1)


# --- the agent -------------------------------------------------------------------------
class Resident(mesa.Agent):
    """A person aged 65+ with care needs; attributes are the resident table's columns."""

    def __init__(self, model: PerAgentModel, resident_id: int, key: int, **state):
        super().__init__(model)
        self.id = resident_id
        self.key = key
        self.__dict__.update(state)

    # shorthands
    def draw(self, process: str) -> float:
        return self.model.draw(process, self.key)

    # --- the week, up to assessment ----------------------------------------------------
    def step(self) -> None:
        """The person's week before assessment: older, then death or a change in need;
        if still a resident, maybe an emergency admission, then maybe a request."""
        if self.live():
            self.admission()
            self.ask_for_help()

    def live(self) -> bool:
        """A week older; then one uniform decides death, a rise in need or a fall. Returns
        False if the person leaves (dies, or their needs end while receiving and wanting
        nothing: they rejoin the population counts); anyone else whose need falls to none
        is held at low."""
        m = self.model
        w = m.rules
        self.age += YEARS_PER_WEEK
        band = _age_band(self.age, w.n_bands)
        u = self.draw("need")
        p_die = w.die[self.need][band]
        if u < p_die:
            m.deaths += 1
            m.leavers.append(self)
            return False
        p_rise = p_die + w.rise[self.need][band] * (w.tec_factor if self.tec else 1.0)
        if u < p_rise:
            self.need += 1
        elif u < p_rise + w.fall[self.need]:
            self.need -= 1
            if self.need == 0:
                if self.status == COMMUNITY and self.wanted == COMMUNITY:
                    m.population.counts[self.district, band, self.sex] += 1.0
                    m.recovered += 1
                    m.leavers.append(self)
                    return False
                self.need = 1
        return True

    @classmethod
    def arrive(cls, model: PerAgentModel, resident_id: int, key: int, district: int,
               band: int, sex: int) -> Resident:
        """A new resident from this week's onsets: need level, age, wealth, income and
        carer from the person's own keyed draws."""
        w = model.rules

        def draw(name: str) -> float:
            return model.draw("onset_" + name, key)

        need = bisect_right(w.onset_level_cumulative, model.draw("onset_level", key))
        affluence = w.affluence[district]
        prop = 0.0
        if draw("owner") < w.home_ownership[band]:
            prop = float(w.property_median * affluence *
                         np.exp(w.property_spread * ndtri(draw("property"))))
        savings = 0.0
        if draw("has_savings") >= w.no_savings_share:
            savings = float(w.savings_median * affluence *
                            np.exp(w.savings_spread * ndtri(draw("savings"))))
        income = float(w.income_median * np.exp(w.income_spread * ndtri(draw("income"))))
        low = FIRST_AGE + AGE_BAND_WIDTH_YEARS * float(band)
        u_age = draw("age")
        if band == w.n_bands - 1:
            age = low + float(-np.log1p(-u_age)) * w.oldest_mean
        else:
            age = low + u_age * AGE_BAND_WIDTH_YEARS
        return cls(model, resident_id, key, district=district,
                   council=w.district_council[district], sex=sex, age=age, need=need,
                   savings=savings, property=prop,
                   property_counted=draw("property_counted") >= w.disregard_share,
                   income=income, has_carer=draw("carer") < w.carer_probability[band],
                   funding=UNDECIDED, status=COMMUNITY, wanted=COMMUNITY,
                   provider=NO_PROVIDER, spot=False, block=False, topup=False, since=0,
                   in_hospital=False, displaced=False, tec=False, arranged=False,
                   blocked_until=0)

    def admission(self) -> None:
        """Emergency admission of someone at home; needs may rise. Someone with no
        service and now eligible waits in hospital for assessment; a client at home whose
        needs rose is reviewed and may wait in hospital for a care home."""
        m = self.model
        w = m.rules
        if self.in_hospital or self.status not in AT_HOME:
            return
        if self.draw("hospital") >= w.hospital[self.need]:
            return
        worse = self.draw("hospital_worse") < w.hospital_worse
        if worse:
            self.need = min(self.need + 1, CRITICAL)
        if (self.need >= w.threshold and self.status in (COMMUNITY, QUEUED)
                and self.wanted == COMMUNITY):
            self.in_hospital = True
            if self.status == COMMUNITY:  # already queued: keep their place
                self.since = m.week
                self.status = QUEUED
                m.pathway.counts["requests"] += 1
        if worse and self.status in AT_HOME_SUPPORTED and self.wanted in AT_HOME_SUPPORTED:
            service = self.choose_service("hospital_home", "hospital_dp")
            if service in CARE_HOME:
                self.wanted = service
                self.in_hospital = True
                self.since = m.week
                self.status = COMMUNITY
                self.provider = NO_PROVIDER
                self.spot = False
                self.block = False

    # --- pathway rules -----------------------------------------------------------------
    def care_home_type(self, u: float) -> int:
        """Nursing for the share of critical needs that need a nurse, else residential."""
        if self.need >= CRITICAL and u < self.model.rules.nursing_share:
            return NURSING
        return RESIDENTIAL

    def choose_service(self, home_process: str, dp_process: str) -> int:
        """A care home (likelier without a carer), else a direct payment for a share of
        people, else homecare (``pathway.choose_service``)."""
        w = self.model.rules
        u_home, u_dp = self.draw(home_process), self.draw(dp_process)
        p_home = w.care_home_probability[self.need] * (
            1.0 if self.has_carer else w.no_carer_multiplier)
        if u_home < p_home:
            return self.care_home_type(u_home / max(p_home, 1e-12))
        return DIRECT_PAYMENT if u_dp < w.direct_payment_share else HOMECARE

    def self_funder_for(self, service: int) -> bool:
        """Means test for a service: the home counts only for a care home."""
        capital = self.savings + (self.property if service in CARE_HOME and
                                  self.property_counted else 0.0)
        return capital > self.model.rules.upper_limit

    def ask_for_help(self) -> None:
        """With needs, no service and none wanted: ask the council, or, if rich enough
        and eligible, arrange care privately."""
        m = self.model
        w = m.rules
        if (self.status != COMMUNITY or self.wanted != COMMUNITY
                or self.blocked_until > m.week):
            return
        if self.draw("requests") >= w.request[self.need]:
            return
        service = self.choose_service("request_home", "request_dp")
        if service == DIRECT_PAYMENT:
            service = HOMECARE
        if (self.self_funder_for(service) and self.draw("self_arrange") < w.self_arrange
                and self.need >= w.threshold):
            self.wanted = service
            self.since = m.week
        else:
            self.status = QUEUED
            self.since = m.week
            m.pathway.counts["requests"] += 1

    def start_reablement(self) -> None:
        self.model.commissioners[self.council].reablement_started(1)
        self.status = REABLEMENT
        self.wanted = REABLEMENT
        self.since = self.model.week
        self.in_hospital = False

    def signpost(self) -> None:
        """Information and advice: home, nothing wanted, no new request for a while."""
        self.status = COMMUNITY
        self.wanted = COMMUNITY
        self.in_hospital = False
        self.blocked_until = self.model.week + self.model.rules.cooldown

    def start_long_term(self, service: int, self_funded: bool) -> None:
        """A direct payment starts at once (council-funded only: a self-funder's becomes
        homecare); otherwise wait for a placement (the hospital clock runs on)."""
        if service == DIRECT_PAYMENT and self_funded:
            service = HOMECARE
        self.wanted = service
        if not self.in_hospital:
            self.since = self.model.week
        if service == DIRECT_PAYMENT:
            self.status = DIRECT_PAYMENT
            self.funding = COUNCIL
            self.in_hospital = False
        elif self.status == QUEUED:
            self.status = COMMUNITY

    def assessed_eligible(self, reablement_places: int) -> int:
        """Eligible at assessment: a service is chosen; new community clients start
        reablement while places last. Returns the places left."""
        service = self.choose_service("assessment_home", "assessment_dp")
        if service in HOME_SERVICES and reablement_places > 0:
            self.start_reablement()
            return reablement_places - 1
        self.start_long_term(service, self.self_funder_for(service))
        return reablement_places

    def assessed_ineligible(self, reablement_places: int) -> int:
        """Not eligible: reablement (prevention) for needs of at least the minimum while
        places last, else information and advice. Returns the places left."""
        if self.need >= self.model.rules.reablement_min_need and reablement_places > 0:
            self.start_reablement()
            return reablement_places - 1
        self.signpost()
        return reablement_places

    def after_assessment(self) -> None:
        """The rest of the person's pathway week: the end of a reablement episode, then a
        review of care at home."""
        self.end_reablement()
        self.review()

    def end_reablement(self) -> None:
        """After the episode: most regain independence (need one level lower, not below
        low); of the rest, the eligible go on to care at home, the others are signposted."""
        m = self.model
        w = m.rules
        if self.status != REABLEMENT or m.week - self.since < w.reablement_weeks:
            return
        success = self.draw("reablement") < w.reablement_success
        if success:
            self.need = max(self.need - 1, 1)
        if success or self.need < w.threshold:
            self.signpost()
            return
        service = DIRECT_PAYMENT if self.draw("reablement_dp") < w.direct_payment_share \
            else HOMECARE
        self.status = COMMUNITY
        self.start_long_term(service, self.self_funder_for(service))

    def review(self) -> None:
        """Supported at home and wanting nothing else: reassessed for a care home."""
        m = self.model
        if self.status not in AT_HOME_SUPPORTED or self.wanted not in AT_HOME_SUPPORTED:
            return
        if self.draw("reviews") < m.rules.transfer[self.need][int(self.has_carer)]:
            self.wanted = self.care_home_type(self.draw("reviews_type"))
            self.since = m.week


# --- the model -------------------------------------------------------------------------
class PerAgentModel(CareMarketModel):
    """The engine with its resident rules run per agent (see the module docstring)."""

    def __init__(self, params: Parameters, scenario: Scenario | None = None,
                 seed: np.random.SeedSequence | int = 0, weeks: int | None = None,
                 scale: float = 1.0):
        super().__init__(params, scenario, seed, weeks, scale)
        self._draws: dict[str, _ScalarKeyedStream] = {}
        self.timings = {"pull": 0.0, "push": 0.0}
        self.leavers: list[Resident] = []
        r = self.residents
        self._by_id: dict[int, Resident] = {}
        columns = {name: getattr(r, name).tolist() for name in STATE}
        for row, (rid, key) in enumerate(zip(r.id.tolist(), r.key.tolist())):
            agent = Resident(self, rid, key, **{name: columns[name][row] for name in STATE})
            self._by_id[rid] = agent
        self._row_agents = [self._by_id[i] for i in r.id.tolist()]
        self._snapshot()

    @property
    def resident_agents(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[Resident]

    def draw(self, process: str, key: int) -> float:
        """This week's keyed uniform of ``process`` for one key (as ``uniform``)."""
        stream = self._draws.get(process)
        if stream is None:
            stream = self._draws[process] = _ScalarKeyedStream(self.streams.seed, process)
            probe = np.array([0, 1, 2**63 + 12345], dtype=np.uint64)
            expected = self.uniform(process, probe).tolist()
            if [stream.uniform(int(k), self.week) for k in probe] != expected:
                raise RuntimeError(f"keyed stream {process!r}: the per-agent draw no longer "
                                   "matches sim.rng; update bench/per_agent.py")
        return stream.uniform(key, self.week)

    # --- sync with the resident table --------------------------------------------------
    def _snapshot(self) -> None:
        """The table as the agents left it (what ``_pull`` compares against)."""
        r = self.residents
        self._pushed = {name: getattr(r, name).copy() for name in STATE}

    def _pull(self) -> None:
        """Agents read what the shared phases changed in their rows since the last push
        (found by comparing each column with its state at the push)."""
        started = time.perf_counter()
        r, agents = self.residents, self._row_agents
        if r.n != len(agents):
            raise RuntimeError("the resident table changed size outside demography")
        for name in STATE:
            column = getattr(r, name)
            changed = np.flatnonzero(column != self._pushed[name])
            for row, value in zip(changed.tolist(), column[changed].tolist()):
                setattr(agents[row], name, value)
        self.timings["pull"] += time.perf_counter() - started

    def _push(self) -> None:
        """Agents write the attributes their rules change to their rows, in row order."""
        started = time.perf_counter()
        r, agents = self.residents, self._row_agents
        for name in WRITTEN:
            getattr(r, name)[:] = np.fromiter(map(attrgetter(name), agents),
                                              dtype=COLUMNS[name], count=len(agents))
        self._snapshot()
        self.timings["push"] += time.perf_counter() - started

    # --- phases ------------------------------------------------------------------------
    def demography(self) -> None:
        """Counts age and die (shared); each resident's week up to assessment
        (``Resident.step``); onset counts per cell (shared) become new resident agents,
        who then live the same week from admission on."""
        self._pull()
        self.rules = _WeekRules(self)
        self.population.age_and_die(self.p, self.district_shares)
        self.deaths = self.recovered = 0
        self.leavers = []
        self.resident_agents.do("step")
        self._remove(self.leavers)
        for agent in self._onsets():
            agent.admission()
            agent.ask_for_help()
        if self.working_age is not None:  # vectorised in both (not a per-agent rule here)
            self.working_age.demography_phase()

    def _remove(self, leavers: list[Resident]) -> None:
        """Dead and recovered residents leave the table (as the engine removes rows, so
        rows keep the engine's order) and the model."""
        r = self.residents
        if leavers:
            leaving = np.zeros(r.n, dtype=bool)
            leaving[r.rows_of(np.array([a.id for a in leavers], dtype=np.int64))] = True
            r.remove(leaving)
            for agent in leavers:
                del self._by_id[agent.id]
                agent.remove()
            self._row_agents = [self._by_id[i] for i in r.id.tolist()]
        self.leavers = []

    def _onsets(self) -> list[Resident]:
        """The week's onset count per population cell (shared, a collective draw); each
        onset becomes a resident agent with its own draws, appended to the table."""
        r = self.residents
        cells = np.arange(self.population.counts.size)
        onsets = self.population.draw_onsets(self.p["need.onset_hazard"],
                                             self.uniform("onset", cells))
        _, n_bands, n_sexes = onsets.shape
        new, next_id = [], r.next_id
        for cell, count in enumerate(onsets.ravel().tolist()):
            if not count:
                continue
            district, band, sex = cell // (n_bands * n_sexes), (cell // n_sexes) % n_bands, \
                cell % n_sexes
            for k in range(count):
                key = _combine(((self.week + 1) << 32) | cell, k)
                agent = Resident.arrive(self, next_id, key, district, band, sex)
                self._by_id[next_id] = agent
                new.append(agent)
                next_id += 1
        self.arrivals = len(new)
        if new:
            rows = r.add(len(new), key=np.array([a.key for a in new], dtype=np.uint64),
                         **{name: np.array([getattr(a, name) for a in new],
                                           dtype=COLUMNS[name]) for name in STATE})
            if r.id[rows][0] != new[0].id or r.id[rows][-1] != new[-1].id:
                raise RuntimeError("resident ids out of step with the table")
            self._row_agents.extend(new)
        return new

    def requests_and_assessment(self) -> None:
        """Assessment of the queue in order up to capacity (requests were made in each
        resident's ``step``), then the end of reablement and reviews
        (``Resident.after_assessment``); agents then write their rows for the shared
        phases."""
        self._assess()
        self.resident_agents.do("after_assessment")
        self._push()

    def _assess(self) -> None:
        """Each council's queue (the residents of its districts) in order (in hospital
        first, then by ``since``, then id), up to its assessments this week; the eligible
        are offered services first (reablement while the council's places last), then the
        ineligible are reabled or signposted."""
        threshold = self.rules.threshold
        for council in self.commissioners:
            queue = [a for a in self._row_agents
                     if a.status == QUEUED and a.council == council.council]
            queue.sort(key=lambda a: (not a.in_hospital, a.since, a.id))
            taken = queue[: int(council.assessments_this_week())]
            self.pathway.counts["assessments"] += len(taken)
            places = council.reablement_places_left()
            for agent in taken:
                if agent.need >= threshold:
                    places = agent.assessed_eligible(places)
            places = council.reablement_places_left()
            for agent in taken:
                if agent.need < threshold:
                    places = agent.assessed_ineligible(places)


def simulate_per_agent(params: Parameters, scenario: Scenario | None,
                       seed: np.random.SeedSequence | int, weeks: int | None = None,
                       scale: float = 1.0) -> np.ndarray:
    """One replication of the per-agent peer; weekly metrics (metric x week), not scaled
    back, as ``sim.model.simulate``."""
    model = PerAgentModel(params, scenario, seed, weeks, scale)
    model.run()
    return model.recorder.data


# --- speed -----------------------------------------------------------------------------
#: The engine's phases (``CareMarketModel.phases``) that hold the rules the peer runs per
#: agent.
RULE_PHASES = ("demography", "pathway")


def _time_one(cls, params: Parameters, seed, weeks: int, scale: float
              ) -> tuple[dict, np.ndarray]:
    """Build and run one replication; its timings (whole, and by phase) and metrics."""
    started = time.perf_counter()
    model = cls(params, None, seed, weeks, scale)
    model.phase_seconds = {}
    model.run()
    wall = time.perf_counter() - started
    data = model.recorder.data
    resident_weeks = float(np.sum(data[INDEX["residents_with_needs"]]))
    rule_s = sum(model.phase_seconds[name] for name in RULE_PHASES)
    out = {"wall_s": wall, "rule_s": rule_s, "resident_weeks": resident_weeks,
           "resident_weeks_per_s": resident_weeks / wall,
           "rule_resident_weeks_per_s": resident_weeks / rule_s,
           "phase_s": dict(model.phase_seconds)}
    if isinstance(model, PerAgentModel):
        out["pull_s"], out["push_s"] = model.timings["pull"], model.timings["push"]
    return out, data


def speed_ratio(scale: float = 0.1, weeks: int = WEEKS_PER_YEAR, seed: int = 0,
                params: Parameters | None = None) -> dict:
    """Time one replication of the baseline with the engine and with the per-agent peer.

    Resident-weeks are the weekly ``residents_with_needs`` summed over weeks (unscaled).
    Returns each one's wall seconds and resident-weeks per second for the whole
    replication (``engine``, ``per_agent``), the same for the resident rules alone (the
    phases ``RULE_PHASES``, ``rule_s``; the peer's include its sync with the table,
    ``pull_s`` and ``push_s``), seconds by phase (``phase_s``), the ratios (``ratio``:
    whole replication, engine rate / peer rate; ``rule_ratio``: resident rules only), and
    whether the two gave identical metrics (``identical``).
    """
    from sim.parameters import load_parameters

    params = params or load_parameters()
    sequence = replication_seeds(seed, 1)[0]
    engine, engine_data = _time_one(CareMarketModel, params, sequence, weeks, scale)
    peer, peer_data = _time_one(PerAgentModel, params, sequence, weeks, scale)
    return {"scale": scale, "weeks": weeks, "seed": seed, "engine": engine,
            "per_agent": peer,
            "ratio": engine["resident_weeks_per_s"] / peer["resident_weeks_per_s"],
            "rule_ratio": peer["rule_s"] / engine["rule_s"],
            "identical": bool(np.array_equal(engine_data, peer_data))}


if __name__ == "__main__":  # python -m bench.per_agent [scale] [weeks]
    import json
    import sys

    args = sys.argv[1:]
    result = speed_ratio(float(args[0]) if args else 0.1,
                         int(args[1]) if len(args) > 1 else WEEKS_PER_YEAR)
    print(json.dumps(result, indent=2))
