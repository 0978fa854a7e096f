"""connector_status and connector_attention: each vendor account's connector (no I/O).

The fold applies a connector's own events to a ``Connector`` rebuilt from its row and
notices, so what a person must do about a vendor is decided in one place, the aggregate.
"""

from __future__ import annotations

from typing import Any

from ordertrail.domain.connector import Connector, Notice
from ordertrail.projections.errors import ProjectionError
from ordertrail.projections.rows import ConnectorRow

TOPIC_PREFIX = "ordertrail.connector:"
Notices = dict[str, Notice]


def is_connector_event(event: Any) -> bool:
    return isinstance(event, Connector.Event)


def apply(row: ConnectorRow | None, notices: Notices, event: Any) -> tuple[ConnectorRow, Notices]:
    """The connector's row and notices after ``event`` (a decoded ``Connector`` event)."""
    if isinstance(event, Connector.Opened):
        opened = event.mutate(None)
        assert isinstance(opened, Connector)
        connector = opened
    elif row is None:
        raise ProjectionError(f"connector {event.originator_id}: {type(event).__name__} "
                              f"v{event.originator_version} arrived before it was opened")
    else:
        connector = event.mutate(_rebuilt(row, notices))
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
