"""The audit_log table: one flat row per event."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ordertrail.projections.models import Base


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


TABLE: sa.Table = AuditLog.__table__  # type: ignore[assignment]
