"""vendor_health as a registered read model: fold, store by column name, verify."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.bulk import Bulk
from ordertrail.projections.decode import Decoded
from ordertrail.projections.vendor_health import fold as folding
from ordertrail.projections.vendor_health.fold import HourCount
from ordertrail.projections.vendor_health.table import TABLE


class VendorHealthModel:
    name: str = "vendor_health"
    depends_on: tuple[str, ...] = ("order_status",)
    tables: tuple[sa.Table, ...] = (TABLE,)

    def fold(self, events: Sequence[tuple[int, Decoded]],
             vendor_of: Mapping[UUID, str]) -> Counter[HourCount]:
        return folding.fold(events, vendor_of)

    def store(self, conn: sa.Connection, tables: Mapping[str, sa.Table],
              changes: Counter[HourCount], bulk: Bulk) -> None:
        table = tables[TABLE.name]
        rows = [{"vendor": key.vendor, "hour": bulk.datetime(key.hour), "outcome": key.outcome,
                 "count": n} for key, n in changes.items()]
        bulk.upsert(conn, table, [tuple(row[c.name] for c in table.columns) for row in rows],
                    add="count")

    def expect(self, view: OrderView, history: Sequence[EventView],
               expected: Counter[HourCount] | None) -> Counter[HourCount]:
        counts = expected if expected is not None else Counter()
        for event in history:
            found = folding.outcome(_topic(event), _Fields(event.fields))
            if found is not None:
                counts[HourCount(view.vendor, folding.hour_of(event.recorded_at), found)] += 1
        return counts

    def compare(self, conn: sa.Connection, expected: Counter[HourCount] | None) -> list[str]:
        stored = {HourCount(vendor, hour, outcome): n
                  for vendor, hour, outcome, n in conn.execute(sa.select(TABLE))}
        want = dict(expected or {})
        return [f"{key.vendor} {key.hour:%Y-%m-%d %H}:00 {key.outcome}: replay "
                f"{want.get(key, 0)}, read model {stored.get(key, 0)}"
                for key in sorted(set(want) | set(stored)) if want.get(key, 0) != stored.get(key, 0)]


class _Fields:
    """An event's recorded fields as attributes, as the fold reads them."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.__dict__.update(fields)


def _topic(event: EventView) -> str:
    return f"ordertrail.order:{event.type}"
