"""vendor_health as a registered read model: counts per vendor, hour and outcome, and what
verify expects of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.counting import CountingModel
from ordertrail.projections.read_model import Mismatch
from ordertrail.projections.vendor_health import fold as folding
from ordertrail.projections.vendor_health.fold import HourCount
from ordertrail.projections.vendor_health.table import TABLE

NAME = "vendor_health"


class HealthRow(NamedTuple):
    """One row of the vendor_health table (``count`` is added to the stored one)."""

    vendor: str
    hour: datetime
    outcome: str
    count: int  # type: ignore[assignment]  # the column's name, over tuple.count


class VendorHealthCheck:
    """The counts a replay of every order's history calls for, compared at the end."""

    def __init__(self) -> None:
        self.expected: Counter[HourCount] = Counter()

    def order(self, view: OrderView, history: Sequence[EventView]) -> None:
        for event in history:
            found = folding.recorded_outcome(_topic(event), event.fields)
            if found is not None:
                self.expected[HourCount(view.vendor, folding.hour_of(event.recorded_at), found)] += 1

    def chunk(self, conn: sa.Connection, order_ids: Sequence[UUID]) -> list[Mismatch]:
        return []

    def finish(self, conn: sa.Connection) -> list[Mismatch]:
        stored = {HourCount(vendor, hour, outcome): n
                  for vendor, hour, outcome, n in conn.execute(sa.select(TABLE))}
        want = dict(self.expected)
        return [Mismatch(None, NAME, f"{key.vendor} {key.hour:%Y-%m-%d %H}:00 {key.outcome}: "
                                     f"replay {want.get(key, 0)}, read model {stored.get(key, 0)}")
                for key in sorted(set(want) | set(stored))
                if want.get(key, 0) != stored.get(key, 0)]


def _topic(event: EventView) -> str:
    return f"ordertrail.order:{event.type}"


READ_MODEL = CountingModel[HourCount](NAME, TABLE, folding.fold, HealthRow, VendorHealthCheck)
