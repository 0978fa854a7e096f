"""What a person must act on: each order's attention rows and each vendor account's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from ordertrail.projections.attention.fold import ACK_PENDING
from ordertrail.projections.attention.rows import AttentionItem
from ordertrail.projections.attention.table import TABLE
from ordertrail.projections.connectors.table import ATTENTION as CONNECTOR_ATTENTION

ACK_OVERDUE = "ACK_OVERDUE"


def items(conn: sa.Connection, cutoff: datetime) -> list[AttentionItem]:
    """Each order's items (an awaited ack only once pending since ``cutoff`` or earlier, as
    ``ACK_OVERDUE``) and each vendor account's, unsorted."""
    orders = sa.select(TABLE).where(sa.or_(TABLE.c.kind != ACK_PENDING, TABLE.c.since <= cutoff))
    found = [AttentionItem(r.order_id, r.vendor, ACK_OVERDUE if r.kind == ACK_PENDING else r.kind,
                           r.reason, r.since, r.ref)
             for r in conn.execute(orders)]
    found += [AttentionItem(None, r.vendor, r.kind, r.reason, r.since, r.ref)
              for r in conn.execute(sa.select(CONNECTOR_ATTENTION))]
    return found


def entries(conn: sa.Connection, order_id: UUID) -> list[tuple[str, str, str]]:
    """(kind, ref, reason) of every stored entry of one order, overdue or not."""
    query = sa.select(TABLE.c.kind, TABLE.c.ref, TABLE.c.reason).where(TABLE.c.order_id == order_id)
    return sorted((r.kind, r.ref, r.reason) for r in conn.execute(query))


def kinds_of(conn: sa.Connection, order_ids: Sequence[UUID]) -> dict[UUID, list[tuple[str, str]]]:
    """(kind, ref) of the stored entries of each of ``order_ids`` (those with none left out)."""
    found: dict[UUID, list[tuple[str, str]]] = {}
    query = sa.select(TABLE.c.order_id, TABLE.c.kind, TABLE.c.ref).where(
        TABLE.c.order_id.in_(order_ids))
    for order_id, kind, ref in conn.execute(query):
        found.setdefault(order_id, []).append((kind, ref))
    return found


def with_stuck(found: list[AttentionItem], stuck: list[AttentionItem]) -> list[AttentionItem]:
    """Stuck orders as items of their own; an order already listed keeps its item, which says
    how long it has waited and its limit."""
    listed = {i.order_id for i in found if i.order_id is not None}
    ages = {s.order_id: s for s in stuck if s.order_id in listed}
    annotated = [i._replace(reason=f"{i.reason} ({ages[i.order_id].reason})",
                            age_seconds=ages[i.order_id].age_seconds,
                            limit_seconds=ages[i.order_id].limit_seconds)
                 if i.order_id in ages else i for i in found]
    return annotated + [s for s in stuck if s.order_id not in listed]
