"""The tracker: ordertrail's use-case layer, an eventsourcing Application.

Its methods take and return ids, primitives and frozen views; never live
aggregates. Storage is chosen by the environment the caller passes in (see
``ordertrail.adapters.store.open_tracker``); the domain never names a database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Notification, Recording

from ordertrail.domain import commands as c
from ordertrail.domain.claims import VendorDay, VendorRefClaim
from ordertrail.domain.connector import Connector
from ordertrail.domain.errors import (
    ConcurrencyError,
    DomainError,
    IdempotencyConflictError,
    OrderNotFoundError,
    VendorReferenceConflictError,
)
from ordertrail.domain.events import OrderEvent, OrderRequested
from ordertrail.domain.order import FrozenOrderError, Meta, Order
from ordertrail.domain.order_cache import OrderCache
from ordertrail.domain.state_machine import State
from ordertrail.domain.vendors import (
    DEFAULT_ACCOUNT,
    Vendor,
    connector_id,
    order_id_for,
    parse_order_id,
    vendor_day_id,
    vendor_ref_claim_id,
)
from ordertrail.domain.views import ConnectorEventView, ConnectorView, EventView, OrderView

SNAPSHOT_INTERVAL = 50


@dataclass(frozen=True)
class Outcome:
    """What became of one command in a batch."""

    command: c.AnyCommand
    recorded: bool
    error: DomainError | None = None

    @property
    def order_id(self) -> UUID | None:
        """The order the command was for (None for a connector command)."""
        return self.command.order_id if isinstance(self.command, c.Command) else None


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event runtime-Protocol assertion,
    which costs more than applying the event (our events are all ``Aggregate.Event``)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


CACHE_SIZE = 20_000
"""Orders kept decoded in memory; the environment variable AGGREGATE_CACHE_MAXSIZE overrides."""


class Tracker(Application[UUID]):
    name = "ordertrail"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Order: SNAPSHOT_INTERVAL}
    conflict_retries = 5

    def __init__(self, env: dict[str, str] | None = None) -> None:
        interval = int((env or {}).get("ORDERTRAIL_SNAPSHOT_INTERVAL", SNAPSHOT_INTERVAL))
        self.snapshotting_intervals = {Order: interval} if interval > 0 else {}  # type: ignore[misc]
        # Orders are cached by ``OrderCache``, kept current from the notification log (one
        # query per batch, other writers included), so the library's own cache, which
        # fast-forwards with one query per order, is off.
        size = (env or {}).get(self.AGGREGATE_CACHE_MAXSIZE,
                               os.environ.get(self.AGGREGATE_CACHE_MAXSIZE, str(CACHE_SIZE)))
        super().__init__({**(env or {}), self.AGGREGATE_CACHE_MAXSIZE: "",
                          f"{self.name.upper()}_{self.AGGREGATE_CACHE_MAXSIZE}": ""})
        self._to_stored = self.mapper.to_stored_event
        self._cache = OrderCache(
            maxsize=int(size) if size else 0,  # "" in the environment: no cache
            position=int(self.recorder.max_notification_id() or 0),
            notifications=self._notifications,
            decode=self.mapper.to_domain_event,
        )
        self._finished: set[UUID] = set()
        self._views: dict[UUID, tuple[Order, OrderView]] = {}
        """The view last made of each open order, reused while the cache holds the same
        (frozen, so unchanged) order object."""
        self._ids: list[UUID] = []
        self._ids_next = 1
        self._ids_lock = threading.Lock()

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save (its ``Recording`` list returned); see ``_store``."""
        events, stored, ids = self._store(objs, **kwargs)
        recordings = [
            Recording(event, Notification(id=nid, originator_id=s.originator_id,
                                          originator_version=s.originator_version,
                                          topic=s.topic, state=s.state))
            for event, s, nid in zip(events, stored, ids, strict=True)
        ]
        self._notify(recordings)
        return recordings

    def _store(self, objs: Sequence[Any], **kwargs: Any) -> tuple[list[Any], list[Any], Sequence[int]]:
        """Record the new events of ``objs`` in one transaction; (events, stored, ids).

        The library's save plus its event store's ``put``, minus what the tracker never
        needs on its own writes: runtime-Protocol isinstance checks (about a tenth of an
        append on Python 3.11) and a ``Recording`` per event. Snapshots that come due are
        written together, then the order cache takes the saved orders over (frozen).
        """
        events: list[Any] = []
        aggregates: dict[UUID, Any] = {}
        for aggregate in objs:
            events.extend(aggregate.collect_events())
            aggregates[aggregate.id] = aggregate
        stored = [self._to_stored(event) for event in events]
        ids = self.recorder.insert_events(stored, **kwargs) or []
        self._snapshot_saved(events, aggregates)  # before the cache freezes (shares) the orders
        self._cache_saved(aggregates, stored, ids)
        return events, stored, ids

    def _snapshot_saved(self, events: list[Any], aggregates: dict[UUID, Any]) -> None:
        """A snapshot of each saved order whose new events cross its snapshot interval.

        The library re-reads each such aggregate from the store and writes its snapshot in a
        transaction of its own. When a sync pass brings thousands of orders to the same
        version, that is thousands of reads and commits at once; the saved orders are in
        memory exactly as recorded, so they are snapshotted as they are, in one write.
        """
        if not self.snapshots or not self.snapshotting_intervals:
            return
        due: dict[UUID, Any] = {}
        for event in events:
            aggregate = aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval and event.originator_version % interval == 0:
                due[event.originator_id] = aggregate
        if due:
            snapshots = []
            for aggregate in due.values():
                snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
                assert snapshot_class is not None, f"no snapshot class for {type(aggregate)}"
                snapshots.append(snapshot_class.take(aggregate))
            self.snapshots.put(snapshots)

    # ------------------------------------------------------------------ commands
    def request_order(
        self,
        vendor: str,
        vendor_request: dict[str, Any],
        idempotency_key: str | None = None,
        requested_by: str = "ordertrail",
        meta: Meta | None = None,
    ) -> UUID:
        """Record a new order, or return the one this key already names."""
        v = Vendor.parse(vendor)
        key = idempotency_key or uuid4().hex
        order_id = order_id_for(v, key)
        order = Order.request(order_id, v.value, key, dict(vendor_request), requested_by, meta)
        try:
            self._store([order])  # optimistic: the store refuses a second version 1
        except IntegrityError:
            existing = self._find(order_id)
            if existing is None:
                raise ConcurrencyError(f"order {order_id} could not be created") from None
            if existing.vendor_request != vendor_request:
                raise IdempotencyConflictError(v.value, key, order_id) from None
        return order_id

    def run(self, command: c.AnyCommand) -> bool:
        """Execute one command; raise its domain error if it was refused."""
        (outcome,) = self.execute([command])
        if outcome.error is not None:
            raise outcome.error
        return outcome.recorded

    def execute(self, commands: Sequence[c.AnyCommand]) -> list[Outcome]:
        """Execute many commands, for many orders and connectors, in one store transaction.

        A refused command records nothing and does not stop the others. When
        another writer got there first, everything is re-read and re-run.
        """
        for attempt in range(self.conflict_retries):
            try:
                # First optimistically: the store's unique keys refuse a vendor reference that
                # another order claimed. After a conflict, look first, to name the owner.
                return self._execute_once(commands, check_claims=attempt > 0)
            except IntegrityError:
                # Another writer got there first: read these orders again from the store.
                self._cache.evict({command.order_id for command in commands
                                   if isinstance(command, c.Command)})
                continue
        raise ConcurrencyError(
            f"{len(commands)} command(s) conflicted with other writers {self.conflict_retries} "
            "times in a row"
        )

    def _execute_once(self, commands: Sequence[c.AnyCommand], check_claims: bool) -> list[Outcome]:
        orders: dict[UUID, Order] = {}
        extra: dict[UUID, Any] = {}
        outcomes: list[Outcome] = []
        self._cache.refresh()  # once for the batch, not once per order
        for command in commands:
            if isinstance(command, c.ConnectorCommand):
                cid = connector_id(Vendor.parse(command.vendor), command.account)
                connector = extra.get(cid) or self._connector(command.vendor, command.account)
                extra[cid] = connector
                outcomes.append(Outcome(command, command.run(connector)))
                continue
            try:
                held = orders.get(command.order_id)
                if held is None:
                    order = orders[command.order_id] = self._current(command.order_id)
                else:
                    order = held
                if check_claims:
                    self._check_claim(order, command)
                try:
                    recorded = command.run(order)
                except FrozenOrderError:  # it records: run it again on this batch's own copy
                    order = orders[order.id] = order.clone()
                    recorded = command.run(order)
                if recorded:
                    self._note_side_records(order, command, extra)
                outcomes.append(Outcome(command, recorded))
            except DomainError as error:
                outcomes.append(Outcome(command, False, error))
        changed = [o for o in orders.values() if o._pending_events]
        saved = [*changed, *(a for a in extra.values() if a.pending_events)]
        if saved:
            self._store(saved)
        return outcomes

    def _check_claim(self, order: Order, command: c.Command) -> None:
        if not isinstance(command, c.Place) or order.vendor_ref == command.vendor_ref:
            return
        owner = self._claim_owner(Vendor(order.vendor), command.vendor_ref)
        if owner is not None and owner != order.id:
            raise VendorReferenceConflictError(order.vendor, command.vendor_ref, owner, order.id)

    def _note_side_records(self, order: Order, command: c.Command, extra: dict[UUID, Any]) -> None:
        if not isinstance(command, c.Place | c.AttemptSubmission):
            return
        vendor = Vendor(order.vendor)
        if isinstance(command, c.Place):
            claim_id = vendor_ref_claim_id(vendor, command.vendor_ref)
            extra[claim_id] = VendorRefClaim._create(
                VendorRefClaim.Claimed,
                id=claim_id,
                order_id=order.id,
                vendor=vendor.value,
                vendor_ref=command.vendor_ref,
            )
        elif isinstance(command, c.AttemptSubmission) and command.counts_toward_day is not None:
            day = command.counts_toward_day.isoformat()
            day_id = vendor_day_id(vendor, day)
            counter = extra.get(day_id) or self._vendor_day(vendor, day)
            counter.count_submission(order.id)
            extra[day_id] = counter

    # ------------------------------------------------------------------ queries
    def get_order(
        self, order_id: UUID | str, *, version: int | None = None, at: datetime | None = None
    ) -> OrderView:
        """The order now, as of a version, or as of a time."""
        oid = parse_order_id(order_id)
        order = self._replay_until(oid, at) if at is not None else self._load(oid, version=version)
        return OrderView.of(order)

    def history(self, order_id: UUID | str) -> list[EventView]:
        """Every event of the order, oldest first, with the state it changed."""
        oid = parse_order_id(order_id)
        views: list[EventView] = []
        previous: State | None = None
        for event in self.events.get(oid):
            assert isinstance(event, OrderEvent)
            view = EventView.of(event, previous)
            views.append(view)
            previous = view.to_state
        if not views:
            raise OrderNotFoundError(oid)
        return views

    def find_by_idempotency_key(self, vendor: str, key: str) -> OrderView | None:
        order = self._find(order_id_for(Vendor.parse(vendor), key))
        return None if order is None else OrderView.of(order)

    def find_by_vendor_ref(self, vendor: str, vendor_ref: str) -> OrderView | None:
        owner = self._claim_owner(Vendor.parse(vendor), vendor_ref)
        return None if owner is None else self.get_order(owner)

    def connector(self, vendor: str, account: str = DEFAULT_ACCOUNT) -> ConnectorView:
        """What is true of one vendor account now (a new, clear connector if none was recorded)."""
        return ConnectorView.of(self._connector(vendor, account))

    def connector_history(
        self, vendor: str, account: str = DEFAULT_ACCOUNT
    ) -> list[ConnectorEventView]:
        """Every event of one vendor account's connector, oldest first."""
        v = Vendor.parse(vendor)
        views = []
        for event in self.events.get(connector_id(v, account)):
            fields = {k: val for k, val in vars(event).items()
                      if k not in ("originator_id", "originator_version", "timestamp",
                                   "originator_topic")}
            views.append(ConnectorEventView(v.value, event.originator_version,
                                            type(event).__name__, vars(event)["timestamp"], fields))
        return views

    def submissions_on(self, vendor: str, day: date) -> int:
        """How many submissions to ``vendor`` counted toward ``day`` (its daily cap)."""
        counter = self._vendor_day(Vendor.parse(vendor), day.isoformat())
        return int(counter.submissions)

    def order_ids(self, batch: int = 1000) -> Iterator[UUID]:
        """Every order id, in the order the orders were requested.

        Ids already seen are remembered with the notification position after them, so
        each call reads only orders requested since the last (our recorders commit
        notifications in id order, so nothing is skipped).
        """
        with self._ids_lock:
            while True:
                found = self.recorder.select_notifications(
                    self._ids_next, batch, topics=[OrderRequested.TOPIC]
                )
                self._ids.extend(UUID(str(n.originator_id)) for n in found)
                if found:
                    self._ids_next = found[-1].id + 1
                if len(found) < batch:
                    break
            known = list(self._ids)
        return iter(known)

    def open_orders(self, vendor: str | None = None) -> list[OrderView]:
        """Every order that is not in a terminal state, optionally for one vendor."""
        wanted = None if vendor is None else Vendor.parse(vendor).value
        views = []
        self._cache.refresh()
        for oid in self.order_ids():
            if oid in self._finished:
                continue
            view = self._view_of(self._current(oid))
            if view.is_terminal:
                self._finished.add(oid)  # terminal states absorb every command: never open again
                self._views.pop(oid, None)
            elif wanted is None or view.vendor == wanted:
                views.append(view)
        return views

    def _view_of(self, order: Order) -> OrderView:
        if not order._frozen:
            return OrderView.of(order)
        made = self._views.get(order.id)
        if made is not None and made[0] is order:
            return made[1]
        view = OrderView.of(order)
        if len(self._views) > 2 * max(self._cache.maxsize, 1):
            self._views.clear()  # bounded: orders evicted from the cache leave stale entries
        self._views[order.id] = (order, view)
        return view

    # ------------------------------------------------------------------ loading
    def _load(self, order_id: UUID, version: int | None = None) -> Order:
        """The order now (frozen if the cache holds it), or as of ``version``."""
        if version is not None:
            return self._reconstruct(order_id, version)
        self._cache.refresh()
        return self._current(order_id)

    def _current(self, order_id: UUID) -> Order:
        """The order as of the cache's last refresh: from the cache, or read from the store.

        Possibly frozen (shared with the cache): read it, or ``clone()`` it to change it.
        """
        held = self._cache.get(order_id)
        if held is not None:
            return held
        before = self._cache.position
        order = self._reconstruct(order_id)
        self._cache.loaded(order, before)
        return order

    def _reconstruct(self, order_id: UUID, version: int | None = None) -> Order:
        try:
            order: Order = self.repository.get(order_id, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise OrderNotFoundError(order_id) from None
        if not isinstance(order, Order):
            raise OrderNotFoundError(order_id)
        return order

    def _notifications(self, start: int, limit: int) -> Sequence[Any]:
        return self.recorder.select_notifications(start, limit)

    def _cache_saved(self, aggregates: dict[UUID, Any], stored: list[Any],
                     ids: Sequence[int]) -> None:
        if not ids:
            return
        last_ids = {s.originator_id: nid for s, nid in zip(stored, ids, strict=True)}
        self._cache.saved(  # the cache takes the saved orders over: no one changes them after
            [(a, last) for oid, a in aggregates.items()
             if (last := last_ids.get(oid)) is not None and isinstance(a, Order)],
            first_id=min(ids),
            last_id=max(ids),
            count=len(ids),
        )

    def _find(self, order_id: UUID) -> Order | None:
        try:
            return self._load(order_id)
        except OrderNotFoundError:
            return None

    def _replay_until(self, order_id: UUID, at: datetime) -> Order:
        order: Order | None = None
        for event in self.events.get(order_id):
            assert isinstance(event, OrderEvent)
            if event.timestamp > at:
                break
            order = event.mutate(order)
        if order is None:
            raise OrderNotFoundError(order_id)
        return order

    def _claim_owner(self, vendor: Vendor, vendor_ref: str) -> UUID | None:
        try:
            claim: VendorRefClaim = self.repository.get(vendor_ref_claim_id(vendor, vendor_ref),
                                                        projector_func=replay)
        except AggregateNotFoundError:
            return None
        return UUID(str(claim.order_id))

    def _connector(self, vendor: str, account: str) -> Connector:
        v = Vendor.parse(vendor)
        cid = connector_id(v, account)
        try:
            found: Connector = self.repository.get(cid, projector_func=replay)
        except AggregateNotFoundError:
            return Connector._create(Connector.Opened, id=cid, vendor=v.value, account=account)
        return found

    def _vendor_day(self, vendor: Vendor, day: str) -> VendorDay:
        day_id = vendor_day_id(vendor, day)
        try:
            counter: VendorDay = self.repository.get(day_id)
        except AggregateNotFoundError:
            counter = VendorDay._create(
                VendorDay.Opened, id=day_id, vendor=vendor.value, day=day
            )
        return counter
