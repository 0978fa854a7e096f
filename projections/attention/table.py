"""The attention table: what a person must do about an order, one row per cause."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ordertrail.projections.models import Base


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


TABLE: sa.Table = Attention.__table__  # type: ignore[assignment]
