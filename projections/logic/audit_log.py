"""audit_log: one flat row per event (no I/O); the summary is the domain's own."""

from __future__ import annotations

from typing import Any

from ordertrail.domain.state_machine import State
from ordertrail.domain.views import summarize
from ordertrail.projections.decode import COMMON_FIELDS
from ordertrail.projections.rows import AuditRow, OrderStatusRow

_STATES = frozenset(s.value for s in State)
_new = tuple.__new__


def apply(old: OrderStatusRow | None, event: Any, position: int) -> AuditRow:
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


def details(event: Any) -> list[tuple[str, Any]]:
    """The event's own fields (not those every order event has), in their stored order."""
    names: tuple[str, ...] | None = getattr(event, "DETAILS", None)
    if names is None:
        return [(k, v) for k, v in vars(event).items() if k not in COMMON_FIELDS]
    return [(name, getattr(event, name)) for name in names]
