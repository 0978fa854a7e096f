"""More open orders than the cache holds: a pass reads the missing ones in bulk, keeps the
orders it holds instead of churning through them, and sees exactly what the store replays;
the cache can be capped in megabytes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock
from uuid import UUID

import pytest
from eventsourcing.cryptography import AESCipher

from ordertrail.adapters.store import bulk_read, open_tracker
from ordertrail.adapters.store.fast import CACHE_MEGABYTES, FastTracker
from ordertrail.adapters.store.order_cache import NOT_PACKED, PACKED_ENTRY_OVERHEAD
from ordertrail.domain import commands as c
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vocabulary import Initiator


@pytest.fixture
def small_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGGREGATE_CACHE_MAXSIZE", "40")


def fill(tracker: Tracker, orders: int, long_ones: int = 0) -> list[UUID]:
    """``orders`` placed Planviewer orders; the first ``long_ones`` have a snapshot too."""
    ids = [tracker.request_order("planviewer", {"intention_uuid": f"i{n}", "product": "p"},
                                 f"k{n}") for n in range(orders)]
    tracker.execute([c.Place(order_id=o, vendor_ref=f"job-{o}", vendor_ref_kind="planviewer.job")
                     for o in ids])
    for step in range(1, 60):  # past the snapshot interval of 50
        tracker.execute([c.ReportProgress(order_id=o, current=step, total=100)
                         for o in ids[:long_ones]])
    return ids


def filled(url: str, orders: int, long_ones: int = 0) -> list[UUID]:
    """``fill`` a store through a tracker of the library's own (not the fast one under test)."""
    writer = open_tracker(url, fast=False)
    try:
        return fill(writer, orders, long_ones)
    finally:
        writer.close()


@contextmanager
def fast_and_plain(url: str) -> Iterator[tuple[FastTracker, Tracker]]:
    """The fast tracker under test, and one of the library's own beside it (another writer,
    and the store's own answers to compare with)."""
    tracker = open_tracker(url, fast=True)
    other = open_tracker(url, fast=False)
    assert isinstance(tracker, FastTracker)
    try:
        yield tracker, other
    finally:
        tracker.close()
        other.close()


