"""What ``projections verify`` expects of audit_log: as many rows per order as it has events."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.audit_log import queries as audit_log
from ordertrail.projections.read_model import Mismatch

NAME = "audit_log"


class AuditLogCheck:
    def __init__(self) -> None:
        self.expected: dict[UUID, int] = {}

    def order(self, view: OrderView, history: Sequence[EventView]) -> None:
        self.expected[view.id] = len(history)

    def chunk(self, conn: sa.Connection, order_ids: Sequence[UUID]) -> list[Mismatch]:
        counts = audit_log.counts(conn, order_ids)
        found = []
        for order_id in order_ids:
            events, logged = self.expected.pop(order_id), counts.get(order_id, 0)
            if logged != events:
                found.append(Mismatch(order_id, NAME, f"{events} events, {logged} rows"))
        return found

    def finish(self, conn: sa.Connection) -> list[Mismatch]:
        return []
