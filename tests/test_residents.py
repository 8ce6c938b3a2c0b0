"""The column-wise resident table (sim/residents.py): ids, removal, views, growth."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.residents import NO_PROVIDER, Funding, ResidentTable, Status, in_states


def _table(n: int = 5, capacity: int = 1024) -> ResidentTable:
    table = ResidentTable(capacity=capacity)
    table.add(n, need=np.arange(n) % 5, age=65.0 + np.arange(n), district=np.arange(n) % 3)
    return table


def test_add_gives_consecutive_ids_and_defaults():
    table = _table(3)
    rows = table.add(2, need=4)
    assert rows == slice(3, 5)
    assert table.id.tolist() == [0, 1, 2, 3, 4]
    assert len(table) == 5 and table.n == 5
    assert table.need[3:].tolist() == [4, 4]
    assert np.all(table.provider == NO_PROVIDER)
    assert np.all(table.status == Status.COMMUNITY)
    assert np.all(table.wanted == Status.COMMUNITY)
    assert np.all(table.funding == Funding.UNDECIDED)
    assert not table.in_hospital.any()


def _by_id(table: ResidentTable, column: str) -> dict[int, float]:
    return dict(zip(table.id.tolist(), getattr(table, column).tolist()))


def test_remove_keeps_the_others_with_their_own_attributes():
    table = _table(6)
    table.remove(np.array([False, True, False, True, True, False]))
    assert len(table) == 3
    assert sorted(table.id.tolist()) == [0, 2, 5]
    assert _by_id(table, "age") == {0: 65.0, 2: 67.0, 5: 70.0}
    assert _by_id(table, "need") == {0: 0, 2: 2, 5: 0}


def test_ids_are_issued_in_order_and_never_reused_after_removal():
    table = _table(4)
    table.remove(np.array([False, False, True, True]))
    rows = table.add(2)
    assert table.id[rows].tolist() == [4, 5]
    assert sorted(table.id.tolist()) == [0, 1, 4, 5]
    assert len(set(table.id.tolist())) == len(table)


@pytest.mark.parametrize("removed", [[], [0], [4], [1, 3], [0, 1], [3, 4], [0, 2, 4],
                                     [0, 1, 2, 3, 4]])
def test_remove_any_subset(removed):
    table = _table(5)
    ages = _by_id(table, "age")
    table.remove(np.isin(table.id, removed))
    kept = [i for i in range(5) if i not in removed]
    assert sorted(table.id.tolist()) == kept
    assert _by_id(table, "age") == {i: ages[i] for i in kept}
    for i in kept:
        assert table.view(i).alive and table.view(i).age == ages[i]
    for i in removed:
        assert not table.view(i).alive


def test_repeated_adds_and_removes_keep_every_id_with_its_attributes():
    rng = np.random.default_rng(0)
    table = ResidentTable(capacity=8)
    truth: dict[int, float] = {}
    for _ in range(30):
        count = int(rng.integers(0, 20))
        ages = rng.uniform(65, 100, count)
        rows = table.add(count, age=ages)
        truth.update(zip(table.id[rows].tolist(), ages.tolist()))
        gone = rng.random(len(table)) < 0.3
        for i in table.id[gone].tolist():
            del truth[i]
        table.remove(gone)
        assert _by_id(table, "age") == truth
        ids = np.array(sorted(truth), dtype=np.int64)
        if ids.size:
            np.testing.assert_array_equal(table.id[table.rows_of(ids)], ids)


def test_rows_of_finds_living_ids_in_any_order():
    table = _table(6)
    table.remove(np.isin(table.id, [0, 2]))
    ids = np.array([5, 1, 3])
    rows = table.rows_of(ids)
    np.testing.assert_array_equal(table.id[rows], ids)
    np.testing.assert_array_equal(table.age[rows], 65.0 + ids)


@pytest.mark.parametrize("ids", [[0], [2], [99], [1, 2], [-1], [6]])
def test_rows_of_refuses_ids_that_are_not_alive(ids):
    table = _table(6)
    table.remove(np.isin(table.id, [0, 2]))
    with pytest.raises(KeyError):
        table.rows_of(np.array(ids))


def test_rows_of_on_an_empty_table_raises_keyerror():
    with pytest.raises(KeyError):
        ResidentTable().rows_of(np.array([0]))


def test_view_reflects_later_changes_by_id():
    table = _table(5)
    view = table.view(3)
    assert view.need == 3 and view.status == Status.COMMUNITY
    table.status[table.rows_of(np.array([3]))] = Status.NURSING
    table.funding[table.rows_of(np.array([3]))] = Funding.COUNCIL
    table.remove(np.isin(table.id, [0, 1]))     # rows move; the view follows the id
    assert view.status == Status.NURSING
    assert view.funding == Funding.COUNCIL
    assert view.age == pytest.approx(68.0)
    assert view.as_dict()["id"] == 3
    assert "NURSING" in repr(view)


def test_view_of_a_removed_resident_is_not_alive_and_refuses_reads():
    table = _table(5)
    view = table.view(2)
    assert view.alive
    table.remove(table.id == 2)
    assert not view.alive
    with pytest.raises(KeyError):
        _ = view.need


def test_view_of_an_id_beyond_the_table_is_not_alive():
    assert not _table(3).view(10).alive
    assert not ResidentTable().view(0).alive


def test_view_refuses_unknown_attributes():
    with pytest.raises(AttributeError):
        _ = _table(2).view(0).favourite_colour


def test_table_grows_past_its_capacity_keeping_its_data():
    table = ResidentTable(capacity=4)
    table.add(3, age=np.array([70.0, 71.0, 72.0]))
    table.add(10, age=80.0)
    table.add(100, age=90.0)
    assert len(table) == 113
    assert table.id.tolist() == list(range(113))   # no removals: rows are in id order
    assert table.age[:3].tolist() == [70.0, 71.0, 72.0]
    assert np.all(table.age[3:13] == 80.0) and np.all(table.age[13:] == 90.0)
    assert np.all(table.provider == NO_PROVIDER)


def test_columns_are_views_that_write_through():
    table = _table(3)
    table.need[:] = 4
    assert table.need.tolist() == [4, 4, 4]
    with pytest.raises(AttributeError):
        _ = table.not_a_column


STATES = list(Status)


@pytest.mark.parametrize("states", [
    *[(s,) for s in STATES],
    *itertools.combinations(STATES, 2),
    *itertools.combinations(STATES, 3),
    tuple(STATES[:5]),
    tuple(STATES),
])
def test_in_states_equals_isin(states):
    status = np.random.default_rng(0).integers(0, len(Status), 200).astype(np.int8)
    np.testing.assert_array_equal(in_states(status, states),
                                  np.isin(status, [int(s) for s in states]))


def test_in_states_does_not_modify_its_input():
    status = np.array([0, 3, 4], dtype=np.int8)
    mask = in_states(status, (Status.HOMECARE, Status.RESIDENTIAL))
    mask[:] = True
    assert status.tolist() == [0, 3, 4]
    assert in_states(status, (Status.HOMECARE,)).tolist() == [False, True, False]