def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of ids of each bulk read, as the store layer makes them."""
    sizes: list[int] = []
    real = bulk_read.select_events_of

    def spy(recorder: object, ids: list[UUID]) -> object:
        sizes.append(len(ids))
        return real(recorder, ids)  # type: ignore[arg-type]

    monkeypatch.setattr("ordertrail.adapters.store.fast.select_events_of", spy)
    return sizes


def test_a_pass_over_more_orders_than_the_cache_holds_reads_them_in_bulk_and_keeps_its_own(
    store_url: str, small_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = open_tracker(store_url, fast=False)
    try:
        ids = fill(writer, 150, long_ones=3)
        expected = sorted(writer.open_orders(), key=lambda v: v.id)
    finally:
        writer.close()
    tracker = open_tracker(store_url, fast=True)
    assert isinstance(tracker, FastTracker)
    try:
        sizes = counted(monkeypatch)
        first = tracker.open_orders()
        held = set(tracker._cache._orders)
        assert len(held) == 40
        second = tracker.open_orders()
        assert set(tracker._cache._orders) == held  # the pass did not churn the cache
        assert sorted(first, key=lambda v: v.id) == expected == sorted(second, key=lambda v: v.id)
        # the first pass: one read of snapshots and one of events for the ids not held; the
        # second finds them among the orders the last pass read (``scan_size`` of them)
        assert len(sizes) == 2 and max(sizes) <= 150
        # a batch of commands on orders not at hand reads them in bulk too, and records right
        outside = [oid for oid in ids if oid not in held]
        tracker._cache.evict(outside)  # neither scanned nor packed any more
        sizes.clear()
        outcomes = tracker.execute([c.ReportProgress(order_id=o, current=99, total=100)
                                    for o in outside])
        assert all(o.recorded for o in outcomes)
        assert sizes and max(sizes) == len(outside)
    finally:
        tracker.close()
    check = open_tracker(store_url, fast=False)
    try:
        assert {check.get_order(o).progress_current for o in outside} == {99}
    finally:
        check.close()


def test_bulk_reads_decrypt_like_single_ones(sqlite_url: str, small_cache: None) -> None:
    key = AESCipher.create_key(16)
    writer = open_tracker(sqlite_url, cipher_key=key, fast=False)
    try:
        fill(writer, 60)
        expected = sorted(writer.open_orders(), key=lambda v: v.id)
    finally:
        writer.close()
    tracker = open_tracker(sqlite_url, cipher_key=key, fast=True)
    try:
        assert sorted(tracker.open_orders(), key=lambda v: v.id) == expected
    finally:
        tracker.close()


def test_the_cache_can_be_capped_in_megabytes(sqlite_url: str) -> None:
    writer = open_tracker(sqlite_url, fast=False)
    try:
        fill(writer, 300)
    finally:
        writer.close()
    with mock.patch.dict(os.environ, {CACHE_MEGABYTES: "0.2"}):
        tracker = open_tracker(sqlite_url, fast=True)
    assert isinstance(tracker, FastTracker)
    try:
        tracker.open_orders()
        held = len(tracker._cache._orders)
        assert 10 < held < 300  # 0.15 MB holds some orders of a few KB each, not all 300
        assert held == tracker._cache.maxsize
        assert tracker._cache.packed_bytes == int(0.2 * 2**20) // 4  # a quarter: packed ones
    finally:
        tracker.close()



def test_open_orders_stream_in_chunks_each_read_when_asked_for(store_url: str,
                                                               small_cache: None) -> None:
    writer = open_tracker(store_url, fast=False)
    try:
        ids = fill(writer, 120)
        writer.run(c.Cancel(order_id=ids[5], initiator=Initiator.VENDOR, reason="gone"))
    finally:
        writer.close()
    tracker = open_tracker(store_url, fast=True)
    other = open_tracker(store_url, fast=True)
    assert isinstance(tracker, FastTracker)
    try:
        everything = tracker.open_orders()
        chunks = tracker.open_order_chunks(size=50)
        first = next(chunks)
        assert [v.id for v in first] == [o for o in ids[:51] if o != ids[5]]  # the cancelled one left out
        other.run(c.ReportProgress(order_id=ids[100], current=7, total=100))  # another writer
        rest = [view for chunk in chunks for view in chunk]
        assert [len(first), len(rest)] == [50, 69]
        assert [v.id for v in first + rest] == [v.id for v in everything]
        assert next(v for v in rest if v.id == ids[100]).progress_current == 7  # read when asked
    finally:
        tracker.close()
        other.close()


@pytest.mark.parametrize("packed", [False, True], ids=["nothing packed", "packed"])
def test_orders_unchanged_since_a_version_the_caller_names_are_left_out_unviewed(
    store_url: str, small_cache: None, small_scan: None, monkeypatch: pytest.MonkeyPatch,
    packed: bool
) -> None:
    """A sync pass names the orders it has nothing to do with yet, at the version it saw:
    those still at it are left out (and named back), without being viewed. One another writer
    changed is viewed, as is one at another version than named, and one the cache does not
    keep (its version is not known without reading it)."""
    if not packed:
        monkeypatch.setattr("ordertrail.adapters.store.fast.PACKED_MEGABYTES", 0)
    ids = filled(store_url, 120)
    with fast_and_plain(store_url) as (tracker, other):
        seen = {v.id: v.version for chunk in tracker.open_order_chunks(size=20) for v in chunk}
        assert len(seen) == 120
        held = set(tracker._cache._orders)
        kept = {oid for oid in ids if tracker._cache.version_of(oid) is not None}
        assert (len(held), len(kept)) == (40, 120 if packed else 40 + 30)  # (scanned, packed)
        other.run(c.ReportProgress(order_id=ids[3], current=5, total=100))
        named = {**seen, ids[4]: seen[ids[4]] - 1}
        viewed: list[UUID] = []
        made = 0
        real_view = tracker._view

        def view(order: Any) -> Any:
            nonlocal made
            made += 1
            return real_view(order)

        monkeypatch.setattr(tracker, "_view", view)
        left_out: list[UUID] = []
        for chunk in tracker.open_order_chunks(size=20, unchanged=named, left_out=left_out):
            viewed += [v.id for v in chunk]
        assert left_out == [oid for oid in ids if oid in set(left_out)]  # in request order
        assert made == len(viewed) and set(viewed) | set(left_out) == set(ids)
        assert {ids[3], ids[4]} <= set(viewed)
        if packed:  # every order is kept: exactly those two are viewed
            assert set(viewed) == {ids[3], ids[4]}
        else:  # those scanned may leave before their turn; the held ones stay
            assert held - {ids[3], ids[4]} <= set(left_out) <= kept
        assert next(v for v in tracker.open_orders() if v.id == ids[3]).progress_current == 5


def test_a_listing_goes_through_the_open_orders_only(store_url: str) -> None:
    """Orders a listing found ended are not gone through again, nor is their id kept: what a
    sync pass costs, and what the tracker holds, follow the open orders, not every order ever
    requested. Orders requested since are listed, after the others."""
    ids = filled(store_url, 30)
    with fast_and_plain(store_url) as (tracker, other):
        ended = set(ids[1:25:2])
        for oid in ended:
            other.run(c.Cancel(order_id=oid, initiator=Initiator.VENDOR, reason="gone"))
        still = [oid for oid in ids if oid not in ended]
        assert [v.id for v in tracker.open_orders()] == still  # found ended here
        later = other.request_order("planviewer", {"intention_uuid": "i-late", "product": "p"},
                                    "k-late")
        assert [v.id for v in tracker.open_orders()] == [*still, later]
        assert tracker._open_ids == [*still, later] and not tracker._finished
        assert tracker._ids == []  # no list of every order ever requested


def test_without_a_cache_no_order_is_left_out_and_each_is_viewed_as_it_is_now(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``AGGREGATE_CACHE_MAXSIZE`` 0: nothing is kept, so nothing follows the log; every open
    order is read and viewed in every listing, another writer's change included."""
    monkeypatch.setenv("AGGREGATE_CACHE_MAXSIZE", "0")
    ids = filled(store_url, 5)
    with fast_and_plain(store_url) as (tracker, other):
        seen = {v.id: v.version for chunk in tracker.open_order_chunks(size=2) for v in chunk}
        other.run(c.ReportProgress(order_id=ids[0], current=5, total=100))
        left_out: list[UUID] = []
        views = [v for chunk in tracker.open_order_chunks(size=2, unchanged=seen,
                                                          left_out=left_out) for v in chunk]
        assert left_out == [] and [v.id for v in views] == ids
        assert views[0].progress_current == 5 and views[0].version == seen[ids[0]] + 1


