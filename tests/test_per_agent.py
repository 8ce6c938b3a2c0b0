"""The per-agent peer (bench/per_agent.py) against the vectorised engine.

The peer runs the resident rules person by person, drawing the engine's keyed random
numbers for each person, so it must give the engine's results exactly (up to a tolerance
far below one person's effect), not merely within sampling error.
"""

import numpy as np
import pytest

from bench import per_agent
from bench.per_agent import PerAgentModel, Resident, simulate_per_agent
from sim.calendar import run_end
from sim.metrics import HEADLINE, INDEX, METRICS
from sim.model import CareMarketModel, simulate
from sim.population import onset_keys
from sim.residents import COLUMNS
from sim.rng import RandomStreams, combine
from sim.runner import replication_seeds
from sim.scenario import load_scenarios

SCALE = 0.02
WEEKS = 104          # two Aprils (weeks 0 and 52)
SEED = 20250401
REPS = 3
SHORT_WEEKS = 26     # for the altered-rule checks
#: One resident changes a headline metric by far more than this (people are counted whole,
#: spend moves by pounds); the two implementations agree to the last bit in practice.
RTOL, ATOL = 1e-9, 1e-6


def assert_same_results(engine: np.ndarray, peer: np.ndarray, label: str = "") -> None:
    """Headline metrics first (clearer message), then every metric, week by week."""
    for name in HEADLINE:
        np.testing.assert_allclose(peer[INDEX[name]], engine[INDEX[name]], rtol=RTOL,
                                   atol=ATOL, err_msg=f"{label} headline metric {name}")
    for i, metric in enumerate(METRICS):
        np.testing.assert_allclose(peer[i], engine[i], rtol=RTOL, atol=ATOL,
                                   err_msg=f"{label} metric {metric.name}")


@pytest.fixture(scope="module")
def seeds():
    return replication_seeds(SEED, REPS)


@pytest.fixture(scope="module")
def engine_short(params, seeds):
    return simulate(params, None, seeds[0], SHORT_WEEKS, SCALE)


def test_peer_matches_engine_over_replications(params, seeds):
    for rep, seed in enumerate(seeds):
        engine = simulate(params, None, seed, WEEKS, SCALE)
        peer = simulate_per_agent(params, None, seed, WEEKS, SCALE)
        assert engine[INDEX["residents_with_needs"]].min() > 1000  # a real county, not empty
        assert_same_results(engine, peer, f"replication {rep}:")
        if not np.array_equal(engine, peer):  # allowed, but worth knowing
            print(f"replication {rep}: equal within tolerance, not bit-identical")


#: Interventions that change residents in shared phases, strong enough at this scale that
#: a slip in the peer shows: TEC flags (set in start_week) cut the hazard that a user's need
#: rises, which the peer's need rule reads; extra care offers before placement; s18(3).
RESIDENT_INTERVENTIONS = """\
name: resident_interventions
label: Strong TEC, extra care and s18(3) from the start (a test)
description: Interventions whose effects reach residents, exaggerated for the test.
interventions:
  - which: technology_enabled_care
    coverage: 1.0
    progression_reduction: 0.9
  - which: extra_care_housing
    units: 3000
    uptake: 1.0
    max_need: 4
  - which: section_18_3
    take_up_per_year: 0.5
"""


@pytest.fixture(scope="module")
def resident_interventions(params, tmp_path_factory):
    file = tmp_path_factory.mktemp("scenarios") / "resident_interventions.yaml"
    file.write_text(RESIDENT_INTERVENTIONS)
    start = params["run.start_date"]
    return load_scenarios([file], params, start, run_end(start, SHORT_WEEKS))[-1]


def test_peer_matches_engine_with_interventions_on_residents(params, seeds,
                                                             resident_interventions):
    engine = simulate(params, resident_interventions, seeds[2], SHORT_WEEKS, SCALE)
    peer = simulate_per_agent(params, resident_interventions, seeds[2], SHORT_WEEKS, SCALE)
    for metric in ("people_with_tec", "people_in_extra_care", "selffunders_council_arranged"):
        assert engine[INDEX[metric]].max() >= 5, metric  # the interventions do act
    assert_same_results(engine, peer, "with interventions:")


def test_the_tec_factor_matters_to_the_check(params, seeds, resident_interventions,
                                              monkeypatch):
    """The check above would catch a peer that forgot TEC users' lower hazard."""
    original = per_agent._WeekRules.__init__

    def forgets_tec(self, model):
        original(self, model)
        self.tec_factor = 1.0

    monkeypatch.setattr(per_agent._WeekRules, "__init__", forgets_tec)
    engine = simulate(params, resident_interventions, seeds[2], SHORT_WEEKS, SCALE)
    peer = simulate_per_agent(params, resident_interventions, seeds[2], SHORT_WEEKS, SCALE)
    with pytest.raises(AssertionError):
        assert_same_results(engine, peer)


