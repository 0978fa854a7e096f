"""Run the four pure projections over one batch of events (no I/O).

The writer loads the current rows of the orders a batch touches, calls
``fold`` and stores the ``Changes``; tests call ``fold`` with plain dicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from ordertrail.projections.decode import Decoded
from ordertrail.projections.logic import attention, audit_log, order_status, vendor_daily
from ordertrail.projections.logic import connectors as connector_logic
from ordertrail.projections.logic.connectors import Notices
from ordertrail.projections.rows import AttentionEntry, AuditRow, ConnectorRow, DayCount, OrderStatusRow

Entries = dict[tuple[str, str], AttentionEntry]


@dataclass
class Changes:
    orders: dict[UUID, OrderStatusRow] = field(default_factory=dict)
    """The new row of every order the batch touched."""
    attention: dict[UUID, Entries] = field(default_factory=dict)
    """The full new set of entries of every order the batch touched."""
    audit: list[AuditRow] = field(default_factory=list)
    counters: Counter[DayCount] = field(default_factory=Counter)
    previous: Mapping[UUID, Entries] = field(default_factory=dict)
    """The entries the touched orders had before the batch (as given to ``fold``)."""
    connectors: dict[UUID, ConnectorRow] = field(default_factory=dict)
    """The new row of every connector the batch touched."""
    notices: dict[UUID, Notices] = field(default_factory=dict)
    """The full new set of notices of every connector the batch touched."""
    previous_notices: Mapping[UUID, Notices] = field(default_factory=dict)
    """The notices the touched connectors had before the batch."""


def fold(
    events: Iterable[tuple[int, Decoded]],
    orders: Mapping[UUID, OrderStatusRow],
    entries: Mapping[UUID, Entries],
    connector_rows: Mapping[UUID, ConnectorRow] | None = None,
    notices: Mapping[UUID, Notices] | None = None,
) -> Changes:
    """The row changes of ``events`` (position, event), given the touched orders' current rows.

    Events are grouped by order (keeping their order within each), so each order's row and
    entries are looked up once; the audit rows come out in position order all the same.
    """
    by_order: dict[UUID, list[tuple[int, Decoded]]] = {}
    by_connector: list[Decoded] = []
    for item in events:
        if connector_logic.is_connector_event(item[1]):
            by_connector.append(item[1])
            continue
        oid = item[1].originator_id
        group = by_order.get(oid)
        if group is None:
            by_order[oid] = [item]
        else:
            group.append(item)
    changes = Changes(previous=entries, previous_notices=notices or {})
    audit = changes.audit
    counters = changes.counters
    for oid, group in by_order.items():
        row = orders.get(oid)
        current = entries.get(oid, {})
        for position, event in group:
            new = order_status.apply(row, event)
            current = attention.apply(current, new, event)
            audit.append(audit_log.apply(row, event, position))
            for count in vendor_daily.apply(row, new, event):
                counters[count] += 1
            for count, amount in vendor_daily.spend(row, new, event):
                counters[count] += amount
            row = new
        changes.orders[oid] = new
        changes.attention[oid] = current
    audit.sort(key=_position)
    for event in by_connector:
        cid = event.originator_id
        before = changes.connectors.get(cid) or (connector_rows or {}).get(cid)
        held = changes.notices.get(cid, (notices or {}).get(cid, {}))
        changes.connectors[cid], changes.notices[cid] = connector_logic.apply(before, held, event)
    return changes


def _position(row: AuditRow) -> int:
    return row.position