@pytest.mark.parametrize("packed", [False, True], ids=["nothing packed", "packed"])
def test_a_chunked_pass_over_more_orders_than_the_cache_holds_reads_each_once(
    store_url: str, small_cache: None, monkeypatch: pytest.MonkeyPatch, packed: bool
) -> None:
    """A pass lists a chunk, then records a command on each of its orders: the orders it read
    for the listing are at hand for the commands (not read again), and neither evicts the
    orders the cache holds. With room for packed orders, the next pass reads none at all."""
    if not packed:
        monkeypatch.setattr("ordertrail.adapters.store.fast.PACKED_MEGABYTES", 0)
    ids = filled(store_url, 150)
    monkeypatch.setattr("ordertrail.adapters.store.fast.PASS_CHUNK", 20)
    monkeypatch.setattr("ordertrail.adapters.store.fast.BULK", 10)
    tracker = open_tracker(store_url, fast=True)
    assert isinstance(tracker, FastTracker)
    try:
        tracker.open_orders()  # the cache takes the first 40
        held = set(tracker._cache._orders)
        assert tracker._cache.scan_size == 30 < 150 - 40  # fewer than the orders not held
        for current in (10, 11):  # two passes
            sizes = counted(monkeypatch)
            for chunk in tracker.open_order_chunks(size=20):
                outcomes = tracker.execute([c.ReportProgress(order_id=v.id, current=current,
                                                             total=100) for v in chunk])
                assert all(o.recorded for o in outcomes)
            # without packing: snapshots and events, once per order not held; with it: none
            assert sum(sizes) == (0 if packed else 2 * (150 - 40))
            assert set(tracker._cache._orders) == held
    finally:
        tracker.close()
    check = open_tracker(store_url, fast=False)
    try:
        assert {check.get_order(o).progress_current for o in ids} == {11}
    finally:
        check.close()


