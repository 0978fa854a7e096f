"""The read-model tables, typed SQLAlchemy 2 models. Alembic migrates exactly these.

Secondary indexes are declared in ``__table_args__`` (not ``index=True``) so a
rebuild can load its fresh tables without them and add them at the swap.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both databases (SQLite stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), UUID: sa.Uuid(), date: sa.Date()}


class OrderStatus(Base):
    __tablename__ = "order_status"
    __table_args__ = (
        sa.Index(None, "vendor", "state", "state_since"),
        sa.Index(None, "needs_person"),
        sa.Index(None, "requested_at"),
        sa.Index(None, "delivered_at"),
    )

    order_id: Mapped[UUID] = mapped_column(primary_key=True)
    vendor: Mapped[str] = mapped_column(sa.String(32))
    vendor_ref: Mapped[str | None] = mapped_column(sa.Text)
    idempotency_key: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(32))
    last_raw_status: Mapped[str | None] = mapped_column(sa.Text)
    progress_current: Mapped[int | None]
    progress_total: Mapped[int | None]
    needs_person: Mapped[bool]
    attention: Mapped[str | None] = mapped_column(sa.Text)
    attention_kind: Mapped[str | None] = mapped_column(sa.String(32))
    hold: Mapped[str | None] = mapped_column(sa.String(32))
    """Why the order, requested, is not being submitted now (``HoldCause``)."""
    amount_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    """What the order costs in hundredths of its currency, when a vendor or request says."""
    state_since: Mapped[datetime | None]
    """When the order entered its state (how long an order has been stuck)."""
    requested_at: Mapped[datetime | None]
    placed_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    last_version: Mapped[int]


class Attention(Base):
    __tablename__ = "attention"
    __table_args__ = (sa.Index(None, "since"),)

    order_id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    """The transaction id for an awaited ack; empty otherwise."""
    vendor: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str] = mapped_column(sa.Text)
    since: Mapped[datetime]


class ConnectorStatus(Base):
    """One vendor account's connector, now."""

    __tablename__ = "connector_status"

    connector_id: Mapped[UUID] = mapped_column(primary_key=True)
    vendor: Mapped[str] = mapped_column(sa.String(32))
    account: Mapped[str] = mapped_column(sa.String(200))
    cap_until: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_version: Mapped[int]


class ConnectorAttention(Base):
    """What a person must do about a vendor account as a whole (one row per cause)."""

    __tablename__ = "connector_attention"
    __table_args__ = (sa.Index(None, "since"),)

    connector_id: Mapped[UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    vendor: Mapped[str] = mapped_column(sa.String(32))
    reason: Mapped[str] = mapped_column(sa.Text)
    since: Mapped[datetime]


class VendorDaily(Base):
    """Counters per vendor, day and metric (``declined:<reason>`` per decline reason)."""

    __tablename__ = "vendor_daily"

    vendor: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    count: Mapped[int]


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index(None, "position", unique=True),)

    order_id: Mapped[UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(sa.BigInteger)
    """The event's notification id in the store."""
    event_type: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime]
    occurred_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(sa.Text)
    from_state: Mapped[str | None] = mapped_column(sa.String(32))
    to_state: Mapped[str] = mapped_column(sa.String(32))
    summary: Mapped[str] = mapped_column(sa.Text)


class AlertOutbox(Base):
    """Each new attention item, once, to be posted to the webhook: written by the projection in
    the same transaction as the item (so never lost), posted and marked by the alert sender."""

    __tablename__ = "alert_outbox"
    __table_args__ = (sa.Index(None, "posted_at", "next_try_at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(sa.String(400), unique=True)
    """subject:kind:ref:since, so one item's alert is made once, however often it is folded."""
    order_id: Mapped[UUID | None]
    vendor: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(32))
    ref: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.Text)
    since: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime | None]
    """When to post it (again); None: at once."""
    claimed_until: Mapped[datetime | None]
    posted_at: Mapped[datetime | None]


class AlertState(Base):
    """When alerting began: attention items older than ``enabled`` are history, not alerts."""

    __tablename__ = "alert_state"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    since: Mapped[datetime]


class ProjectionTracking(Base):
    """How far each projection run has read the store (one row per name)."""

    __tablename__ = "projection_tracking"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    position: Mapped[int] = mapped_column(sa.BigInteger)


READ_MODEL_TABLES: tuple[sa.Table, ...] = tuple(Base.metadata.sorted_tables)
