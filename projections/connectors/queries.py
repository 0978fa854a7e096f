"""Each vendor account's connector, as stored."""

from __future__ import annotations

import sqlalchemy as sa

from ordertrail.projections.connectors.rows import ConnectorRow
from ordertrail.projections.connectors.table import ATTENTION, STATUS


def connector_rows(conn: sa.Connection) -> list[ConnectorRow]:
    query = sa.select(*[STATUS.c[n] for n in ConnectorRow._fields])
    return sorted((ConnectorRow._make(r) for r in conn.execute(query)),
                  key=lambda r: (r.vendor, r.account))


def connector_entries(conn: sa.Connection) -> list[tuple[str, str, str, str]]:
    """(vendor, kind, ref, reason) of every vendor account's attention row."""
    query = sa.select(ATTENTION.c.vendor, ATTENTION.c.kind, ATTENTION.c.ref, ATTENTION.c.reason)
    return sorted((r.vendor, r.kind, r.ref, r.reason) for r in conn.execute(query))
