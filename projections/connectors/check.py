"""What ``projections verify`` expects of the connector tables: each connector as a replay of
its own events makes it."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections import sealed
from ordertrail.projections.connectors.queries import connector_entries, connector_rows
from ordertrail.projections.read_model import Mismatch

NAME = "connectors"


class ConnectorsCheck:
    """Connectors are no orders: compared once, at the end, against the tracker's replay."""

    def __init__(self, tracker: Tracker, redact: bool) -> None:
        self.tracker = tracker
        self.redact = redact

    def order(self, view: OrderView, history: Sequence[EventView]) -> None:
        pass

    def chunk(self, conn: sa.Connection, order_ids: Sequence[UUID]) -> list[Mismatch]:
        return []

    def finish(self, conn: sa.Connection) -> list[Mismatch]:
        found: list[Mismatch] = []
        expected: list[tuple[str, str, str, str]] = []
        for row in connector_rows(conn):
            view = self.tracker.connector(row.vendor, row.account)
            want = (view.id, view.vendor, view.account, view.cap_until, view.last_success_at,
                    view.version)
            if tuple(row) != want:
                found.append(Mismatch(None, "connector_status", f"{row.vendor}/{row.account}: "
                                      f"replay {want!r}, read model {tuple(row)!r}"))
            expected += [(view.vendor, n.kind.value, n.ref,
                          sealed.reason(n.kind.value) if self.redact else n.reason)
                         for n in view.notices]
        stored = connector_entries(conn)
        if sorted(expected) != stored:
            found.append(Mismatch(None, "connector_attention",
                                  f"replay {sorted(expected)}, read model {stored}"))
        return found
