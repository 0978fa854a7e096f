"""What ``ordertrail report`` and the API show of vendor_health: one row per vendor."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ordertrail.domain.state_machine import TERMINAL_STATES
from ordertrail.projections.connectors.table import ConnectorStatus
from ordertrail.projections.order_status.table import OrderStatus
from ordertrail.projections.vendor_health.table import TABLE

CALLS = ("submitted", "status", "retrieved", "placed")
"""Outcomes of calls that worked; every other outcome is a failure of some class."""


@dataclass(frozen=True)
class VendorHealth:
    vendor: str
    last_success_at: datetime | None
    """The connector's last successful call (any account)."""
    last_hour: dict[str, int] = field(default_factory=dict)
    """Outcome counts over the last hour."""
    last_day: dict[str, int] = field(default_factory=dict)
    """Outcome counts over the last 24 hours."""
    submitted_today: int = 0
    """Submissions since midnight UTC: the daily cap's use (the cap's own day may differ)."""
    oldest_open_since: datetime | None = None
    """When the oldest open order was requested."""

    @property
    def failures_last_day(self) -> dict[str, int]:
        return {k: n for k, n in self.last_day.items() if k not in CALLS}


def health(conn: sa.Connection, now: datetime | None = None) -> list[VendorHealth]:
    """Every vendor that has an order or a connector, by name."""
    now = now or datetime.now(UTC)
    hour_ago, day_ago = now - timedelta(hours=1), now - timedelta(days=1)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hour, day, today = Counter[tuple[str, str]](), Counter[tuple[str, str]](), Counter[str]()
    recent = sa.select(TABLE.c.vendor, TABLE.c.hour, TABLE.c.outcome, TABLE.c.count).where(
        TABLE.c.hour >= day_ago.replace(minute=0, second=0, microsecond=0))
    for vendor, at, outcome, n in conn.execute(recent):
        if at >= hour_ago.replace(minute=0, second=0, microsecond=0):
            hour[(vendor, outcome)] += n
        day[(vendor, outcome)] += n
        if outcome == "submitted" and at >= midnight:
            today[vendor] += n
    success: dict[str, datetime | None] = {}
    for vendor, last in conn.execute(
            sa.select(ConnectorStatus.vendor, sa.func.max(ConnectorStatus.last_success_at))
            .group_by(ConnectorStatus.vendor)):
        success[vendor] = _aware(last)
    oldest = dict(conn.execute(
        sa.select(OrderStatus.vendor, sa.func.min(OrderStatus.requested_at))
        .where(OrderStatus.state.not_in([s.value for s in TERMINAL_STATES]))
        .group_by(OrderStatus.vendor)).all())
    vendors = sorted(set(success) | set(oldest) | {v for v, _ in day})
    return [VendorHealth(
        vendor=v, last_success_at=success.get(v),
        last_hour={o: n for (w, o), n in sorted(hour.items()) if w == v},
        last_day={o: n for (w, o), n in sorted(day.items()) if w == v},
        submitted_today=today[v], oldest_open_since=_aware(oldest.get(v)),
    ) for v in vendors]


def _aware(moment: datetime | None) -> datetime | None:
    """min() over a UTCDateTime column comes back as the driver gives it (naive on SQLite)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
