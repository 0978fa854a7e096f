"""The audit log as users read it: flat event rows in store order."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa

from ordertrail.projections.audit_log.rows import AuditRow
from ordertrail.projections.audit_log.table import TABLE

COLUMNS = [TABLE.c[name] for name in AuditRow._fields]


def audit(conn: sa.Connection, order_id: UUID | None = None, limit: int = 1000) -> list[AuditRow]:
    """Flat event rows in store order, for one order or all."""
    query = sa.select(*COLUMNS).order_by(TABLE.c.position).limit(limit)
    if order_id is not None:
        query = query.where(TABLE.c.order_id == order_id)
    return [AuditRow._make(row) for row in conn.execute(query)]


def counts(conn: sa.Connection, order_ids: Sequence[UUID]) -> dict[UUID, int]:
    """How many rows each of ``order_ids`` has (those with none left out)."""
    query = (sa.select(TABLE.c.order_id, sa.func.count()).where(TABLE.c.order_id.in_(order_ids))
             .group_by(TABLE.c.order_id))
    return {order_id: int(n) for order_id, n in conn.execute(query)}


def count(conn: sa.Connection, order_id: UUID) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).where(TABLE.c.order_id == order_id)) or 0)
