"""Per vendor and UTC day: the counters, with order_status's lead times (``report.assemble``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ordertrail.projections.order_status import queries as order_status
from ordertrail.projections.vendor_daily.report import assemble
from ordertrail.projections.vendor_daily.rows import VendorDayReport
from ordertrail.projections.vendor_daily.table import TABLE


def vendor_report(conn: sa.Connection, days: int, today: datetime | None = None
                  ) -> list[VendorDayReport]:
    """Per vendor and UTC day over the last ``days`` days (today included), plus totals."""
    first = (today or datetime.now(UTC)).date() - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    counters = sa.select(TABLE.c.vendor, TABLE.c.day, TABLE.c.metric, TABLE.c.count).where(
        TABLE.c.day >= first)
    return assemble([(v, d, m, n) for v, d, m, n in conn.execute(counters)],
                    order_status.leads(conn, since))


def metric_totals(conn: sa.Connection, metric: str) -> dict[str, int]:
    """One vendor_daily metric summed over all days, per vendor."""
    query = (sa.select(TABLE.c.vendor, sa.func.sum(TABLE.c.count))
             .where(TABLE.c.metric == metric).group_by(TABLE.c.vendor))
    return {vendor: int(total) for vendor, total in conn.execute(query)}
