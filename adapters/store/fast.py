"""The tracker with the store layer's speed: the switch ``open_tracker(..., fast=True)``.

Same commands, same answers as the domain's ``Tracker`` (its tests run on both); what
changes is how orders are loaded and saved:

- an ``OrderCache`` keeps up to ``CACHE_SIZE`` orders decoded and current by reading the
  store's notification log once per batch (other writers included), instead of one query
  per order; commands run on shallow copies, readers share the held order;
- a save encodes and inserts the events itself (the library's ``save`` checks runtime
  protocols on every event and builds a record per event that the tracker never needs),
  writes the snapshots that come due from the saved orders in one call, and hands the saved
  orders to the cache;
- open orders are viewed once per change of the held order, and a terminal order is
  never looked at again.
- open orders can be listed a chunk at a time (``open_order_chunks``): a sync pass holds one
  chunk of views, and the orders it reads for a chunk while the cache is full stay at hand
  (apart from the cache) for the commands it records on them, so each is read once a pass;
  orders leaving the cache are kept packed, so the next pass unpacks rather than reads them.

The cache is never trusted with a write: a command on an order it got wrong is refused by
the store's unique (order, version) key, and the tracker reads those orders again.
"""

from __future__ import annotations

import operator
import os
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ordertrail.adapters.store.bulk_read import select_events_of
from ordertrail.adapters.store.frozen import from_fields
from ordertrail.adapters.store.order_cache import OrderCache, copy_of
from ordertrail.domain.errors import OrderNotFoundError
from ordertrail.domain.events import OrderEvent
from ordertrail.domain.order import Order
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vendors import Vendor
from ordertrail.domain.views import ORDER_ATTRIBUTES, OrderView

CACHE_SIZE = 10_000
"""Orders kept decoded in memory; the environment variable AGGREGATE_CACHE_MAXSIZE overrides.
A decoded order and its view cost several times what a packed one does, and unpacking is
cheap next to a pass's other work: past this many, orders are kept packed."""
CACHE_MEGABYTES = "ORDERTRAIL_CACHE_MEGABYTES"
"""Caps the cache in megabytes as well, its decoded orders (estimated from sampled orders) and
its packed ones together; unset: ``CACHE_SIZE`` decoded orders and ``PACKED_MEGABYTES``."""
PACKED_MEGABYTES = 64
"""Orders leaving the cache are kept packed (a few hundred bytes each), this many megabytes of
them: about 100,000 orders. Under ``CACHE_MEGABYTES`` they take a quarter of the cap."""
BULK = 1000
"""Orders read per bulk read when a pass or a batch needs many that are not held."""
PASS_CHUNK = 5000
"""Open orders per chunk of ``open_order_chunks`` (what a sync pass holds at once)."""


VIEW_FIELDS = (*ORDER_ATTRIBUTES, "id", "version", "modified_on")
VIEW_VALUES = operator.itemgetter(*ORDER_ATTRIBUTES, "_id", "_version", "_modified_on")
"""An order view's fields, and their values in the order's ``__dict__`` in one C call (the
library keeps ``id``, ``version`` and ``modified_on`` as ``_id``, ``_version``, ``_modified_on``)."""


