"""Order leases: how several sync workers split the open orders between them.

A worker may act on an order (submit, poll, reconcile, download) only while it
holds the order's lease. A lease is one row; taking it is one atomic
``INSERT ... ON CONFLICT DO UPDATE ... WHERE the lease expired or is ours``,
so two workers can never both hold it, on PostgreSQL or SQLite, and a dead
worker's leases simply expire and are taken over. Workers hold no state that
matters: the event store is the truth, the lease only says who acts now.

``share`` is what a sync pass calls: each worker heartbeats into
``ordertrail_workers``, and every open order is meant for the live worker that
ranks highest for it (rendezvous hashing). A worker takes the leases of its
own orders and gives back any it holds that now belong to another, so the open
orders split evenly, a joining worker gets its share at once, and a dead
worker's share moves to the others when its heartbeat and leases expire.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ordertrail.adapters.store.engines import engine_for
from ordertrail.adapters.store.schema_lock import create_alone

metadata = sa.MetaData()
leases = sa.Table(
    "ordertrail_leases",
    metadata,
    sa.Column("order_id", sa.String(36), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)
workers = sa.Table(
    "ordertrail_workers",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)


def _create_tables(engine: sa.Engine) -> None:
    """Create the lease tables once, however many workers start together."""
    with engine.begin() as conn:
        create_alone(conn, "ordertrail_leases")
        metadata.create_all(conn)


def rank(order_id: UUID, worker: str) -> bytes:
    return hashlib.sha256(f"{order_id}|{worker}".encode()).digest()


def meant_for(order_id: UUID, live: Sequence[str]) -> str:
    """The live worker an order belongs to: the same answer in every worker."""
    return max(live, key=lambda worker: rank(order_id, worker))


class LeaseBook:
    """Take, renew and release order leases for one worker."""

    def __init__(self, url: str, owner: str, ttl: timedelta = timedelta(seconds=60)) -> None:
        self.engine = engine_for(url)
        self.owner = owner
        self.ttl = ttl
        _create_tables(self.engine)
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        self._insert = insert

    def acquire(self, order_ids: Iterable[UUID], now: datetime | None = None) -> set[UUID]:
        """Take (or renew) the leases that are free, expired or already ours."""
        moment = now or datetime.now(UTC)
        granted: set[UUID] = set()
        with self.engine.begin() as conn:
            for order_id in order_ids:
                statement: Any = self._insert(leases).values(
                    order_id=str(order_id), owner=self.owner, expires_at=moment + self.ttl
                )
                statement = statement.on_conflict_do_update(
                    index_elements=[leases.c.order_id],
                    set_={"owner": self.owner, "expires_at": moment + self.ttl},
                    where=sa.or_(
                        leases.c.expires_at < moment, leases.c.owner == self.owner
                    ),
                ).returning(leases.c.order_id)
                if conn.execute(statement).first() is not None:
                    granted.add(order_id)
        return granted

    def share(self, order_ids: Sequence[UUID], now: datetime | None = None) -> set[UUID]:
        """Heartbeat, then hold exactly the leases of the open orders meant for this worker."""
        moment = now or datetime.now(UTC)
        live = self.live_workers(moment)
        mine = [o for o in order_ids if meant_for(o, live) == self.owner]
        others = {str(o) for o in order_ids} - {str(o) for o in mine}
        if others:
            with self.engine.begin() as conn:
                conn.execute(sa.delete(leases).where(
                    leases.c.owner == self.owner, leases.c.order_id.in_(others)))
        return self.acquire(mine, moment)

    def live_workers(self, now: datetime | None = None) -> list[str]:
        """Renew this worker's heartbeat; every worker whose heartbeat has not expired."""
        moment = now or datetime.now(UTC)
        beat = self._insert(workers).values(name=self.owner, expires_at=moment + self.ttl)
        beat = beat.on_conflict_do_update(index_elements=[workers.c.name],
                                          set_={"expires_at": moment + self.ttl})
        with self.engine.begin() as conn:
            conn.execute(beat)
            rows = conn.execute(sa.select(workers.c.name, workers.c.expires_at))
            live = [name for name, expires in rows if _aware(expires) >= moment]
        return sorted(set(live) | {self.owner})

    def release(self, order_ids: Iterable[UUID]) -> None:
        ids = [str(i) for i in order_ids]
        if not ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(leases).where(leases.c.order_id.in_(ids), leases.c.owner == self.owner)
            )

    def release_all(self) -> None:
        """Give back every lease this worker holds (a clean exit; a crash lets them expire)."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(leases).where(leases.c.owner == self.owner))
            conn.execute(sa.delete(workers).where(workers.c.name == self.owner))

    def holder(self, order_id: UUID) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(leases.c.owner, leases.c.expires_at).where(
                    leases.c.order_id == str(order_id)
                )
            ).first()
        if row is None:
            return None
        return str(row.owner) if _aware(row.expires_at) >= datetime.now(UTC) else None

    def close(self) -> None:
        self.engine.dispose()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
