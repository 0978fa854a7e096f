"""The fast tracker's order cache follows the notification log: other writers' events reach it,
a wrong entry costs a retry and never a wrong record, and it can be switched off."""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import JSONTranscoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.store.fast import FastTracker, replay
from ordertrail.adapters.store.mapper import MsgspecMapper
from ordertrail.adapters.store.order_cache import OrderCache, copy_of
from ordertrail.domain import commands as c
from ordertrail.domain.errors import DomainError
from ordertrail.domain.order import Order
from ordertrail.domain.state_machine import State
from ordertrail.domain.vocabulary import HoldCause, Trouble
from tests.projections.streams import STREAMS, VENDORS, run_commands

Tracker = FastTracker


@pytest.fixture
def two(store_url: str) -> Iterator[tuple[Tracker, Tracker]]:
    first, second = fast(store_url), fast(store_url)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def placed(tracker: Tracker, key: str) -> object:
    oid = tracker.request_order("planviewer", {"intention_uuid": key, "product": "p"}, key)
    tracker.run(c.Place(order_id=oid, vendor_ref=f"job-{key}", vendor_ref_kind="planviewer.job_uuid"))
    return oid


def fast(store_url: str) -> Tracker:
    tracker = open_tracker(store_url, fast=True)
    assert isinstance(tracker, FastTracker)
    return tracker


def uncached(store_url: str) -> Tracker:
    os.environ["AGGREGATE_CACHE_MAXSIZE"] = ""
    try:
        return fast(store_url)
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
    stale = first._load(oid, change=True)  # a copy at version 2
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


def test_a_held_order_is_shared_and_never_changed_in_place(two: tuple[Tracker, Tracker]) -> None:
    """Reads share the held object; a command works on its own copy, and news from the log
    replaces the held object instead of changing it under a reader."""
    first, second = two
    oid = placed(first, "f")
    held = first._load(oid, change=False)
    assert first._load(oid, change=False) is held  # shared, not copied per read
    assert first.execute([c.ReportProgress(order_id=oid, current=1, total=3)])[0].recorded
    assert held.version == 2 and held.progress_current is None  # the reader's object kept
    now = first._load(oid, change=False)
    assert now is not held and (now.version, now.progress_current) == (3, 1)
    second.run(c.ReportProgress(order_id=oid, current=2, total=3))
    first._begin()
    after = first._load(oid, change=False)  # refreshed from the log
    assert after is not now and (now.version, now.progress_current) == (3, 1)
    assert (after.version, after.progress_current) == (4, 2)


@settings(max_examples=200, deadline=None)
@given(vendor=VENDORS, factories=STREAMS)
def test_no_event_changes_a_value_the_order_holds_in_place(vendor: str, factories: list) -> None:  # type: ignore[type-arg]
    """What makes a shallow copy safe: commands run on a copy leave the original exactly as
    it was (every event assigns new values instead of changing held ones)."""
    order = Order.request(__import__("uuid").uuid4(), vendor, "k", {"n": [1]}, "test")
    order.collect_events()
    for make in factories:
        before = copy.deepcopy(vars(order))
        work = copy_of(order)
        try:
            make(order.id).run(work)
        except DomainError:
            pass
        assert vars(order) == before
        work.collect_events()
        order = work


def exactly(value: Any) -> Any:
    """``value`` as equality should see it here: with each value's type, each datetime's
    offset (equal datetimes in different zones compare equal), each Decimal's exponent, and
    each dataclass's fields the same way."""
    if isinstance(value, dict):
        return {exactly(k): exactly(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value), [exactly(v) for v in value]
    if isinstance(value, datetime):
        return value, value.utcoffset()
    if isinstance(value, Decimal):
        return value.as_tuple()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value), exactly(vars(value))
    return type(value), value


ZONES = st.sampled_from([timezone.utc, timezone(timedelta(hours=10)),
                         timezone(-timedelta(hours=3, minutes=30))])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(vendor=VENDORS, factories=STREAMS, zone=ZONES, zone_later=ZONES,
       request=st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=4))
