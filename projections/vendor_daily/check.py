"""What ``projections verify`` expects of vendor_daily: each vendor's orders requested."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.read_model import Mismatch
from ordertrail.projections.vendor_daily.queries import metric_totals

NAME = "vendor_daily"


class VendorDailyCheck:
    def __init__(self) -> None:
        self.requested: Counter[str] = Counter()

    def order(self, view: OrderView, history: Sequence[EventView]) -> None:
        self.requested[view.vendor] += 1

    def chunk(self, conn: sa.Connection, order_ids: Sequence[UUID]) -> list[Mismatch]:
        return []

    def finish(self, conn: sa.Connection) -> list[Mismatch]:
        counted, requested = metric_totals(conn, "requested"), self.requested
        return [
            Mismatch(None, NAME, f"{vendor}: {requested[vendor]} orders requested, "
                                 f"{counted.get(vendor, 0)} counted")
            for vendor in sorted(set(requested) | set(counted))
            if requested[vendor] != counted.get(vendor, 0)
        ]
