"""The order_status table: one row per order."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ordertrail.projections.models import Base


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


TABLE: sa.Table = OrderStatus.__table__  # type: ignore[assignment]
