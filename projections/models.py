"""The read models' shared base (one ``DeclarativeBase``, its naming convention, UTC times) and
the tables no single read model owns: the alert outbox and the projection tracking rows. Each
read model's own tables are in its folder (``<model>/table.py``), on this ``Base``; Alembic
migrates exactly ``Base.metadata`` (with the registry imported).

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