def _double_mortality(monkeypatch):
    """The peer's residents die at twice the hazard (the engine is untouched)."""
    original = per_agent._WeekRules.__init__

    def altered(self, model):
        original(self, model)
        p = model.p
        self.die = per_agent.weekly_probability(
            2.0 * p["need.mortality_by_need"][:, None] *
            p["need.mortality_age_multiplier"][None, :]).tolist()

    monkeypatch.setattr(per_agent._WeekRules, "__init__", altered)


def _queue_ignores_hospital(monkeypatch):
    """The peer assesses its queue by waiting time only, forgetting that people in
    hospital go first (a subtle slip: same people, different order)."""
    def altered(self):
        queue = sorted((a for a in self._row_agents if a.status == per_agent.QUEUED),
                       key=lambda a: (a.since, a.id))
        taken = queue[: int(self.commissioner.assessments_this_week())]
        self.pathway.counts["assessments"] += len(taken)
        places = self.commissioner.reablement_places_left()
        for agent in taken:
            if agent.need >= self.rules.threshold:
                places = agent.assessed_eligible(places)
        places = self.commissioner.reablement_places_left()
        for agent in taken:
            if agent.need < self.rules.threshold:
                places = agent.assessed_ineligible(places)

    monkeypatch.setattr(PerAgentModel, "_assess", altered)


@pytest.mark.parametrize("alteration", [_double_mortality, _queue_ignores_hospital])
def test_an_altered_rule_is_detected(params, seeds, engine_short, monkeypatch, alteration):
    alteration(monkeypatch)
    peer = simulate_per_agent(params, None, seeds[0], SHORT_WEEKS, SCALE)
    with pytest.raises(AssertionError):
        assert_same_results(engine_short, peer)


def test_every_resident_row_has_exactly_one_agent(params, seeds):
    engine = CareMarketModel(params, None, seeds[1], 8, SCALE)
    peer = PerAgentModel(params, None, seeds[1], 8, SCALE)
    for _ in range(8):
        engine.step()
        peer.step()
    agents = list(peer.agents_by_type[Resident])
    assert len(agents) == peer.residents.n == engine.residents.n
    assert len({a.key for a in agents}) == len(agents)
    assert sorted(a.key for a in agents) == sorted(engine.residents.key.tolist())
    assert [a.id for a in peer._row_agents] == engine.residents.id.tolist()
    # after reading the shared phases' changes, every agent holds its row exactly
    peer._pull()
    r = peer.residents
    rows = r.rows_of(np.array([a.id for a in agents]))
    for name in COLUMNS:
        held = np.array([getattr(a, name) for a in agents], dtype=COLUMNS[name])
        np.testing.assert_array_equal(held, getattr(r, name)[rows], err_msg=name)
        np.testing.assert_array_equal(getattr(r, name), getattr(engine.residents, name),
                                      err_msg=name)


def test_scalar_random_numbers_are_the_engines():
    seed = replication_seeds(SEED, 2)[1]
    streams = RandomStreams(seed)
    keys = np.array([0, 1, 7, 2**40 + 3, 2**64 - 1], dtype=np.uint64)
    for process in ("need", "hospital", "onset_income"):
        stream = per_agent._ScalarKeyedStream(seed, process)
        for week in (0, 1, 519):
            expected = streams.keyed(process).uniform(keys, week).tolist()
            assert [stream.uniform(int(k), week) for k in keys] == expected
    assert [per_agent._combine(int(a), int(b)) for a, b in zip(keys, keys[::-1])] == \
        combine(keys, keys[::-1]).tolist()
    onsets = np.array([[[0, 2], [1, 0]], [[3, 0], [0, 1]]])
    cells = np.repeat(np.arange(onsets.size), onsets.ravel())
    ks = [k for c in range(onsets.size) for k in range(onsets.ravel()[c])]
    assert [per_agent._combine(((5 + 1) << 32) | int(c), k) for c, k in zip(cells, ks)] == \
        onset_keys(onsets, 5).tolist()


def test_speed_ratio_reports_rates(params):
    result = per_agent.speed_ratio(scale=SCALE, weeks=3, seed=1, params=params)
    assert result["identical"]
    for side in ("engine", "per_agent"):
        assert result[side]["resident_weeks"] > 0
        assert result[side]["resident_weeks_per_s"] > 0
    assert result["ratio"] > 0 and result["rule_ratio"] > 0
