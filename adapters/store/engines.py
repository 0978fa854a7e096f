"""One SQLAlchemy engine on the same database as the event store.

The read models live beside the events (same SQLite file, same PostgreSQL
schema) so a batch's row changes and its tracking position commit in one
transaction with nothing else to coordinate.

On SQLite each of this engine's connections gets a larger page cache (the
read models' keys are random UUIDs, so a catch-up over a long history touches
pages all over their indexes, and SQLite's default 2 MB cache thrashes) and
``synchronous=NORMAL``: in WAL mode a commit is then atomic and survives a
crash of the process, but is not flushed to the disk until the next
checkpoint. A power cut can lose the last batches; the tracking position goes
with them, so the read models stay consistent and catch up again. The event
store's own connections keep the library's setting.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ordertrail.adapters.store import StoreURL
from ordertrail.adapters.store.postgres import NO_JIT

SQLITE_CACHE_KIB = 64 * 1024
"""Page cache per read-model connection on SQLite, in KiB (an upper bound, used as needed)."""


def engine_for(url: str) -> sa.Engine:
    """A SQLAlchemy engine on the same database as the event store at ``url``."""
    store = StoreURL.parse(url)
    if store.kind == "sqlite":
        engine = sa.create_engine(f"sqlite:///{store.path}", connect_args={"timeout": 10})
        sa.event.listen(engine, "connect", _tune_sqlite)
        return engine
    sa_url = sa.URL.create(
        "postgresql+psycopg", username=store.user or "postgres", password=store.password or None,
        host=store.host, port=store.port, database=store.dbname,
    )
    options = f"-csearch_path={store.schema} {NO_JIT}" if store.schema else NO_JIT
    return sa.create_engine(sa_url, connect_args={"options": options}, pool_pre_ping=True)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


__all__ = ["engine_for"]
