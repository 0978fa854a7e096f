"""Many rows in one statement, without SQLAlchemy's per-value type processing.

A batch writes thousands of audit rows; binding each value through the column
types costs more than the insert. ``Bulk`` turns values into what the driver
stores, by the same rules as ``ordertrail.projections.models`` (a test holds them equal to
SQLAlchemy's own bind processors), then sends them as:
- SQLite: one ``executemany`` of a prepared statement;
- PostgreSQL: binary ``COPY ... FROM STDIN``; an upsert COPYs into a temporary table
  (``ON COMMIT DELETE ROWS``, one per connection and target) and moves the rows
  on from there.
Upserts are ``INSERT ... ON CONFLICT (key) DO UPDATE`` on both. Every statement
runs on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

Rows = Sequence[Sequence[Any]]


def same(value: Any) -> Any:
    """The driver takes the value as it is (psycopg: UUIDs and dates)."""
    return value


def sqlite_uuid(value: UUID) -> str:
    return value.hex


def sqlite_datetime(value: datetime | None) -> str | None:
    """``UTCDateTime`` on SQLite: UTC, naive, always six digits of microseconds."""
    if value is None:
        return None
    tz = value.tzinfo
    if tz is UTC:  # the usual case: drop the "+00:00" rather than build a naive copy
        return value.isoformat(" ", "microseconds")[:26]
    if tz is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def postgres_datetime(value: datetime | None) -> datetime | None:
    """``UTCDateTime`` on PostgreSQL: a naive value is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


_BINARY_COPY_TYPES = {
    "UUID": "uuid", "INTEGER": "int4", "BIGINT": "int8", "SMALLINT": "int2", "BOOLEAN": "bool",
    "DATE": "date", "TIMESTAMP WITH TIME ZONE": "timestamptz", "TEXT": "text", "VARCHAR": "text",
}
"""Column types as SQLAlchemy compiles them for PostgreSQL, to the types binary COPY sends."""


