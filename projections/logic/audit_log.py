"""audit_log: one flat row per event (no I/O); the summary is the domain's own."""

from __future__ import annotations

from domain import events as ev
from domain.state_machine import State
from domain.views import EventView
from projections.rows import AuditRow, OrderStatusRow


def apply(old: OrderStatusRow | None, event: ev.OrderEvent, position: int) -> AuditRow:
    """The audit row of ``event``, stored at notification ``position``."""
    view = EventView.of(event, State(old.state) if old is not None else None)
    return AuditRow(
        order_id=view.order_id, version=view.version, position=position,
        event_type=view.type, recorded_at=view.recorded_at, occurred_at=view.occurred_at,
        source=view.source, from_state=None if old is None else old.state,
        to_state=view.to_state.value, summary=view.summary,
    )
