"""The tracker: ordertrail's use-case layer, an eventsourcing Application.

Its methods take and return ids, primitives and frozen views; never live
aggregates. Storage is chosen by the environment the caller passes in (see
``ordertrail.adapters.store.open_tracker``); the domain never names a database.
Orders are loaded and saved through three small seams (``_load``, ``_save``,
``_begin``) that the store layer may speed up without changing what they mean.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Cipher, IntegrityError

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
from ordertrail.domain.order import Meta, Order
from ordertrail.domain.states import State
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


class Tracker(Application[UUID]):
    name = "ordertrail"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Order: SNAPSHOT_INTERVAL}
    conflict_retries = 5

    def __init__(self, env: dict[str, str] | None = None) -> None:
        interval = int((env or {}).get("ORDERTRAIL_SNAPSHOT_INTERVAL", SNAPSHOT_INTERVAL))
        self.snapshotting_intervals = {Order: interval} if interval > 0 else {}  # type: ignore[misc]
        super().__init__(env)
        self._ids: list[UUID] = []
        self._ids_next = 1
        self._ids_lock = threading.Lock()

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
            self._save([order])  # optimistic: the store refuses a second version 1
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
        another writer got there first, everything is read again and run again.
        """
        for attempt in range(self.conflict_retries):
            try:
                # First optimistically: the store's unique keys refuse a vendor reference that
                # another order claimed. After a conflict, look first, to name the owner.
                return self._execute_once(commands, check_claims=attempt > 0)
            except IntegrityError:
                self._conflicted({command.order_id for command in commands
                                  if isinstance(command, c.Command)})
        raise ConcurrencyError(
            f"{len(commands)} command(s) conflicted with other writers {self.conflict_retries} "
            "times in a row"
        )

    def _execute_once(self, commands: Sequence[c.AnyCommand], check_claims: bool) -> list[Outcome]:
        orders: dict[UUID, Order] = {}
        extra: dict[UUID, Any] = {}
        outcomes: list[Outcome] = []
        self._begin([command.order_id for command in commands if isinstance(command, c.Command)])
        for command in commands:
            if isinstance(command, c.ConnectorCommand):
                cid = connector_id(Vendor.parse(command.vendor), command.account)
                connector = extra.get(cid) or self._connector(command.vendor, command.account)
                extra[cid] = connector
                outcomes.append(Outcome(command, command.run(connector)))
                continue
            try:
                order = orders.get(command.order_id)
                if order is None:
                    order = orders[command.order_id] = self._load(command.order_id, change=True)
                self._check_claim(order, command, extra, in_store=check_claims)
                recorded = command.run(order)
                if recorded:
                    self._note_side_records(order, command, extra)
                outcomes.append(Outcome(command, recorded))
            except DomainError as error:
                outcomes.append(Outcome(command, False, error))
        changed = [o for o in orders.values() if o.pending_events]
        saved = [*changed, *(a for a in extra.values() if a.pending_events)]
        if saved:
            self._save(saved)
        return outcomes

    def _check_claim(
        self, order: Order, command: c.Command, extra: dict[UUID, Any], in_store: bool
    ) -> None:
        """Refuse a reference another order claimed: earlier in this batch (the claim is not
        saved yet, so the store's key cannot see it), or, after a conflict, in the store."""
        if not isinstance(command, c.Place) or order.vendor_ref == command.vendor_ref:
            return
        vendor = Vendor(order.vendor)
        claimed = extra.get(vendor_ref_claim_id(vendor, command.vendor_ref))
        owner = claimed.order_id if claimed is not None else \
            self._claim_owner(vendor, command.vendor_ref) if in_store else None
        if owner is not None and owner != order.id:
            raise VendorReferenceConflictError(order.vendor, command.vendor_ref, owner, order.id)

    def _note_side_records(self, order: Order, command: c.Command, extra: dict[UUID, Any]) -> None:
        """The small aggregates that let the store's own keys enforce a rule: a vendor
        reference claimed once, a vendor day's submissions counted."""
        vendor = Vendor(order.vendor)
        if isinstance(command, c.Place):
            claim_id = vendor_ref_claim_id(vendor, command.vendor_ref)
            extra[claim_id] = VendorRefClaim._create(
                VendorRefClaim.Claimed, id=claim_id, order_id=order.id, vendor=vendor.value,
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
        if at is not None:
            return OrderView.of(self._replay_until(oid, at))
        if version is not None:
            return OrderView.of(self._reconstruct(oid, version))
        self._begin()
        return self._view(self._load(oid, change=False))

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
        each call reads only orders requested since the last (the recorders commit
        notifications in id order, so nothing is skipped).
        """
        with self._ids_lock:
            new, self._ids_next = self._order_ids_from(self._ids_next, batch)
            self._ids.extend(new)
            known = list(self._ids)
        return iter(known)

    def _order_ids_from(self, start: int, batch: int = 1000) -> tuple[list[UUID], int]:
        """The ids of the orders requested at notification ``start`` or later, in order, and
        the notification to read from next time (the recorders commit notifications in id
        order, so nothing is skipped)."""
        ids: list[UUID] = []
        while True:
            found = self.recorder.select_notifications(start, batch, topics=[OrderRequested.TOPIC])
            ids.extend(UUID(str(n.originator_id)) for n in found)
            if found:
                start = found[-1].id + 1
            if len(found) < batch:
                return ids, start

    def order_id_chunks(self, size: int = 1000) -> Iterator[list[UUID]]:
        """Every order id, in the order the orders were requested, ``size`` at a time, read
        from the store as it goes (nothing kept: for passes over a store of any size)."""
        start = 1
        while True:
            found = self.recorder.select_notifications(start, size, topics=[OrderRequested.TOPIC])
            if found:
                yield [UUID(str(n.originator_id)) for n in found]
                start = found[-1].id + 1
            if len(found) < size:
                return

    def open_orders(self, vendor: str | None = None) -> list[OrderView]:
        """Every order that is not in a terminal state, optionally for one vendor."""
        wanted = None if vendor is None else Vendor.parse(vendor).value
        self._begin()
        views = []
        for oid in self.order_ids():
            view = self._view(self._load(oid, change=False))
            if not view.is_terminal and (wanted is None or view.vendor == wanted):
                views.append(view)
        return views

    # ------------------------------------------------------------------ following the log
    def events_of(self, order_ids: Sequence[UUID]) -> Iterator[tuple[UUID, list[OrderEvent]]]:
        """Each of ``order_ids`` (that has events) with its every event, oldest first: for a
        pass over many orders, such as ``projections verify`` (the store layer reads them in
        bulk)."""
        for order_id in order_ids:
            events = [e for e in self.events.get(order_id) if isinstance(e, OrderEvent)]
            if events:
                yield order_id, events

    def last_position(self) -> int:
        """The id of the newest notification in the store's log (0 when it is empty)."""
        return int(self.recorder.max_notification_id() or 0)

    def events_after(self, position: int, limit: int, *, stop: int | None = None,
                     event_types: Sequence[type[OrderEvent]] = ()) -> list[tuple[int, Any]]:
        """Up to ``limit`` (position, event) pairs after ``position`` (up to ``stop``), only of
        ``event_types`` when given: how a follower outside the store reads the log."""
        found = self.recorder.select_notifications(
            position + 1, limit, stop=stop, topics=[t.TOPIC for t in event_types])
        return [(n.id, self.mapper.to_domain_event(n)) for n in found]

    @property
    def cipher(self) -> Cipher | None:
        """The store's cipher, if it encrypts: what a follower keeps must be encrypted too."""
        return self.mapper.cipher

    # ------------------------------------------------------------------ the seams
    def _begin(self, order_ids: Collection[UUID] = ()) -> None:
        """A batch of loads begins, of ``order_ids`` when known (the store layer brings what it
        holds up to date, and may read the orders in bulk)."""

    def _load(self, order_id: UUID, change: bool) -> Order:
        """The order now; ``change``: the caller will run commands on it and save it."""
        return self._reconstruct(order_id)

    def _save(self, aggregates: Sequence[Any]) -> None:
        """Record the new events of ``aggregates`` in one transaction."""
        self.save(*aggregates)

    def _conflicted(self, order_ids: set[UUID]) -> None:
        """Another writer saved some of these orders first: they are read again."""

    def _view(self, order: Order) -> OrderView:
        return OrderView.of(order)

    # ------------------------------------------------------------------ loading
    def _reconstruct(self, order_id: UUID, version: int | None = None) -> Order:
        try:
            order: Order = self.repository.get(order_id, version=version)
        except AggregateNotFoundError:
            raise OrderNotFoundError(order_id) from None
        if not isinstance(order, Order):
            raise OrderNotFoundError(order_id)
        return order

    def _find(self, order_id: UUID) -> Order | None:
        try:
            self._begin()
            return self._load(order_id, change=False)
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
            claim: VendorRefClaim = self.repository.get(vendor_ref_claim_id(vendor, vendor_ref))
        except AggregateNotFoundError:
            return None
        return UUID(str(claim.order_id))

    def _connector(self, vendor: str, account: str) -> Connector:
        v = Vendor.parse(vendor)
        cid = connector_id(v, account)
        try:
            found: Connector = self.repository.get(cid)
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