_STAMPS_KEPT = 250_000
"""How many formatted times ``Bulk`` remembers before it starts afresh (a few batches' worth)."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Bulk:
    """Bulk insert and upsert for one dialect (``sqlite`` or ``postgresql``)."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        self.uuid: Callable[[UUID], Any] = same if self.postgres else sqlite_uuid
        self.datetime: Callable[[datetime | None], Any] = (
            postgres_datetime if self.postgres else self._sqlite_datetime
        )
        self._stamps: dict[datetime, str | None] = {}
        self.date: Callable[[date], Any] = same if self.postgres else date.isoformat
        self._statements: dict[tuple[Any, ...], str] = {}
        self._types: dict[str, list[str] | None] = {}

    def _sqlite_datetime(self, value: datetime | None) -> str | None:
        """``sqlite_datetime``, remembered: a batch's order rows carry the very times of its
        events (requested, placed, delivered, ...), which its audit rows carry too, and
        formatting an aware time costs ten dictionary look-ups. Equal times format equally
        (an aware time is equal only to the same instant), so the memo cannot mix them up."""
        if value is None:
            return None
        stamps = self._stamps
        found = stamps.get(value)
        if found is None:
            if len(stamps) >= _STAMPS_KEPT:
                stamps.clear()
            found = stamps[value] = sqlite_datetime(value)
        return found

    def insert(self, conn: sa.Connection, table: sa.Table, rows: Rows) -> None:
        """Insert ``rows`` (tuples in the table's column order)."""
        self._run(conn, table, rows, "")

    def upsert(self, conn: sa.Connection, table: sa.Table, rows: Rows, add: str | None = None) -> None:
        """Insert ``rows``, or on a primary-key conflict overwrite the other columns
        (``add``: instead add the new value of that one column to the stored one)."""
        keys = [c.name for c in table.primary_key.columns]
        if add is not None:
            sets = f"{_quote(add)} = {_quote(table.name)}.{_quote(add)} + excluded.{_quote(add)}"
        else:
            sets = ", ".join(f"{_quote(c.name)} = excluded.{_quote(c.name)}"
                             for c in table.columns if not c.primary_key)
        conflict = f" ON CONFLICT ({', '.join(map(_quote, keys))}) DO UPDATE SET {sets}"
        self._run(conn, table, rows, conflict)

    def _run(self, conn: sa.Connection, table: sa.Table, rows: Rows, tail: str) -> None:
        if not rows:
            return
        if self.postgres:
            self._copy(conn, table, rows, tail)
            return
        key = (table.name, tail)
        statement = self._statements.get(key)
        if statement is None:
            columns = ", ".join(_quote(c.name) for c in table.columns)
            values = ", ".join("?" for _ in table.columns)
            statement = f"INSERT INTO {_quote(table.name)} ({columns}) VALUES ({values}){tail}"
            self._statements[key] = statement
        conn.exec_driver_sql(statement, rows if isinstance(rows, list) else list(rows))

    def _binary_types(self, conn: sa.Connection, table: sa.Table) -> list[str] | None:
        """The PostgreSQL type of each column for a binary COPY, or None to COPY as text.

        Binary rows cost psycopg and the server a third of text rows (no quoting, escaping or
        parsing of numbers and times); a column of a type not listed here keeps text.
        """
        if table.name not in self._types:
            compiled = [c.type.compile(dialect=conn.dialect).split("(")[0] for c in table.columns]
            known = [_BINARY_COPY_TYPES[t] for t in compiled if t in _BINARY_COPY_TYPES]
            self._types[table.name] = known if len(known) == len(compiled) else None
        return self._types[table.name]

    def _copy(self, conn: sa.Connection, table: sa.Table, rows: Rows, tail: str) -> None:
        """COPY the rows in; an upsert COPYs them into a temporary table first."""
        columns = ", ".join(_quote(c.name) for c in table.columns)
        target = _quote(table.name)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        if tail:
            stage = _quote(f"stage_{table.name}")
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} "
                           f"(LIKE {target} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
            into = stage
        else:
            into = target
        types = self._binary_types(conn, table)
        binary = " (FORMAT BINARY)" if types else ""
        with cursor.copy(f"COPY {into} ({columns}) FROM STDIN{binary}") as copy:
            if types:
                copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)
        if tail:
            cursor.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {into}{tail}")
            cursor.execute(f"DELETE FROM {into}")


class Columns:
    """Rows of one NamedTuple type, mapped by field name onto ``table``'s columns.

    ``rows(rows)`` gives each row's values in the table's column order, as the driver takes
    them (UUIDs, times and dates differ by database), for ``Bulk.insert`` and ``upsert``. A
    table column that the row type lacks is an error at construction, not a shifted value.

    The conversion is one list comprehension compiled for the table (as ``namedtuple`` compiles
    its class): a batch's tens of thousands of rows then cost no Python call per row or per
    value, only one per value to convert that is not None.
    """

    def __init__(self, table: sa.Table, fields: Sequence[str], bulk: Bulk) -> None:
        self.table = table
        namespace: dict[str, Any] = {}
        values = []
        for column in table.columns:
            value = f"r[{fields.index(column.name)}]"
            convert = _converter(column, bulk)
            if convert is not None and convert is not same:
                name = f"c{len(namespace)}"
                namespace[name] = convert
                value = f"(None if {value} is None else {name}({value}))"
            values.append(value)
        source = f"lambda rows: [({', '.join(values)},) for r in rows]"
        self.rows: Callable[[Sequence[Sequence[Any]]], list[tuple[Any, ...]]] = eval(
            source, namespace)

    def values(self, row: Sequence[Any]) -> tuple[Any, ...]:
        """One row's values (``rows`` of one row)."""
        return self.rows([row])[0]


def _converter(column: sa.Column[Any], bulk: Bulk) -> Callable[[Any], Any] | None:
    kind = type(column.type).__name__
    if kind == "Uuid":
        return bulk.uuid
    if kind == "UTCDateTime":
        return bulk.datetime
    if kind == "Date":
        return bulk.date
    return None