def test_a_batch_read_in_bulk_stays_at_hand_while_another_thread_records(
    sqlite_url: str, small_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two vendors' observations are recorded on two threads at once: the orders one batch
    read in bulk are its own, and the other thread's batch does not drop them (each would then
    be read again alone, a query and a replay apiece)."""
    monkeypatch.setattr("ordertrail.adapters.store.fast.PACKED_MEGABYTES", 0)
    ids = filled(sqlite_url, 100)
    tracker = open_tracker(sqlite_url, fast=True)
    assert isinstance(tracker, FastTracker)
    try:
        tracker.open_orders()  # the cache holds 40; the other 60 are read by the batch
        outside = [oid for oid in ids if oid not in tracker._cache._orders]
        held = next(oid for oid in ids if oid not in outside)
        assert len(outside) == 60
        read_alone: list[UUID] = []
        real_reconstruct, real_loaded = tracker._reconstruct, tracker._cache.loaded
        read_in_bulk, other_has_read = threading.Event(), threading.Event()

        def reconstruct(order_id: UUID, version: int | None = None) -> Any:
            read_alone.append(order_id)
            return real_reconstruct(order_id, version)

        def loaded(order: Any, position_before: int, scan: bool = False) -> None:
            if threading.current_thread() is batch and not other_has_read.is_set():
                read_in_bulk.set()  # the batch's orders are read: now another thread reads
                other_has_read.wait(10)
            real_loaded(order, position_before, scan)

        monkeypatch.setattr(tracker, "_reconstruct", reconstruct)
        monkeypatch.setattr(tracker._cache, "loaded", loaded)
        tracker._cache.evict(outside)  # neither scanned nor packed: the batch reads them
        outcomes: list[Any] = []
        kept_after: list[int] = []

        def record() -> None:
            outcomes.extend(tracker.execute(
                [c.ReportProgress(order_id=o, current=42, total=100) for o in outside]))
            kept_after.append(len(tracker._batch.prefetched))

        batch = threading.Thread(target=record)
        batch.start()
        assert read_in_bulk.wait(10)
        # another thread records too (as the other vendor's observations are): it begins its
        # own batch, and its write moves the log on, so the cache keeps none of the orders
        # the first batch read (the log's events in between were passed over for them)
        assert tracker.run(c.ReportProgress(order_id=held, current=7, total=100))
        other_has_read.set()
        batch.join(10)
        assert len(outcomes) == len(outside) and all(o.recorded for o in outcomes)
        assert read_alone == []
        assert kept_after == [0]  # the thread keeps none of them past its batch
    finally:
        tracker.close()
    check = open_tracker(sqlite_url, fast=False)
    try:
        assert {check.get_order(o).progress_current for o in outside} == {42}
    finally:
        check.close()


@pytest.fixture
def small_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass keeps 30 orders apart from the cache (chunks of 20, bulk reads of 10)."""
    monkeypatch.setattr("ordertrail.adapters.store.fast.PASS_CHUNK", 20)
    monkeypatch.setattr("ordertrail.adapters.store.fast.BULK", 10)