class _Batch(threading.local):
    """What one thread's batch of commands keeps between ``_begin`` and its loads (two vendors'
    observations are recorded on two threads at once)."""

    prefetched: dict[UUID, Order]

    def __init__(self) -> None:
        self.prefetched = {}


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event runtime-Protocol assertion."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class FastTracker(Tracker):
    name = Tracker.name  # the library names an application by its class unless told

    def __init__(self, env: dict[str, str] | None = None) -> None:
        size = (env or {}).get(self.AGGREGATE_CACHE_MAXSIZE,
                               os.environ.get(self.AGGREGATE_CACHE_MAXSIZE, str(CACHE_SIZE)))
        # The library's own cache fast-forwards with one query per order: ours replaces it.
        super().__init__({**(env or {}), self.AGGREGATE_CACHE_MAXSIZE: "",
                          f"{self.name.upper()}_{self.AGGREGATE_CACHE_MAXSIZE}": ""})
        self._to_stored = self.mapper.to_stored_event
        megabytes = (env or {}).get(CACHE_MEGABYTES, os.environ.get(CACHE_MEGABYTES, ""))
        cap = int(float(megabytes) * 2**20) if megabytes else None
        packed = int(PACKED_MEGABYTES * 2**20) if cap is None else cap // 4
        self._cache = OrderCache(
            maxsize=int(size) if size else 0,  # "" in the environment: no cache
            position=int(self.recorder.max_notification_id() or 0),
            notifications=self.recorder.select_notifications,
            decode=self.mapper.to_domain_event,
            max_bytes=None if cap is None else cap - packed,
            scan_size=PASS_CHUNK + BULK,
            packed_bytes=packed,
        )
        self._batch = _Batch()
        """Per thread: the orders its batch will change, read in bulk by ``_begin`` (the cache
        does not keep them when the log moved on meanwhile), each let go when the batch loads
        it. Another thread's batch or read begins its own and must not drop them: each would
        be read again alone."""
        self._finished: set[UUID] = set()
        """Orders a listing found ended since the last one began (dropped from ``_open_ids``)."""
        self._open_ids: list[UUID] = []
        """The orders not known to have ended, in the order they were requested."""
        self._open_ids_next = 1
        self._open_ids_lock = threading.Lock()
        self._views: dict[UUID, tuple[Order, OrderView]] = {}
        """The view last made of each open order, reused while the cache holds the same order."""

    # ------------------------------------------------------------------ the seams
    def _begin(self, order_ids: Collection[UUID] = ()) -> None:
        self._cache.refresh()
        self._batch.prefetched = {}
        missing = [oid for oid in dict.fromkeys(order_ids) if self._cache.get(oid) is None]
        if len(missing) > 1:
            before = self._cache.position
            self._batch.prefetched = prefetched = self._read_many(missing)
            for order in prefetched.values():
                self._cache.loaded(order, before, scan=True)

    def _load(self, order_id: UUID, change: bool) -> Order:
        prefetched = self._batch.prefetched.pop(order_id, None)  # not kept past its batch
        held = self._cache.get(order_id) or prefetched
        if held is None:
            before = self._cache.position
            held = self._reconstruct(order_id)
            self._cache.loaded(held, before)
        return copy_of(held) if change else held

    def _conflicted(self, order_ids: set[UUID]) -> None:
        self._cache.evict(order_ids)

    def _save(self, aggregates: Sequence[Any]) -> None:
        events: list[Any] = []
        by_id: dict[UUID, Any] = {}
        due: list[Any] = []
        intervals = self.snapshotting_intervals if self.snapshots else None
        for aggregate in aggregates:
            new = aggregate.collect_events()
            events.extend(new)
            by_id[aggregate.id] = aggregate
            if intervals and new and _crosses(new, intervals.get(type(aggregate))):
                due.append(aggregate)
        stored = [self._to_stored(event) for event in events]
        ids = self.recorder.insert_events(stored) or []
        self._snapshot(due)
        if ids:
            last_ids = {s.originator_id: nid for s, nid in zip(stored, ids, strict=True)}
            self._cache.saved(
                [(a, last) for oid, a in by_id.items()
                 if (last := last_ids.get(oid)) is not None and isinstance(a, Order)],
                first_id=min(ids), last_id=max(ids), count=len(ids),
            )

    def _view(self, order: Order) -> OrderView:
        values = order.__dict__
        oid: UUID = values["_id"]
        made = self._views.get(oid)
        if made is not None and made[0] is order:
            return made[1]
        view = from_fields(OrderView, dict(zip(VIEW_FIELDS, VIEW_VALUES(values), strict=True)))
        if self._cache.holds(oid, order):  # a view of an order only scanned would not be reused
            if len(self._views) > 2 * max(self._cache.maxsize, 1):
                self._views.clear()  # bounded: orders evicted from the cache leave stale entries
            self._views[oid] = (order, view)
        return view

    # ------------------------------------------------------------------ queries
    def open_orders(self, vendor: str | None = None) -> list[OrderView]:
        return [view for chunk in self.open_order_chunks(vendor, size=0) for view in chunk]

    def open_order_chunks(self, vendor: str | None = None, size: int = PASS_CHUNK,
                          unchanged: Mapping[UUID, int] | None = None,
                          left_out: list[UUID] | None = None) -> Iterator[list[OrderView]]:
        """The open orders, ``size`` at a time (0: all in one list), in the order they were
        requested. Each chunk is read when it is asked for, current as of then, so a caller
        that is done with one chunk before it asks for the next (a sync pass) holds one chunk
        of views at a time, however many orders are open.

        ``unchanged``: order id -> a version the caller has seen and has nothing to do with
        yet (a sync pass: orders whose next poll is not due). An order still at that version,
        as the store's log shows it now, is left out without being viewed, and its id appended
        to ``left_out`` (in the order the orders were requested): a pass then views only the
        orders it may have work for, and glances at the others. An order not kept in memory is
        viewed (its version is not known without a read)."""
        wanted = None if vendor is None else Vendor.parse(vendor).value
        ids = self._open_order_ids()
        if size:  # what a pass reads of a chunk stays at hand for the commands it records
            self._cache.scan_size = max(self._cache.scan_size, size + BULK)
        size = size or max(1, len(ids))
        for start in range(0, len(ids), size):
            self._begin()
            chunk = ids[start:start + size]
            if unchanged:
                chunk = self._changed(chunk, unchanged, left_out)
            views = self._open_views_of(chunk, wanted)
            if views:
                yield views

    def _open_order_ids(self) -> list[UUID]:
        """The ids of the orders not known to have ended, in the order they were requested:
        those requested since the last call are read from the log, and those a listing found
        ended are dropped. A listing then goes through the open orders only, and the tracker
        keeps no id of every order ever requested (``order_ids`` does, for whoever asks)."""
        with self._open_ids_lock:
            new, self._open_ids_next = self._order_ids_from(self._open_ids_next)
            self._open_ids.extend(new)
            ended, self._finished = self._finished, set()
            if ended:
                self._open_ids = [oid for oid in self._open_ids if oid not in ended]
            return list(self._open_ids)

    def _changed(self, ids: list[UUID], unchanged: Mapping[UUID, int],
                 left_out: list[UUID] | None) -> list[UUID]:
        """Those of ``ids`` not at the version ``unchanged`` names (or not named there); the
        others go to ``left_out``."""
        version_of = self._cache.version_of
        keep = []
        for oid in ids:
            seen = unchanged.get(oid)
            if seen is not None and version_of(oid) == seen:
                if left_out is not None:
                    left_out.append(oid)
            else:
                keep.append(oid)
        return keep

    def _open_views_of(self, ids: list[UUID], wanted: str | None) -> list[OrderView]:
        views = []
        for start in range(0, len(ids), BULK):
            chunk = ids[start:start + BULK]
            before = self._cache.position
            found = [self._cache.get(oid) for oid in chunk]
            read = self._read_many([oid for oid, o in zip(chunk, found, strict=True) if o is None])
            for oid, held in zip(chunk, found, strict=True):
                order = held
                if order is None:
                    order = read.get(oid)
                    if order is None:
                        continue  # listed but not found: never on our stores (never deleted)
                    self._cache.loaded(order, before, scan=True)
                view = self._view(order)
                if view.is_terminal:
                    self._finished.add(oid)  # terminal states absorb every command
                    self._views.pop(oid, None)
                elif wanted is None or view.vendor == wanted:
                    views.append(view)
        return views

    # ------------------------------------------------------------------ loading
    def _read_many(self, order_ids: Sequence[UUID]) -> dict[UUID, Order]:
        """The orders ``order_ids`` from the store: those without a snapshot from one query per
        chunk of their events, the others (long histories) one by one from their snapshot."""
        if not order_ids:
            return {}
        alone = list(order_ids)
        found: dict[UUID, Order] = {}
        snapshots = (select_events_of(self.snapshots.recorder, alone)
                     if self.snapshots is not None else {})
        events = select_events_of(self.recorder, [o for o in alone if o not in (snapshots or {})])
        if snapshots is not None and events is not None:
            decode = self.mapper.to_domain_event
            for oid, stored in events.items():
                order = replay(None, (decode(e) for e in stored))
                if isinstance(order, Order):
                    found[oid] = order
            alone = [oid for oid in alone if oid not in found]
        for oid in alone:
            try:
                found[oid] = self._reconstruct(oid)
            except OrderNotFoundError:
                continue  # the command that names it is refused when it is run
        return found

    def events_of(self, order_ids: Sequence[UUID]) -> Iterator[tuple[UUID, list[OrderEvent]]]:
        """As ``Tracker.events_of``, from one query for all of ``order_ids``."""
        stored = select_events_of(self.recorder, list(order_ids))
        if stored is None:
            yield from super().events_of(order_ids)
            return
        decode = self.mapper.to_domain_event
        for order_id in order_ids:
            events = [decode(e) for e in stored.get(order_id, ())]
            if events:
                yield order_id, [e for e in events if isinstance(e, OrderEvent)]

    def _reconstruct(self, order_id: UUID, version: int | None = None) -> Order:
        try:
            order: Order = self.repository.get(order_id, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise OrderNotFoundError(order_id) from None
        if not isinstance(order, Order):
            raise OrderNotFoundError(order_id)
        return order

    def _snapshot(self, due: list[Any]) -> None:
        """A snapshot of each of the saved aggregates ``due`` (their new events crossed their
        snapshot interval), taken from the aggregate in memory and written together (the
        library reads each one back and writes it alone)."""
        if not due or not self.snapshots:
            return
        snapshots = []
        for aggregate in due:
            snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
            assert snapshot_class is not None, f"no snapshot class for {type(aggregate)}"
            snapshots.append(snapshot_class.take(aggregate))
        self.snapshots.put(snapshots)


def _crosses(new_events: list[Any], interval: int | None) -> bool:
    """Whether an aggregate's ``new_events`` (consecutive versions) reach a multiple of its
    snapshot ``interval``: one check an aggregate, not one an event."""
    if not interval:
        return False
    first: int = new_events[0].originator_version
    last: int = new_events[-1].originator_version
    return last // interval > (first - 1) // interval
