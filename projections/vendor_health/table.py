"""The vendor_health table: a count per vendor, UTC hour and outcome."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ordertrail.projections.models import Base, UTCDateTime


class VendorHealthCount(Base):
    __tablename__ = "vendor_health"

    vendor: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    outcome: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    count: Mapped[int]


TABLE: sa.Table = VendorHealthCount.__table__  # type: ignore[assignment]
