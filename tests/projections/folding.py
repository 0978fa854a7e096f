"""The four order read models' pure folds over one batch, in dependency order, without I/O."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from ordertrail.projections.attention import fold as attention
from ordertrail.projections.attention.fold import Entries
from ordertrail.projections.audit_log import fold as audit_log
from ordertrail.projections.audit_log.rows import AuditRow
from ordertrail.projections.decode import Decoded
from ordertrail.projections.order_status import fold as order_status
from ordertrail.projections.order_status.rows import OrderStatusRow
from ordertrail.projections.vendor_daily import fold as vendor_daily
from ordertrail.projections.vendor_daily.rows import DayCount


@dataclass
class Folded:
    orders: dict[UUID, OrderStatusRow]
    attention: dict[UUID, Entries]
    audit: list[AuditRow]
    counters: Counter[DayCount]


def fold(events: Iterable[tuple[int, Decoded]], orders: Mapping[UUID, OrderStatusRow],
         entries: Mapping[UUID, Entries]) -> Folded:
    """What the batch ``events`` does to each model, given the touched orders' rows and entries."""
    rows = order_status.fold(order_status.group(list(events)), orders)
    return Folded(rows.rows, attention.fold(rows, entries).entries, audit_log.fold(rows),
                  vendor_daily.fold(rows))
