"""audit_log: one flat row per event (no I/O); the summary is the domain's own.

``fold`` runs a batch over order_status's rows (it depends on order_status for each event's
``from_state``, the order's state before it).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ordertrail.domain.state_machine import State
from ordertrail.domain.views import summarize
from ordertrail.projections.audit_log.rows import AuditRow
from ordertrail.projections.decode import COMMON_FIELDS, OrderFact
from ordertrail.projections.order_status.fold import OrderChanges
from ordertrail.projections.order_status.rows import OrderStatusRow

_STATES = frozenset(s.value for s in State)
_new = tuple.__new__


def fold(orders: OrderChanges) -> list[AuditRow]:
    """The audit rows of the batch's order events, in position order."""
    rows: list[AuditRow] = []
    append = rows.append
    for _, old, events, after in orders.trails:
        for (position, event), new in zip(events, after, strict=True):
            append(apply(old, event, position))
            old = new
    rows.sort(key=_POSITION)
    return rows


_POSITION = attrgetter("position")


def apply(old: OrderStatusRow | None, event: OrderFact, position: int) -> AuditRow:
    """The audit row of ``event`` (a domain event or its Struct), stored at notification ``position``."""
    to_state = event.to_state
    if to_state not in _STATES:
        State(to_state)  # raises: the event names no known state
    from_state = None if old is None else old.state
    event_type = type(event).__name__
    return _new(AuditRow, (
        event.originator_id, event.originator_version, position, event_type, event.timestamp,
        event.occurred_at, event.source, from_state, to_state,
        summarize(event_type, from_state, to_state, details(event)),
    ))


def details(event: OrderFact) -> list[tuple[str, Any]]:
    """The event's own fields (not those every order event has), in their stored order."""
    read = _READERS.get(type(event))
    if read is None:
        read = _READERS[type(event)] = _reader(type(event))
    return read(event)


Reader = Callable[[OrderFact], list[tuple[str, Any]]]
_READERS: dict[type, Reader] = {}
"""``details`` of each event class: a Struct's ``DETAILS`` read by one ``attrgetter``."""


def _reader(cls: type) -> Reader:
    names: tuple[str, ...] | None = getattr(cls, "DETAILS", None)
    if names is None:  # a domain event (the mapper's): whatever fields it has
        return lambda event: [(k, v) for k, v in vars(event).items() if k not in COMMON_FIELDS]
    if not names:
        return lambda event: []
    if len(names) == 1:
        name = names[0]
        return lambda event: [(name, getattr(event, name))]
    values = attrgetter(*names)
    return lambda event: list(zip(names, values(event), strict=True))
