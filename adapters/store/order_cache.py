"""Orders kept decoded in memory and current by following the store's notification log.

The library's aggregate cache fast-forwards each order on each read: one query
per order. A sync pass or a batch of commands touches thousands of orders, so
this cache instead reads the notification log once per batch (``refresh``)
and applies the new events of the orders it holds; each order is then read
without a query. Everything rests on the log being gap-free in commit order:
true on SQLite (one writer) and on our PostgreSQL recorder (it inserts under
a table lock).

Held orders are shared and never changed: readers get them as they are, and a
command gets a shallow copy (``copy_of``), which is safe because an order's
events assign new values and never change a held one in place (a test holds
every event to that). New events from the log replace a held order with an
updated copy, never change it in place, so a reader on another thread never
sees half an event.

It is an optimisation, never the source of truth: a command on an order the
cache got wrong is refused by the store's unique (order, version) key, and the
tracker then evicts the orders of that transaction and reads them again.

Staleness is avoided by these rules, all under one lock:
- ``refresh`` applies an event only to the very next version of a held order,
  skips versions already held, and evicts an order whose next event is missing;
- an order read from the store while ``refresh`` moved on is not kept (the log
  events in between may belong to it, and they were passed over);
- an order just saved is kept only if the log has not been read past its
  events yet, or the held copy is older.

A pass over more orders than the cache holds must not churn it: the orders it
reads while the cache is full are kept apart, the last ``scan_size`` of them
(a sync pass's chunk), followed and saved under the same rules, so the commands
the pass records on them find them instead of reading them again; they never
evict a held order.

An order that leaves either (the least recently used held order, the oldest
scanned one) is packed: its values encoded as the store encodes an event's
(``encode_values``, one JSON array of a few hundred bytes), up to ``packed_bytes``
of them, and decoded back through the order's type hints as a snapshot is, so
the next pass unpacks it (microseconds) instead of reading and replaying it
from the store (a query and every event), and gets the values the store would
give back. (Not pickle: it rebuilds every enumeration member and time zone
through Python code.) A packed
order is current as of ``position``: ``refresh`` drops it when the log shows
a newer event of it, and a save or a read of a newer version replaces it. An
unpacked order keeps its packed values while it stays at that version (the
same version is the same state: the cache only ever holds committed orders),
so an order that leaves again unchanged is not encoded again. Kept values
count toward ``packed_bytes`` like any others, in the place they had when they
were packed (the oldest are dropped first). They never leave the process's
memory.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from operator import itemgetter
from typing import Any, NamedTuple
from uuid import UUID

import msgspec

from ordertrail.adapters.store.mapper import encode_values, undeclared, values_decoder
from ordertrail.domain.order import Order

log = logging.getLogger(__name__)
Notifications = Callable[[int, int], Sequence[Any]]
"""(first notification id, limit) -> the library's Notification objects, in id order."""
Decode = Callable[[Any], Any]
"""A notification to its domain event."""

PAGE = 1000
PACKED_ENTRY_OVERHEAD = 200
"""Bytes a packed order costs beyond its encoded values: the bytes and tuple objects, the key,
the slot."""
NOT_PACKED = frozenset({"_id", "_pending_events"})
"""What a packed order leaves out, as unpacking gives it back: the id is the key it is kept
under, and a held order has no pending events."""


class Shape(NamedTuple):
    """What packs and unpacks the orders of one class with the same attributes."""

    names: tuple[str, ...]
    """The names of the packed attributes (all but ``NOT_PACKED``)."""
    pick: Callable[[dict[str, Any]], tuple[Any, ...]]
    """An order's ``__dict__`` -> the values of ``names``, in one call."""
    decode: Callable[[bytes], tuple[Any, ...]]
    """``encode_values`` of those values -> the values, each of its declared type."""


class Packed(NamedTuple):
    """An order's encoded values, with what it takes to make the order again."""

    version: int
    kind: type
    shape: Shape
    """One object shared by every order of ``kind`` with the same attributes."""
    values: bytes


