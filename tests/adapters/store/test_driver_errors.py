"""sqlite3's and psycopg's errors become the library's persistence errors, most specific first:
the tracker tells a conflict (IntegrityError) from a lost connection (OperationalError, which
the library's retry retries) by these classes."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from eventsourcing import persistence as p
from psycopg import errors as pg

from ordertrail.adapters.store.driver_errors import persistence_error


@pytest.mark.parametrize(("error", "expected"), [
    (sqlite3.IntegrityError("UNIQUE constraint failed"), p.IntegrityError),
    (sqlite3.OperationalError("database is locked"), p.OperationalError),
    (sqlite3.InterfaceError("bad parameter"), p.InterfaceError),
    (sqlite3.DatabaseError("file is not a database"), p.DatabaseError),
    (sqlite3.Error("something"), p.PersistenceError),
    (pg.UniqueViolation("duplicate key value"), p.IntegrityError),
    (pg.LockNotAvailable("lock timeout"), p.OperationalError),
    (psycopg.OperationalError("server closed the connection"), p.OperationalError),
    (pg.UndefinedTable("no such table"), p.ProgrammingError),
    (psycopg.Error("something"), p.PersistenceError),
])
def test_each_driver_error_maps_to_the_most_specific_persistence_error(
        error: Exception, expected: type[p.PersistenceError]) -> None:
    translated = persistence_error(error)
    assert type(translated) is expected
    assert str(translated) == str(error)
