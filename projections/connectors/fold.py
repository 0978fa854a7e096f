"""connector_status and connector_attention: each vendor account's connector (no I/O).

The fold applies a connector's own events to a ``Connector`` rebuilt from its row and
notices, so what a person must do about a vendor is decided in one place, the aggregate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast
from uuid import UUID

from ordertrail.domain.connector import Connector
from ordertrail.projections.connectors.rows import ConnectorRow, Notices
from ordertrail.projections.decode import CONNECTOR_CLASSES
from ordertrail.projections.errors import ProjectionError
from ordertrail.projections.read_model import Batch

TOPIC_PREFIX = "ordertrail.connector:"


@dataclass
class ConnectorChanges:
    rows: dict[UUID, ConnectorRow] = field(default_factory=dict)
    """The new row of every connector the batch touched."""
    notices: dict[UUID, Notices] = field(default_factory=dict)
    """The full new set of notices of every connector the batch touched."""
    previous: Mapping[UUID, Notices] = field(default_factory=dict)
    """The notices the touched connectors had before the batch."""


def connector_events(batch: Batch) -> list[Connector.Event]:
    """The batch's connector events, in store order (few: the batch is read once for them)."""
    connector = CONNECTOR_CLASSES
    return [cast(Connector.Event, event) for _, event in batch if connector[type(event)]]


def touched(events: Sequence[Connector.Event]) -> list[UUID]:
    """The connectors whose events these are."""
    return list(dict.fromkeys(event.originator_id for event in events))


def fold(events: Sequence[Connector.Event], rows: Mapping[UUID, ConnectorRow],
         notices: Mapping[UUID, Notices]) -> ConnectorChanges:
    """The touched connectors' rows and notices after their ``events``, given those before."""
    changes = ConnectorChanges(previous=notices)
    for event in events:
        cid = event.originator_id
        before = changes.rows.get(cid) or rows.get(cid)
        held = changes.notices.get(cid, notices.get(cid, {}))
        changes.rows[cid], changes.notices[cid] = apply(before, held, event)
    return changes


def apply(
    row: ConnectorRow | None, notices: Notices, event: Connector.Event
) -> tuple[ConnectorRow, Notices]:
    """The connector's row and notices after ``event`` (a decoded ``Connector`` event)."""
    if isinstance(event, Connector.Opened):
        connector = event.mutate(None)
    elif row is None:
        raise ProjectionError(f"connector {event.originator_id}: {type(event).__name__} "
                              f"v{event.originator_version} arrived before it was opened")
    else:
        connector = event.mutate(_rebuilt(row, notices))
    assert isinstance(connector, Connector)
    return row_of(connector), dict(connector.notices)


def row_of(connector: Connector) -> ConnectorRow:
    return ConnectorRow(connector.id, connector.vendor, connector.account, connector.cap_until,
                        connector.last_success_at, connector.version)


def _rebuilt(row: ConnectorRow, notices: Notices) -> Connector:
    """A Connector at ``row``'s version, holding what the read model keeps of it."""
    connector = object.__new__(Connector)
    connector.__base_init__(row.connector_id, row.last_version, row.last_success_at or _EPOCH)
    connector.vendor, connector.account = row.vendor, row.account
    connector.notices, connector.cap_until = dict(notices), row.cap_until
    connector.last_success_at = row.last_success_at
    return connector


_EPOCH = Connector.Opened.create_timestamp().replace(year=2000, month=1, day=1)
