"""Run the four pure projections over one batch of events (no I/O).

The writer loads the current rows of the orders a batch touches, calls
``fold`` and stores the ``Changes``; tests call ``fold`` with plain dicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from domain.events import OrderEvent
from projections.logic import attention, audit_log, order_status, vendor_daily
from projections.rows import AttentionEntry, AuditRow, DayCount, OrderStatusRow

Entries = dict[tuple[str, str], AttentionEntry]


@dataclass
class Changes:
    orders: dict[UUID, OrderStatusRow] = field(default_factory=dict)
    """The new row of every order the batch touched."""
    attention: dict[UUID, Entries] = field(default_factory=dict)
    """The full new set of entries of every order the batch touched."""
    audit: list[AuditRow] = field(default_factory=list)
    counters: Counter[DayCount] = field(default_factory=Counter)


def fold(
    events: Iterable[tuple[int, OrderEvent]],
    orders: Mapping[UUID, OrderStatusRow],
    entries: Mapping[UUID, Entries],
) -> Changes:
    """The row changes of ``events`` (position, event), given the touched orders' current rows."""
    changes = Changes()
    for position, event in events:
        oid = event.originator_id
        old = changes.orders.get(oid) or orders.get(oid)
        new = order_status.apply(old, event)
        current = changes.attention.get(oid)
        if current is None:
            current = entries.get(oid, {})
        changes.orders[oid] = new
        changes.attention[oid] = attention.apply(current, new, event)
        changes.audit.append(audit_log.apply(old, event, position))
        changes.counters.update(vendor_daily.apply(old, new, event))
    return changes