def test_a_packed_order_unpacks_to_what_the_store_gives_back(
    vendor: str, factories: list, zone: timezone, zone_later: timezone,  # type: ignore[type-arg]
    request: dict[str, Any],
) -> None:
    """An order leaving the cache is packed as the store encodes its events: unpacked, each
    value is the one replaying its stored events gives, of the same type, and a time a vendor
    gave at +10:00 is still at +10:00. A stored snapshot, decoded through the same declared
    types, gives the same values."""
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    order, events = run_commands(vendor, [
        lambda oid: c.HoldSubmission(order_id=oid, cause=HoldCause.DAILY_CAP, reason="cap",
                                     until=moment.astimezone(zone)),
        *factories,
        lambda oid: c.ObserveTrouble(order_id=oid, trouble=Trouble.MISSING_FROM_STATUS,
                                     detail="d", limit=2, spread=timedelta(0),
                                     now=moment.astimezone(zone_later)),
    ], request=request)
    mapper = MsgspecMapper(transcoder=JSONTranscoder())
    stored = replay(None, (mapper.to_domain_event(mapper.to_stored_event(e)) for e in events))
    cache = OrderCache(maxsize=1, position=0, notifications=lambda _first, _limit: [],
                       decode=mapper.to_domain_event, packed_bytes=2**20)
    other, _ = run_commands("ppw", [])
    cache.loaded(order, 0)
    cache.loaded(other, 0)  # the order leaves the cache: packed
    assert cache.packed == 1
    unpacked = cache.get(order.id)
    assert unpacked is not None and unpacked is not order
    assert exactly(vars(unpacked)) == exactly(vars(stored))
    snapshot = mapper.to_domain_event(mapper.to_stored_event(Order.Snapshot.take(order)))
    assert exactly(vars(snapshot.mutate(None))) == exactly(vars(stored))


def test_a_packed_order_whose_values_no_longer_fit_their_types_is_read_from_the_store() -> None:
    """A value of another type than declared (none the domain sets) cannot come back as it
    was: the packed order is dropped and ``get`` misses, so the tracker reads it again."""
    order, _ = run_commands("ppw", [])
    other, _ = run_commands("ppw", [])
    order.vendor_secondary_refs = {"work_order": 17}  # declared dict[str, str]
    cache = OrderCache(maxsize=1, position=0, notifications=lambda _first, _limit: [],
                       decode=lambda notification: notification, packed_bytes=2**20)
    cache.loaded(order, 0)
    cache.loaded(other, 0)
    assert cache.packed == 1
    assert cache.get(order.id) is None and cache.packed == 0


def test_an_order_with_an_attribute_of_no_declared_type_is_not_packed_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Such an attribute could not come back as the store would give it: the order is read
    from the store when next needed, and a warning names the attribute, once."""
    orders = [run_commands("ppw", [])[0] for _ in range(3)]
    for order in orders[:2]:
        order.__dict__["extra_note"] = "set by no event"
    cache = OrderCache(maxsize=1, position=0, notifications=lambda _first, _limit: [],
                       decode=lambda notification: notification, packed_bytes=2**20)
    for order in orders:
        cache.loaded(order, 0)
    assert cache.packed == 0 and cache.get(orders[0].id) is None
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["Order orders are not kept packed: no declared type for extra_note"]


def test_commands_that_record_nothing_leave_the_held_order_as_it_is(store_url: str) -> None:
    tracker = fast(store_url)
    try:
        oid = placed(tracker, "g")
        tracker.run(c.ChangeStatus(order_id=oid, raw_status="in progress",
                                   normalized=State.IN_PROGRESS))
        held = tracker._load(oid, change=False)
        outcomes = tracker.execute([
            c.ChangeStatus(order_id=oid, raw_status="in progress", normalized=State.IN_PROGRESS),
            c.ChangeStatus(order_id=oid, raw_status="in progress", normalized=State.IN_PROGRESS),
        ])
        assert [o.recorded for o in outcomes] == [False, False]
        assert tracker._load(oid, change=False) is held and held.version == 3
    finally:
        tracker.close()


def test_snapshots_due_in_one_save_are_written_together_and_load_exactly(store_url: str) -> None:
    tracker = open_tracker(store_url, snapshot_interval=3, fast=True)
    try:
        oids = [placed(tracker, f"s{n}") for n in range(4)]
        # one batch brings all four orders to version 3: four snapshots, none in the way
        tracker.execute([c.ReportProgress(order_id=o, current=1, total=9) for o in oids])
        for oid in oids:
            (snapshot,) = tracker.snapshots.get(oid) if tracker.snapshots else []
            assert snapshot.originator_version == 3
        fresh = uncached(store_url)
        try:
            for oid in oids:
                assert fresh.get_order(oid) == tracker.get_order(oid)
        finally:
            fresh.close()
    finally:
        tracker.close()


STEP = st.tuples(st.integers(0, 1), st.integers(0, 2), st.integers(0, 6))


@pytest.mark.parametrize("held", ["20000", "1"], ids=["all held", "one held, two packed"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_two_writers_interleaved_always_read_what_the_store_replays(
    store_url: str, held: str, steps: list[tuple[int, int, int]]
) -> None:
    """Random commands from two trackers on three orders: after every step each tracker's
    view of every order equals a replay from the store by a tracker with no cache. With room
    for one order, the others come and go packed."""
    os.environ["AGGREGATE_CACHE_MAXSIZE"] = held
    try:
        trackers = [fast(store_url), fast(store_url)]
    finally:
        del os.environ["AGGREGATE_CACHE_MAXSIZE"]
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
