"""The alert outbox: each attention item that appears is queued once to be posted.

The projection writes it in the same transaction as the item itself, so an item is never
lost between the read models and the webhook; an item's key (its subject, kind, ref and
since) makes a refold, or a second runner, queue nothing twice. Items older than the moment
alerting began (``alert_state``) are history, not alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ordertrail.domain.connector import Notice
from ordertrail.projections.attention.fold import ACK_PENDING
from ordertrail.projections.attention.rows import AttentionEntry, AttentionItem
from ordertrail.projections.models import AlertOutbox, AlertState

OUTBOX: sa.Table = AlertOutbox.__table__  # type: ignore[assignment]
STATE: sa.Table = AlertState.__table__  # type: ignore[assignment]

Entries = Mapping[tuple[str, str], AttentionEntry]


def key_of(item: AttentionItem) -> str:
    subject = str(item.order_id) if item.order_id is not None else f"vendor:{item.vendor}"
    return f"{subject}:{item.kind}:{item.ref}:{item.since.isoformat()}"


def appeared_on_orders(
    vendors: Mapping[UUID, str], before: Mapping[UUID, Entries], after: Mapping[UUID, Entries]
) -> list[AttentionItem]:
    """Order items in ``after`` that ``before`` lacked (awaited acks are items only once
    overdue, which the sender finds by time)."""
    found = []
    for order_id, entries in after.items():
        had = before.get(order_id, {})
        for key, entry in entries.items():
            if key[0] == ACK_PENDING or (key in had and had[key].since == entry.since):
                continue
            found.append(AttentionItem(order_id, vendors[order_id], entry.kind, entry.reason,
                                       entry.since, entry.ref))
    return found


def appeared_on_connectors(
    vendors: Mapping[UUID, str], before: Mapping[UUID, Mapping[str, Notice]],
    after: Mapping[UUID, Mapping[str, Notice]],
) -> list[AttentionItem]:
    found = []
    for connector_id, notices in after.items():
        had = before.get(connector_id, {})
        for key, notice in notices.items():
            if key in had and had[key].since == notice.since:
                continue
            found.append(AttentionItem(None, vendors[connector_id], notice.kind.value,
                                       notice.reason, notice.since, notice.ref))
    return found


def enabled_since(conn: sa.Connection) -> datetime | None:
    """When alerting began (None: the table is not there yet)."""
    found = conn.scalar(sa.select(STATE.c.since).where(STATE.c.name == "enabled"))
    return found if isinstance(found, datetime) else None


def queue(conn: sa.Connection, items: Iterable[AttentionItem], since: datetime | None) -> int:
    """Queue each item not queued before and not older than ``since``; how many were new."""
    rows = [
        {"key": key_of(i), "order_id": i.order_id, "vendor": i.vendor, "kind": i.kind,
         "ref": i.ref, "reason": i.reason, "since": i.since, "attempts": 0,
         "next_try_at": None}
        for i in items if since is None or i.since >= since
    ]
    if not rows:
        return 0
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    done = conn.execute(insert(OUTBOX).values(rows).on_conflict_do_nothing(index_elements=["key"]))
    return int(done.rowcount or 0)


def due(conn: sa.Connection, now: datetime, limit: int) -> list[sa.Row[tuple[object, ...]]]:
    """Queued alerts not yet posted, due now, and claimed by no one (or by someone gone)."""
    query = (
        sa.select(OUTBOX)
        .where(OUTBOX.c.posted_at.is_(None),
               sa.or_(OUTBOX.c.next_try_at.is_(None), OUTBOX.c.next_try_at <= now),
               sa.or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < now))
        .order_by(OUTBOX.c.id)
        .limit(limit)
    )
    return list(conn.execute(query))


def claim(conn: sa.Connection, alert_id: int, now: datetime, until: datetime) -> bool:
    """Take one alert to post, so two senders never post it at once; whether we got it."""
    done = conn.execute(
        sa.update(OUTBOX)
        .where(OUTBOX.c.id == alert_id, OUTBOX.c.posted_at.is_(None),
               sa.or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < now))
        .values(claimed_until=until, attempts=OUTBOX.c.attempts + 1)
    )
    return done.rowcount == 1


def posted(conn: sa.Connection, alert_id: int, now: datetime) -> None:
    conn.execute(sa.update(OUTBOX).where(OUTBOX.c.id == alert_id)
                 .values(posted_at=now, claimed_until=None))


def failed(conn: sa.Connection, alert_id: int, retry_at: datetime) -> None:
    conn.execute(sa.update(OUTBOX).where(OUTBOX.c.id == alert_id)
                 .values(next_try_at=retry_at, claimed_until=None))
