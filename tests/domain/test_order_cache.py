"""The tracker's order cache follows the notification log: other writers' events reach it,
a wrong entry costs a retry and never a wrong record, and it can be switched off."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.store import open_tracker
from domain import commands as c
from domain.state_machine import State
from domain.tracker import Tracker


@pytest.fixture
def two(store_url: str) -> Iterator[tuple[Tracker, Tracker]]:
    first, second = open_tracker(store_url), open_tracker(store_url)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def placed(tracker: Tracker, key: str) -> object:
    oid = tracker.request_order("planviewer", {"intention_uuid": key, "product": "p"}, key)
    tracker.run(c.Place(order_id=oid, vendor_ref=f"job-{key}", vendor_ref_kind="planviewer.job_uuid"))
    return oid


def uncached(store_url: str) -> Tracker:
    os.environ["AGGREGATE_CACHE_MAXSIZE"] = ""
    try:
        return open_tracker(store_url)
    finally:
        del os.environ["AGGREGATE_CACHE_MAXSIZE"]


def test_another_writers_events_reach_a_cached_order(two: tuple[Tracker, Tracker]) -> None:
    first, second = two
    oid = placed(first, "a")
    assert first.get_order(oid).version == 2  # now held by the first tracker
    second.run(c.ChangeStatus(order_id=oid, raw_status="in progress", normalized=State.IN_PROGRESS))
    second.run(c.ReportProgress(order_id=oid, current=2, total=5))
    view = first.get_order(oid)
    assert (view.version, view.state, view.progress_current) == (4, State.IN_PROGRESS, 2)
    assert [v.id for v in first.open_orders()] == [oid]
    first.run(c.ReportProgress(order_id=oid, current=3, total=5))  # no conflict: it was current
    assert second.get_order(oid).progress_current == 3


def test_a_wrong_cache_entry_costs_a_retry_not_a_wrong_record(two: tuple[Tracker, Tracker]) -> None:
    first, second = two
    oid = placed(first, "b")
    stale = first._load(oid)  # a copy at version 2
    second.run(c.ReportProgress(order_id=oid, current=1, total=4))
    first.get_order(oid)  # the log is read past version 3 ...
    first._cache._orders[oid] = stale  # ... and yet the cache holds version 2
    outcomes = first.execute([c.ReportProgress(order_id=oid, current=2, total=4)])
    assert outcomes[0].recorded and outcomes[0].error is None
    history = second.history(oid)
    assert [e.version for e in history] == [1, 2, 3, 4]
    assert history[-1].fields["current"] == 2
    assert first.get_order(oid).version == 4


def test_no_cache_when_switched_off(store_url: str) -> None:
    tracker = uncached(store_url)
    try:
        oid = placed(tracker, "c")
        tracker.run(c.ReportProgress(order_id=oid, current=1, total=2))
        assert len(tracker._cache) == 0
        assert tracker.get_order(oid).version == 3
    finally:
        tracker.close()


STEP = st.tuples(st.integers(0, 1), st.integers(0, 2), st.integers(0, 6))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_two_writers_interleaved_always_read_what_the_store_replays(
    store_url: str, steps: list[tuple[int, int, int]]
) -> None:
    """Random commands from two trackers on three orders: after every step each tracker's
    view of every order equals a replay from the store by a tracker with no cache."""
    trackers = [open_tracker(store_url), open_tracker(store_url)]
    judge = uncached(store_url)
    try:
        run = os.urandom(4).hex()
        orders = [placed(trackers[0], f"{run}-{n}") for n in range(3)]
        for who, which, what in steps:
            oid = orders[which]
            command: c.Command = (
                c.ReportProgress(order_id=oid, current=what, total=6) if what < 5 else
                c.ChangeStatus(order_id=oid, raw_status="waiting for user",
                               normalized=State.WAITING_FOR_USER) if what == 5 else
                c.ChangeStatus(order_id=oid, raw_status="in progress", normalized=State.IN_PROGRESS)
            )
            trackers[who].execute([command])
            for oid in orders:
                truth = judge.get_order(oid)
                assert trackers[0].get_order(oid) == truth
                assert trackers[1].get_order(oid) == truth
    finally:
        for t in (*trackers, judge):
            t.close()
