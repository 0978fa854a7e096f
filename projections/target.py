"""Where a batch is stored: its transaction and tables, and rows written by column name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ordertrail.projections.bulk import Bulk, Columns


@dataclass(frozen=True)
class Target:
    """Where and how a batch is stored: its transaction, the tables (live or a rebuild's)."""

    conn: sa.Connection
    tables: Mapping[str, sa.Table]
    """The physical table of each live table name (a rebuild's copies during a rebuild)."""
    bulk: Bulk
    sealed: bool
    """The store is encrypted: keep no free text (``ordertrail.projections.sealed``)."""
    alerts: bool
    """Queue each new attention item for the webhook (live tables only: a rebuild refolds
    history, which is not news)."""

    cache: dict[tuple[str, tuple[str, ...]], Columns] = field(default_factory=dict)
    """The writer's ``Columns``, kept across its batches."""

    def table(self, live: sa.Table) -> sa.Table:
        """The physical table standing for ``live`` in this batch."""
        return self.tables[live.name]

    def columns(self, live: sa.Table, fields: Sequence[str]) -> Columns:
        """Rows with ``fields`` mapped by name onto ``live``'s physical table."""
        key = (live.name, tuple(fields))
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = Columns(self.table(live), fields, self.bulk)
        return found

    def among(self, query: sa.Select[Any], column: sa.Column[UUID],
              ids: Sequence[UUID]) -> Iterator[sa.Row[Any]]:
        """The rows of ``query`` whose ``column`` is one of ``ids``: one array parameter on
        PostgreSQL; on SQLite, chunks under its bound-parameter limit."""
        if not ids:
            return
        if self.bulk.postgres:
            query = query.where(column == sa.any_(
                sa.bindparam("ids", type_=postgresql.ARRAY(column.type))))
            chunks: list[Sequence[UUID]] = [list(ids)]
        else:
            query = query.where(column.in_(sa.bindparam("ids", expanding=True)))
            chunks = [ids[i:i + 5000] for i in range(0, len(ids), 5000)]
        for chunk in chunks:
            yield from self.conn.execute(query, {"ids": chunk})

    def insert(self, live: sa.Table, rows: Sequence[NamedTuple]) -> None:
        """Insert ``rows`` (NamedTuples named like the columns) into ``live``'s table."""
        if rows:
            columns = self.columns(live, rows[0]._fields)
            self.bulk.insert(self.conn, columns.table, columns.rows(rows))

    def upsert(self, live: sa.Table, rows: Sequence[NamedTuple], add: str | None = None) -> None:
        """Upsert ``rows`` (NamedTuples named like the columns) into ``live``'s table."""
        if rows:
            columns = self.columns(live, rows[0]._fields)
            self.bulk.upsert(self.conn, columns.table, columns.rows(rows), add)
