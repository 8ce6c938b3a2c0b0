"""The weekly invariants (``sim.invariants``): they hold on the real model, change nothing,
and each fails, with a message naming the week and the numbers, when the state is
corrupted on purpose in the phase where such a bug would sit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.invariants import ENV_VAR, InvariantError, checking
from sim.model import CareMarketModel, simulate_arrays
from sim.providers import Setting
from sim.residents import CARE_HOME, NO_PROVIDER, Status, in_states
from sim.working_age import WASetting

SCALE = 0.03  # a few dozen providers, a couple of thousand residents: milliseconds a week
WEEKS = 8


@pytest.fixture
def model(params):
    """A small model, checked, two weeks in (so every phase has run with real state)."""
    m = CareMarketModel(params, seed=5, weeks=WEEKS, scale=SCALE, check=True)
    m.step()
    m.step()
    return m


def after_phase(model, name: str, corrupt) -> None:
    """Make phase ``name`` of the model run as usual, then call ``corrupt(model)``."""
    phases = dict(model.phases())
    attr = {"demography": "demography", "care_and_money": "deliver_care",
            "market": "exit_and_entry", "metrics": "record"}[name]
    original = phases[name]

    def corrupted():
        original()
        corrupt(model)

    setattr(model, attr, corrupted)


def step_fails(model, *fragments: str) -> str:
    """Step once; the checker must raise, naming the week, its date and ``fragments``."""
    week = model.week
    with pytest.raises(InvariantError) as caught:
        model.step()
    message = str(caught.value)
    assert message.startswith(f"week {week} ({model.dates[week].isoformat()}): "), message
    for fragment in fragments:
        assert fragment in message, message
    return message


def rows_with(model, *statuses) -> np.ndarray:
    return np.flatnonzero(in_states(model.residents.status, statuses))


# --- the switch and the real model ---------------------------------------------------
def test_the_switch_follows_the_argument_else_the_environment(monkeypatch, params):
    monkeypatch.setenv(ENV_VAR, "1")
    assert checking(None) and not checking(False)
    assert CareMarketModel(params, seed=1, weeks=2, scale=0.01).invariants is not None
    monkeypatch.setenv(ENV_VAR, "0")
    assert not checking(None) and checking(True)
    assert CareMarketModel(params, seed=1, weeks=2, scale=0.01).invariants is None
    monkeypatch.delenv(ENV_VAR)
    assert not checking(None)


def test_checked_and_unchecked_runs_are_bit_identical(params):
    checked = simulate_arrays(params, None, 7, weeks=26, scale=SCALE, check=True)
    plain = simulate_arrays(params, None, 7, weeks=26, scale=SCALE, check=False)
    assert checked.keys() == plain.keys()
    for name in checked:
        np.testing.assert_array_equal(checked[name], plain[name], err_msg=name)


def test_the_real_model_keeps_every_invariant(model):
    while model.week < model.weeks:
        model.step()  # raises InvariantError if one fails


# --- people ----------------------------------------------------------------------------
def test_a_resident_lost_without_being_counted_breaks_conservation(model):
    def lose_one(m):
        gone = np.zeros(m.residents.n, dtype=bool)
        gone[0] = True
        m.residents.remove(gone)

    after_phase(model, "market", lose_one)
    step_fails(model, "people are conserved", "deaths", "recovered")


def test_a_death_counted_twice_breaks_conservation(model):
    def count_twice(m):
        m.deaths += 1

    after_phase(model, "demography", count_twice)
    message = step_fails(model, "people are conserved")
    assert f"found {model.residents.n}" in message


def test_a_resident_swapped_after_demography_is_caught(model):
    """One resident removed and another added in the market phase: the count still adds
    up, but residents may only come and go in demography."""
    def swap(m):
        gone = np.zeros(m.residents.n, dtype=bool)
        gone[0] = True
        m.residents.remove(gone)
        m.residents.add(1, key=np.uint64(12345), need=1)

    after_phase(model, "market", swap)
    step_fails(model, "residents come and go only in demography", "rows whose resident")


def test_an_unknown_status_code_is_named_with_its_row(model):
    def bad_code(m):
        m.residents.status[3] = 42

    after_phase(model, "market", bad_code)
    step_fails(model, "every resident has a known status", "row 3", "42 (unknown)")


def test_a_removed_resident_left_in_the_index_is_caught(model):
    def stale_index(m):
        r = m.residents
        dead = np.flatnonzero(r._row_of_id[: r.next_id] < 0)[0]
        r._row_of_id[dead] = 0  # a removed resident still finds a row

    after_phase(model, "market", stale_index)
    step_fails(model, "only living residents have a row")


# --- places ------------------------------------------------------------------------------
def test_a_resident_in_a_second_provider_is_caught(model):
    """A care home resident also pointed at a homecare agency (one provider column: the
    second place overwrites the first, and the setting no longer matches the status)."""
    def second_provider(m):
        r, t = m.residents, m.providers
        row = rows_with(m, *CARE_HOME)[0]
        r.provider[row] = np.flatnonzero(t.mask(Setting.HOMECARE))[0]

    after_phase(model, "market", second_provider)
    step_fails(model, "provider gives that service", "status ", "provider ")


def test_a_direct_payment_with_a_provider_is_caught(model):
    def also_placed(m):
        row = rows_with(m, Status.DIRECT_PAYMENT)[0]
        m.residents.provider[row] = m.residents.provider[rows_with(m, Status.HOMECARE)[0]]

    after_phase(model, "market", also_placed)
    step_fails(model, "has a provider if and only if in a placed service", "DIRECT_PAYMENT")


def test_a_resident_in_hospital_and_a_care_home_is_caught(model):
    def in_hospital(m):
        m.residents.in_hospital[rows_with(m, Status.NURSING)[0]] = True

    after_phase(model, "market", in_hospital)
    step_fails(model, "nobody is in hospital and in a service", "NURSING")


def test_a_provider_closed_without_displacing_its_residents_is_caught(model):
    def close_quietly(m):
        home = m.residents.provider[rows_with(m, *CARE_HOME)[0]]
        m.providers.open[home] = False

    after_phase(model, "market", close_quietly)
    step_fails(model, "provider is open")


def test_more_residents_than_beds_is_caught(model):
    def overfill(m):
        r, t = m.residents, m.providers
        home = np.flatnonzero(t.mask(Setting.CARE_HOME))[0]
        spare = int(t.beds[home]) - np.count_nonzero(r.provider == home) + 1
        movers = rows_with(m, Status.COMMUNITY)[:spare]
        r.status[movers] = r.wanted[movers] = Status.RESIDENTIAL
        r.provider[movers] = home

    after_phase(model, "market", overfill)
    step_fails(model, "no care home holds more residents than beds", "beds")


def test_a_move_after_the_bills_breaks_the_occupancy_books(model):
    """A resident moved between two open homes after the care phase: the week's bills,
    staffing and metrics counted them in the first."""
    def move(m):
        r, t = m.residents, m.providers
        homes = np.flatnonzero(t.mask(Setting.CARE_HOME) & ~t.nursing)
        occupied = np.bincount(r.provider[in_states(r.status, CARE_HOME)], minlength=t.n)
        roomy = homes[occupied[homes] < t.beds[homes] - 1]
        row = np.flatnonzero((r.status == Status.RESIDENTIAL) & (r.provider != roomy[0]))[0]
        r.provider[row] = roomy[0]

    after_phase(model, "market", move)
    step_fails(model, "occupancy equals the care phase's occupancy", "booked")


def test_a_client_dropped_in_the_care_phase_without_a_handback_is_caught(model):
    def drop(m):
        row = rows_with(m, Status.HOMECARE)[0]
        m.residents.status[row] = Status.COMMUNITY
        m.residents.provider[row] = NO_PROVIDER

    after_phase(model, "care_and_money", drop)
    step_fails(model, "hand-backs booked")


def test_hours_delivered_beyond_the_staff_are_caught(model):
    def overdeliver(m):
        agency = np.flatnonzero(m.providers.mask(Setting.HOMECARE))[0]
        m.market._delivered[agency] = m.market.capacity(np.array([agency]))[0] + 10.0

    after_phase(model, "care_and_money", overdeliver)
    step_fails(model, "no agency delivers more hours", "hours delivered, limit")


# --- money -------------------------------------------------------------------------------
def test_revenue_from_nowhere_breaks_the_payments_balance(model):
    update = model.market.update_finances

    def richer(revenue):
        revenue[np.flatnonzero(model.providers.open)[0]] += 100.0
        update(revenue)

    model.market.update_finances = richer
    message = step_fails(model, "money paid for care equals money received")
    assert "difference -100.00" in message


def test_cash_without_revenue_is_caught(model):
    def gift(m):
        m.providers.cash[np.flatnonzero(m.providers.open)[1]] += 50.0

    after_phase(model, "care_and_money", gift)
    step_fails(model, "cash moves by its revenue less its costs", "expected")


def test_a_payment_booked_twice_is_caught(model):
    council = model.commissioners[0]
    pay = council.pay

    def pay_twice(amount):
        pay(amount)
        pay(amount)

    council.pay = pay_twice
    step_fails(model, "each council's spend this year grows by the week's bill")


def test_a_recorded_line_that_does_not_add_up_is_caught(model):
    from sim.metrics import INDEX

    def misrecord(m):
        m.recorder.data[INDEX["council_spend_homecare"], m.week] += 1.0

    after_phase(model, "metrics", misrecord)
    step_fails(model, "the recorded spend lines add up to council spend")


def test_capital_from_nowhere_is_caught(model):
    def windfall(m):
        m.residents.savings[5] += 1000.0

    after_phase(model, "market", windfall)
    step_fails(model, "nobody's capital grows", "row 5")


# --- the --check option ----------------------------------------------------------------
def test_run_check_turns_the_checker_on_in_every_job(monkeypatch, tmp_path):
    """``caremarket run --check`` checks even where the environment does not ask for it,
    records that in the manifest, and a broken invariant fails the job with its message."""
    import json

    from click.testing import CliRunner
    from conftest import SCENARIOS

    import cli
    from sim.invariants import InvariantChecker

    def broken(self):
        raise InvariantError("week 0 (2025-04-01): people are not conserved: test")

    monkeypatch.setenv(ENV_VAR, "0")
    monkeypatch.setattr(InvariantChecker, "end_week", broken)
    args = ["run", str(SCENARIOS / "baseline.yaml"), "--years", "1", "--reps", "1",
            "--scale", "0.01", "--jobs", "1", "--no-report"]
    unchecked = CliRunner().invoke(cli.main, [*args, "--out", str(tmp_path / "a")])
    assert unchecked.exit_code == 0, unchecked.output
    (run_dir,) = (tmp_path / "a").iterdir()
    assert json.loads((run_dir / "manifest.json").read_text())["invariants_checked"] is False

    checked = CliRunner().invoke(cli.main, [*args, "--check", "--out", str(tmp_path / "b")])
    assert checked.exit_code == 1
    assert "InvariantError: week 0 (2025-04-01): people are not conserved" in checked.output
    (run_dir,) = (tmp_path / "b").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["invariants_checked"] is True
    assert manifest["jobs"][0]["state"] == "failed"


# --- working-age clients and providers (sim/working_age/invariants.py) ---------------------

def test_a_working_age_client_lost_without_being_counted_is_caught(model):
    def lose(m):
        clients = m.working_age.clients
        clients.remove(np.arange(clients.n) == 0)

    after_phase(model, "demography", lose)
    step_fails(model, "working-age clients are conserved")


def test_a_working_age_client_at_a_closed_provider_is_caught(model):
    def close_under(m):
        wa = m.working_age
        row = int(wa.clients.provider[wa.clients.provider >= 0][0])
        wa.market.table.open[row] = False

    after_phase(model, "market", close_under)
    step_fails(model, "open provider of their service's setting")


def test_an_over_filled_specialist_home_is_caught(model):
    def overfill(m):
        wa = m.working_age
        t = wa.market.table
        home = int(np.flatnonzero(t.open & (t.setting == WASetting.SPECIALIST_RESIDENTIAL) &
                                  (wa.market.used() > 0))[0])
        t.beds[home] = 0.0

    after_phase(model, "market", overfill)
    step_fails(model, "holds more than its places")


def test_the_working_age_bill_not_reaching_providers_is_caught(model):
    def skim(m):
        m.working_age.market.revenue_booked *= 0.9

    after_phase(model, "care_and_money", skim)
    step_fails(model, "receive the working-age bill")