class OrderCache:
    def __init__(self, maxsize: int, position: int, notifications: Notifications,
                 decode: Decode, max_bytes: int | None = None, scan_size: int = 0,
                 packed_bytes: int = 0) -> None:
        """``maxsize`` orders at most, and about ``max_bytes`` of them when given (their size
        is estimated from a sample of the orders kept, see ``approximate_size``).

        ``scan_size``: orders read in turn by a pass while the cache is full are kept, this many
        at most (the most recent), apart from the cache and followed like it, so the commands
        the pass records on them next find them instead of reading them again; they neither
        evict a held order nor become one.

        ``packed_bytes``: orders leaving either are kept packed, about this many bytes of them
        (0: none), the oldest dropped first."""
        self.limit = maxsize
        self.packed_bytes = packed_bytes if maxsize else 0
        self._packed: OrderedDict[UUID, Packed] = OrderedDict()
        self._packed_size = 0
        self._shapes: dict[tuple[type, tuple[str, ...]], Shape | None] = {}
        """An order's class and attribute names -> how it is packed (None: it is not)."""
        self.scan_size = scan_size
        self._scanned: OrderedDict[UUID, Order] = OrderedDict()
        self.maxsize = maxsize
        self.max_bytes = max_bytes
        self._sampled = 0
        self._sampled_bytes = 0
        self.position = position
        """The last notification id read from the log."""
        self._notifications = notifications
        self._decode = decode
        self._orders: OrderedDict[UUID, Order] = OrderedDict()
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._orders)

    def refresh(self) -> None:
        """Read the log after ``position`` and bring every held order up to date."""
        if not self.maxsize:
            return
        with self.lock:
            while True:
                found = self._notifications(self.position + 1, PAGE)
                for notification in found:
                    self._apply(notification)  # any topic: a stranger on a held order evicts it
                if found:
                    self.position = found[-1].id
                if len(found) < PAGE:
                    return

    def _apply(self, notification: Any) -> None:
        oid = notification.originator_id
        if not isinstance(oid, UUID):
            oid = UUID(str(oid))
        where = self._orders
        order = where.get(oid)
        if order is None:
            where = self._scanned
            order = where.get(oid)
        if order is None:
            packed = self._packed.get(oid)
            if packed is not None and notification.originator_version > packed.version:
                self._unpack_drop(oid)
            return
        if notification.originator_version <= order.version:
            return
        self._unpack_drop(oid)  # values kept packed of the held version are older now
        if notification.originator_version != order.version + 1:
            del where[oid]  # a gap: read it again from the store when next needed
            return
        try:
            updated = copy_of(order)
            self._decode(notification).mutate(updated)
        except Exception:
            del where[oid]  # reading it from the store raises the typed error
            return
        where[oid] = updated

    def get(self, order_id: UUID) -> Order | None:
        """The held order (``None`` if not held): read it, or change a ``copy_of`` it."""
        with self.lock:
            order = self._orders.get(order_id)
            if order is not None:
                self._orders.move_to_end(order_id)
                return order
            order = self._scanned.get(order_id)
            if order is None and order_id in self._packed:
                return self._unpack(order_id)
            return order

    def version_of(self, order_id: UUID) -> int | None:
        """The version of ``order_id`` as kept here, held, scanned or packed; None when it is
        not kept. A glance: it unpacks nothing and does not count as a use. After ``refresh``
        it is the store's version, as every kept order then is current (or dropped)."""
        with self.lock:
            order = self._orders.get(order_id) or self._scanned.get(order_id)
            if order is not None:
                return order.version
            packed = self._packed.get(order_id)
            return None if packed is None else packed.version

    def holds(self, order_id: UUID, order: Order) -> bool:
        """Whether ``order`` is the very order held decoded for ``order_id`` (a glance: it
        neither takes the lock nor counts as a use)."""
        return self._orders.get(order_id) is order

    def loaded(self, order: Order, position_before: int, scan: bool = False) -> None:
        """Keep ``order`` (nobody changes it from now on), read from the store while the log
        stood at ``position_before``. ``scan``: one of many read in turn (a pass over every
        open order), kept only while there is room, so a pass over more orders than the cache
        holds keeps the orders it holds instead of evicting each before the next pass needs
        it. Without a cache (``maxsize`` 0) nothing is kept: nothing would follow the log."""
        if not self.maxsize:
            return
        with self.lock:
            held = self._orders.get(order.id)
            if held is None and scan and len(self._orders) >= self.maxsize:
                self._scan(order, position_before)
                return
            if held is not None and held.version >= order.version:
                return
            if held is None and self.position != position_before:
                return  # the log moved on while we read; its events were not applied to us
            self._put(order)

    def saved(self, orders: Iterable[tuple[Order, int]], first_id: int, last_id: int,
              count: int) -> None:
        """Keep each ``(order, notification id of its last new event)`` just saved; the cache
        takes them over (nobody changes them from now on).

        The save wrote ``count`` notifications, ``first_id`` to ``last_id``. When they follow
        the last one read without a gap, they are all this save's own, whose orders are now
        held as saved (or not held at all), so the log is known up to ``last_id`` without
        reading them back.
        """
        with self.lock:
            held_orders, scanned, position = self._orders, self._scanned, self.position
            for order, order_last_id in orders:
                oid = order.id
                where = held_orders if oid in held_orders or oid not in scanned else scanned
                held = where.get(oid)
                if position >= order_last_id:
                    if held is not None and held.version < order.version:
                        del where[oid]  # passed over while not held: stale
                        self._unpack_drop(oid)
                elif held is None or held.version < order.version:
                    if where is scanned:
                        self._unpack_drop(oid)
                        scanned[oid] = order  # a pass's order stays out of the cache
                    else:
                        self._put(order, oid)
            if position == first_id - 1 and last_id - first_id + 1 == count:
                self.position = last_id

    def evict(self, order_ids: Iterable[UUID]) -> None:
        with self.lock:
            for oid in order_ids:
                self._orders.pop(oid, None)
                self._scanned.pop(oid, None)
                self._unpack_drop(oid)

    @property
    def packed(self) -> int:
        """How many orders are kept packed (those unpacked and unchanged since included)."""
        return len(self._packed)

    def _scan(self, order: Order, position_before: int) -> None:
        """Keep ``order``, read by a pass while the cache is full, among the last ``scan_size``
        so read (under the rules of ``loaded``)."""
        scanned, oid, version = self._scanned, order.id, order.version
        held = scanned.get(oid)
        if held is not None and held.version >= version:
            return
        if held is None and self.position != position_before:
            return
        self._drop_other_version(oid, version)
        scanned[oid] = order
        if held is not None:
            scanned.move_to_end(oid)  # a new one is added last already
        while len(scanned) > self.scan_size:
            self._pack(scanned.popitem(last=False)[1])

    def _put(self, order: Order, oid: UUID | None = None) -> None:
        if not self.maxsize:
            return
        if self.max_bytes is not None and self._sampled % SAMPLE_EVERY == 0:
            self._resize(approximate_size(order))
        self._sampled += 1
        held_orders = self._orders
        key = order.id if oid is None else oid
        self._scanned.pop(key, None)
        self._drop_other_version(key, order.version)
        if key in held_orders:
            held_orders.move_to_end(key)  # then replaced in place, as the most recent
        held_orders[key] = order
        while len(held_orders) > self.maxsize:
            self._pack(held_orders.popitem(last=False)[1])

    # ------------------------------------------------------------------ packed orders
    def _pack(self, order: Order) -> None:
        """Keep ``order``, current as of ``position``, leaving the held or scanned ones."""
        if not self.packed_bytes:
            return
        values = order.__dict__
        oid, version = values["_id"], values["_version"]
        kept = self._packed.get(oid)
        if kept is not None and kept.version == version:
            self._packed.move_to_end(oid)  # left unchanged since it was unpacked
            return
        self._unpack_drop(oid)
        kind = type(order)
        shape = self._shape(kind, tuple(values))
        if shape is None:
            return  # an attribute without a declared type: read again when needed
        try:
            encoded = encode_values(shape.pick(values))
        except (TypeError, msgspec.EncodeError):  # a value the store could not keep either
            return  # read again when needed
        self._packed[oid] = Packed(version, kind, shape, encoded)
        self._packed_size += len(encoded) + PACKED_ENTRY_OVERHEAD
        while self._packed_size > self.packed_bytes and self._packed:
            self._forget(self._packed.popitem(last=False)[1])

    def _shape(self, kind: type, attributes: tuple[str, ...]) -> Shape | None:
        """How an order of class ``kind`` with ``attributes`` is packed (made once for every
        such order); None when one of them has no declared type to decode it to."""
        try:
            return self._shapes[kind, attributes]
        except KeyError:
            pass
        names = tuple(name for name in attributes if name not in NOT_PACKED)
        decoder = values_decoder(kind, names)
        if decoder is None:  # once per shape: each such order is read again when needed
            log.warning("%s orders are not kept packed: no declared type for %s",
                        kind.__name__, ", ".join(undeclared(kind, names)))
        shape = None if decoder is None or not names else Shape(
            names, itemgetter(*names) if len(names) > 1 else
            (lambda values: (values[names[0]],)), decoder.decode)
        self._shapes[kind, attributes] = shape
        return shape

    def _unpack(self, order_id: UUID) -> Order | None:
        """The packed order ``order_id``, held again (as ``loaded`` by a pass would hold it);
        its packed values are kept until the order changes. None when they no longer decode
        (a value not of its declared type): the order is read from the store instead."""
        packed = self._packed[order_id]
        try:
            decoded = packed.shape.decode(packed.values)
        except msgspec.ValidationError:
            self._unpack_drop(order_id)
            return None
        order: Order = object.__new__(packed.kind)
        values = order.__dict__
        values["_id"] = order_id  # the caller's equal id object: its next lookups skip UUID.__eq__
        values.update(zip(packed.shape.names, decoded, strict=True))
        values["_pending_events"] = []
        if len(self._orders) < self.maxsize:
            self._put(order, order_id)
        else:  # as ``_scan`` keeps it: ``get`` found it neither held nor scanned
            scanned = self._scanned
            scanned[order_id] = order
            while len(scanned) > self.scan_size:
                self._pack(scanned.popitem(last=False)[1])
        return order

    def _drop_other_version(self, order_id: UUID, version: int) -> None:
        """Drop the packed values of ``order_id`` unless they are of ``version`` (the order
        held now)."""
        packed = self._packed.get(order_id)
        if packed is not None and packed.version != version:
            del self._packed[order_id]
            self._forget(packed)

    def _unpack_drop(self, order_id: UUID) -> None:
        packed = self._packed.pop(order_id, None)
        if packed is not None:
            self._forget(packed)

    def _forget(self, packed: Packed) -> None:
        self._packed_size -= len(packed.values) + PACKED_ENTRY_OVERHEAD


    def _resize(self, size: int) -> None:
        """Fit the number of orders kept to ``max_bytes`` by the average sampled size."""
        assert self.max_bytes is not None
        self._sampled_bytes += size
        samples = self._sampled // SAMPLE_EVERY + 1
        average = max(1, self._sampled_bytes // samples)
        self.maxsize = max(1, min(self.limit, self.max_bytes // average))


SAMPLE_EVERY = 64
"""Orders kept between two size estimates (a deep walk of one order costs tens of us)."""


def approximate_size(value: Any, seen: set[int] | None = None) -> int:
    """Bytes held by ``value`` and what it refers to (dicts, lists, tuples, sets, objects'
    ``__dict__``), each object counted once, enumeration members not at all: what keeping an
    order in memory costs."""
    seen = set() if seen is None else seen
    if id(value) in seen or isinstance(value, Enum):
        return 0  # counted already, or a member every order shares (a State is 2 KB deep)
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(approximate_size(k, seen) + approximate_size(v, seen)
                    for k, v in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        size += sum(approximate_size(v, seen) for v in value)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        size += approximate_size(vars(value), seen)
    return size


def copy_of(order: Order) -> Order:
    """A copy of ``order`` to run commands on: its own pending events, the same values (which
    its events replace, never change in place)."""
    copy = object.__new__(type(order))
    copy.__dict__.update(order.__dict__)
    copy._pending_events = []
    return copy