def test_packed_orders_are_unpacked_as_they_were_and_never_served_stale(
    store_url: str, small_cache: None, small_scan: None
) -> None:
    """Orders that left the cache are kept packed: unpacked, each equals what the store
    replays; another writer's event on a packed order drops it, and the next read sees it;
    a command on an unpacked order is recorded on the right version."""
    ids = filled(store_url, 150, long_ones=2)
    with fast_and_plain(store_url) as (tracker, other):
        tracker.open_orders()
        cache = tracker._cache
        packed = list(cache._packed)
        assert cache.packed == 150 - 40 - cache.scan_size > 0
        # The id and the (empty) pending events are not packed: unpacking gives them back.
        assert all(NOT_PACKED.isdisjoint(p.shape.names) for p in cache._packed.values())
        unpacked = cache.get(packed[2])
        assert unpacked is not None and vars(unpacked) == vars(tracker._reconstruct(packed[2]))
        other.run(c.ReportProgress(order_id=packed[0], current=77, total=100))
        tracker.run(c.ReportProgress(order_id=packed[1], current=88, total=100))
        views = {v.id: v for v in tracker.open_orders()}
        assert views[packed[0]].progress_current == 77  # dropped, then read from the store
        assert views[packed[1]].progress_current == 88
        for oid in ids:
            assert views[oid] == other.get_order(oid)


def test_packed_orders_stay_within_their_bytes_the_oldest_dropped_first(
    sqlite_url: str, small_cache: None, small_scan: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = filled(sqlite_url, 200)
    monkeypatch.setattr("ordertrail.adapters.store.fast.PACKED_MEGABYTES", 0.02)  # ~20 KB
    tracker = open_tracker(sqlite_url, fast=True)
    assert isinstance(tracker, FastTracker)
    try:
        tracker.open_orders()
        cache = tracker._cache
        assert 0 < cache.packed < 200 - 40 - cache.scan_size  # not room for all
        assert cache._packed_size <= 0.02 * 2**20
        assert list(cache._packed) == [o for o in ids if o in cache._packed]  # the newest kept
        assert ids[-1 - cache.scan_size] in cache._packed
    finally:
        tracker.close()


def test_postgres_statements_are_never_jit_compiled(postgres_url: str) -> None:
    """Our statements are short; on a large table PostgreSQL has not analyzed yet, compiling
    each bulk read cost ten times running it. Neither the event store's connections nor the
    read models' compile."""
    from ordertrail.adapters.store.engines import engine_for

    tracker = open_tracker(postgres_url)
    engine = engine_for(postgres_url)
    try:
        with tracker.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            assert conn.execute("SHOW jit").fetchone()["jit"] == "off"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            assert "?schema=" not in postgres_url or conn.exec_driver_sql(
                "SHOW search_path").scalar() == postgres_url.split("schema=")[1]
    finally:
        engine.dispose()
        tracker.close()


def test_an_order_unpacked_and_left_unchanged_keeps_its_packed_values_a_changed_one_is_packed_anew(
    store_url: str, small_cache: None, small_scan: None
) -> None:
    """Passes over more orders than the cache holds unpack every packed order: those that
    leave again unchanged are not encoded again; one changed in between (here, or by another
    writer) is packed anew and read back as it now is."""
    ids = filled(store_url, 150)
    with fast_and_plain(store_url) as (tracker, other):
        tracker.open_orders()
        cache = tracker._cache
        pickles = {oid: packed.values for oid, packed in cache._packed.items()}
        mine, theirs = list(pickles)[:2]
        tracker.open_orders()  # every packed order unpacked, others packed in turn
        tracker.run(c.ReportProgress(order_id=mine, current=55, total=100))
        other.run(c.ReportProgress(order_id=theirs, current=66, total=100))
        for _ in range(2):
            views = {v.id: v for v in tracker.open_orders()}
        unchanged = [o for o in pickles if o not in (mine, theirs) and o in cache._packed]
        assert len(unchanged) > 50
        assert all(cache._packed[o].values is pickles[o] for o in unchanged)
        assert cache._packed[mine].values != pickles[mine]
        assert views[mine].progress_current == 55 and views[theirs].progress_current == 66
        assert cache._packed_size == sum(len(p.values) + PACKED_ENTRY_OVERHEAD
                                         for p in cache._packed.values())
        for oid in ids:
            assert views[oid] == other.get_order(oid)
