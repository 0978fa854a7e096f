"""One SQLAlchemy engine on the same database as the event store.

The read models live beside the events (same SQLite file, same PostgreSQL
schema) so a batch's row changes and its tracking position commit in one
transaction with nothing else to coordinate.
"""

from __future__ import annotations

import sqlalchemy as sa

from adapters.store import StoreURL


def engine_for(url: str) -> sa.Engine:
    """A SQLAlchemy engine on the same database as the event store at ``url``."""
    store = StoreURL.parse(url)
    if store.kind == "sqlite":
        return sa.create_engine(f"sqlite:///{store.path}", connect_args={"timeout": 10})
    sa_url = sa.URL.create(
        "postgresql+psycopg", username=store.user or "postgres", password=store.password or None,
        host=store.host, port=store.port, database=store.dbname,
    )
    options = {"options": f"-csearch_path={store.schema}"} if store.schema else {}
    return sa.create_engine(sa_url, connect_args=options, pool_pre_ping=True)


__all__ = ["engine_for"]
