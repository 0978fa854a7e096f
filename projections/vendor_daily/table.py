"""The vendor_daily table: counters per vendor, UTC day and metric."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ordertrail.projections.models import Base


class VendorDaily(Base):
    """Counters per vendor, day and metric (``declined:<reason>`` per decline reason)."""

    __tablename__ = "vendor_daily"

    vendor: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    count: Mapped[int]


TABLE: sa.Table = VendorDaily.__table__  # type: ignore[assignment]
