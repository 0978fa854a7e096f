"""One process at a time may create or migrate tables on a store.

``CREATE TABLE IF NOT EXISTS`` (and a migration's version check) is not safe
against another process doing the same at the same moment: both pass the check
and the second fails on a duplicate table. Each creator therefore first takes a
lock that lasts until its transaction ends:

- PostgreSQL: a transaction-scoped advisory lock, keyed by the creator's name;
- SQLite: the database's write lock, taken up front with ``BEGIN IMMEDIATE``.

The later process waits, then finds the tables made.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa


def lock_key(name: str) -> int:
    """The advisory lock key (a positive bigint) for ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1


def create_alone(conn: sa.Connection, name: str) -> None:
    """Hold ``name``'s creation lock on ``conn`` until its transaction ends.

    Call first thing in an ``engine.begin()`` block, before any check or DDL.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
