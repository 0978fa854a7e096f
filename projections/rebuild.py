"""Rebuild the read models from zero into fresh tables, then swap them in at once.

The fresh ``rebuild_*`` tables are loaded batch by batch under their own
tracking row while readers keep using the live tables. The swap is one
transaction: it takes the live tracking row (so no live batch interleaves),
drops the live tables, renames the fresh ones over them, adds the indexes and
sets the live position to the rebuilt one. Readers see the old complete model
until that commit and the new complete model after it, never a half-built one
(PostgreSQL's DDL is transactional; SQLite's too, and its WAL readers keep
their snapshot).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from ordertrail.projections.read_model import AnyReadModel
from ordertrail.projections.registry import ORDERED
from ordertrail.projections.tables import Tables, fresh, live
from ordertrail.projections.writer import TRACKING, Writer, advance

log = logging.getLogger(__name__)

REBUILD_SUFFIX = ":rebuild"


def create_fresh(engine: sa.Engine, tables: Tables) -> None:
    with engine.begin() as conn:
        for table in tables.values():
            table.drop(conn, checkfirst=True)
            table.create(conn)


def swap(engine: sa.Engine, name: str, rebuilt: Tables, position: int) -> None:
    """Replace the live tables ``rebuilt`` stands for (complete up to ``position``) atomically."""
    target = live()
    with engine.begin() as conn:
        current = conn.scalar(sa.select(TRACKING.c.position).where(TRACKING.c.name == name))
        advance(conn, name, int(current or 0), position)
        for table_name, new in rebuilt.items():
            old = target[table_name]
            old.drop(conn)
            conn.execute(sa.text(f'ALTER TABLE "{new.name}" RENAME TO "{old.name}"'))
            _rename_primary_key(conn, old, new)
            for index in old.indexes:
                index.create(conn)
        conn.execute(sa.delete(TRACKING).where(TRACKING.c.name == name + REBUILD_SUFFIX))


def _rename_primary_key(conn: sa.Connection, live_table: sa.Table, fresh_table: sa.Table) -> None:
    """PostgreSQL names primary keys schema-wide; give the renamed table the live key name."""
    if conn.dialect.name != "postgresql":
        return  # SQLite keys are not schema objects; the name only lives in the table's SQL
    conn.execute(sa.text(
        f'ALTER TABLE "{live_table.name}" RENAME CONSTRAINT '
        f'"{fresh_table.primary_key.name}" TO "{live_table.primary_key.name}"'
    ))


def rebuild(
    engine: sa.Engine, name: str, catch_up: Callable[[Writer], int], sealed: bool = False,
    models: Sequence[AnyReadModel] = ORDERED,
) -> tuple[int, int]:
    """Load fresh tables of ``models`` (in dependency order) with ``catch_up``, swap them in;
    (events applied, position) swapped."""
    tables = fresh(models=models)
    create_fresh(engine, tables)
    writer = Writer(engine, tables, name + REBUILD_SUFFIX, sealed=sealed, models=models)
    with engine.begin() as conn:
        conn.execute(sa.delete(TRACKING).where(TRACKING.c.name == writer.name))
    applied = catch_up(writer)
    position = writer.position()
    swap(engine, name, tables, position)
    analyze(engine, [live()[table_name].name for table_name in tables])
    return applied, position


def gather_missing_statistics(engine: sa.Engine, table_names: Sequence[str]) -> None:
    """``ANALYZE`` those of ``table_names`` PostgreSQL holds no column statistics of: never
    analyzed (a read model filled by catch-ups has none until autovacuum comes round, and never
    where it is off), or analyzed while empty (a rebuild of an empty store, then catch-ups).
    Without them PostgreSQL plans ``verify``'s look-up of a chunk of orders (``order_id IN
    (...)``) as a scan of the whole table; with statistics from any earlier size it scales
    them to the table's size now. Each table in a transaction of its own; one that cannot be
    analyzed now (a lock or statement timeout, a standby) is left as it is, with a warning.
    SQLite plans such look-ups on its indexes without statistics: nothing to do."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        missing = [name for (name,) in conn.execute(sa.text(
            "SELECT tablename FROM pg_tables t WHERE schemaname = current_schema() "
            "AND tablename = ANY(:names) AND NOT EXISTS (SELECT 1 FROM pg_stats s "
            "WHERE s.schemaname = t.schemaname AND s.tablename = t.tablename)"),
            {"names": list(table_names)})]
    for name in missing:
        try:
            analyze(engine, [name])
        except sa.exc.DBAPIError as error:
            log.warning("statistics of %s not gathered (%s): its look-ups may scan the whole "
                        "table", name, type(error.orig).__name__)


def analyze(engine: sa.Engine, table_names: Sequence[str]) -> None:
    """Gather the planner's statistics of ``table_names`` (tables just loaded whole, say), in
    one transaction. Until then PostgreSQL plans on defaults (where autovacuum is off, for
    good), and look-ups by order id in a large table (``verify``'s) become whole-table scans."""
    with engine.begin() as conn:
        for table_name in table_names:
            conn.execute(sa.text(f'ANALYZE "{table_name}"'))
