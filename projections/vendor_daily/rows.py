"""vendor_daily's values: one counter's increment, and a vendor's day as reported."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple


class DayCount(NamedTuple):
    """One increment of the ``vendor_daily`` counters."""

    vendor: str
    day: date
    metric: str


class VendorDayReport(NamedTuple):
    vendor: str
    day: str
    """An ISO date, or ``"total"`` for the vendor's row over the whole window."""
    counts: dict[str, int]
    declines: dict[str, int]
    delivered: int
    lead_p50_seconds: float | None
    lead_p95_seconds: float | None
    spend: Decimal
    """What the vendors' stated costs add up to (orders without one are not in it)."""
    unpriced: int
    """Orders placed whose cost no vendor or request stated: unknown, not zero."""


class DailyCountRow(NamedTuple):
    """One row of the vendor_daily table (``count`` is added to the stored one)."""

    vendor: str
    day: date
    metric: str
    count: int  # type: ignore[assignment]  # the column's name, over tuple.count
