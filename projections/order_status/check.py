"""What ``projections verify`` expects of order_status: each order's row as a replay makes it."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections import sealed
from ordertrail.projections.order_status import queries as order_status
from ordertrail.projections.order_status.fold import cents
from ordertrail.projections.order_status.rows import OrderStatusRow
from ordertrail.projections.order_status.table import TABLE
from ordertrail.projections.read_model import Mismatch

NAME = "order_status"


def expected_row(view: OrderView, history: Sequence[EventView]) -> OrderStatusRow:
    """The order_status row a replay of ``view``'s order (with its history) calls for."""
    changes = [e.recorded_at for e in history if e.from_state != e.to_state]
    return OrderStatusRow(
        order_id=view.id, vendor=view.vendor, vendor_ref=view.vendor_ref,
        idempotency_key=view.idempotency_key, state=view.state.value,
        last_raw_status=view.last_raw_status, progress_current=view.progress_current,
        progress_total=view.progress_total, needs_person=view.needs_a_person,
        attention=view.attention, attention_kind=view.attention_kind, hold=view.hold,
        amount_cents=None if view.amount is None else cents(view.amount),
        state_since=changes[-1] if changes else None,
        requested_at=view.requested_at, placed_at=view.placed_at,
        delivered_at=view.delivered_at, finished_at=view.finished_at, last_version=view.version,
    )


class OrderStatusCheck:
    """Each order's row field by field, and as many rows as orders."""

    def __init__(self, redact: bool) -> None:
        self.redact = redact
        self.expected: dict[UUID, OrderStatusRow] = {}
        self.seen = 0

    def order(self, view: OrderView, history: Sequence[EventView]) -> None:
        row = expected_row(view, history)
        self.expected[view.id] = sealed.order_row(row) if self.redact else row
        self.seen += 1

    def chunk(self, conn: sa.Connection, order_ids: Sequence[UUID]) -> list[Mismatch]:
        stored = order_status.rows_of(conn, order_ids)
        found: list[Mismatch] = []
        for order_id in order_ids:
            want, row = self.expected.pop(order_id), stored.get(order_id)
            if row is None:
                found.append(Mismatch(order_id, NAME, "row missing"))
                continue
            found += [Mismatch(order_id, NAME, f"{name}: replay {expected!r}, read model {actual!r}")
                      for name, expected, actual in zip(want._fields, want, row, strict=True)
                      if expected != actual]
        return found

    def finish(self, conn: sa.Connection) -> list[Mismatch]:
        listed = int(conn.scalar(sa.select(sa.func.count()).select_from(TABLE)) or 0)
        if listed == self.seen:
            return []
        return [Mismatch(None, NAME, f"{listed} rows for {self.seen} orders")]
