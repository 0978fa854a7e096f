"""The connector tables: each vendor account's connector, and what a person must do about it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ordertrail.projections.models import Base


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


STATUS: sa.Table = ConnectorStatus.__table__  # type: ignore[assignment]


ATTENTION: sa.Table = ConnectorAttention.__table__  # type: ignore[assignment]
