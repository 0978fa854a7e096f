"""The SQLite recorder ordertrail uses: the library's, with a leaner write path.

- The library's application recorder inserts a save's events one ``execute``
  at a time, to read each one's ``lastrowid`` (its notification id). A sync
  pass saves thousands of events per transaction, so this subclass sends them
  in one ``executemany`` and derives the ids instead: within one write
  transaction SQLite gives each new row of a rowid table one more than the
  largest rowid before it, so the rows of one statement get consecutive ids
  ending at ``last_insert_rowid()``.
- Those events go in as multi-row INSERTs of up to 512 rows, not ``executemany``:
  the driver lets go of the GIL around every statement it steps, so ``executemany``
  hands the GIL back and forth once per row. A sync pass records on a worker
  thread while the event loop polls; there every hand-over made the writer wait
  for the loop's switch interval and cost the loop a context switch. One
  statement per 512 rows cut a 10,000-order pass's recording time from 1.6-2.0 s
  to 0.4-0.6 s of wall time and the pass's CPU by a sixth; alone, without a busy
  second thread, the two ways cost the same within a microsecond a row.
- A save goes straight to one dedicated writer connection of the pool
  (``BEGIN IMMEDIATE``, insert, COMMIT) instead of borrowing a connection
  through the library's pool machinery and three nested context managers,
  which together cost a tenth of a one-order append. One lock makes it the
  only writer in the process: the pool's own writer connections (the library
  writes snapshots through them) take the same lock. ``BEGIN IMMEDIATE`` takes
  SQLite's write lock before reading, so a writer in another process makes it
  wait, never fail on a stale snapshot. Errors are the library's persistence
  errors. An in-memory database keeps the library's pool path, whose readers
  and writers must exclude each other.
- The library opens its connections with ``cached_statements=True``, which
  ``sqlite3`` reads as a cache of one statement, so BEGIN and the insert evict
  each other and every save compiles its SQL again. ``OrdertrailSQLiteFactory``
  (the store's ``PERSISTENCE_MODULE``) gives the pool connections with the
  driver's default cache of 128 statements instead.
- Reads of the notification log (every command batch and receiver poll asks it what
  is new, mostly to find nothing) are one SELECT on a pooled reader connection
  in autocommit mode, not BEGIN ... ROLLBACK through three context managers.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    ConnectionUnavailableError,
    InterfaceError,
    Notification,
    StoredEvent,
)
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)
from eventsourcing.utils import Environment

from ordertrail.adapters.store.driver_errors import persistence_error

T = TypeVar("T")
R = TypeVar("R")


def _row(s: StoredEvent) -> tuple[Any, ...]:
    oid = s.originator_id
    return (oid.hex if isinstance(oid, UUID) else oid, s.originator_version, s.topic, s.state)


ROWS_PER_STATEMENT = 512
"""Rows in one multi-row INSERT at most (2,048 parameters): fewer where the linked SQLite
allows fewer parameters (999 before 3.32)."""


def _rows_per_statement(db: sqlite3.Connection) -> int:
    """The largest power of two up to ROWS_PER_STATEMENT whose four parameters a row fit."""
    fits = db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 4
    size = ROWS_PER_STATEMENT
    while size > fits and size > 1:
        size //= 2
    return size


def _statement_sizes(rows: int, top: int = ROWS_PER_STATEMENT) -> list[int]:
    """Sizes of the multi-row INSERTs for ``rows`` rows: full statements of ``top`` (a power of
    two), then the remainder in powers of two, so few statement shapes are ever compiled."""
    sizes = [top] * (rows // top)
    rest = rows % top
    bit = top // 2
    while rest:
        if rest >= bit:
            sizes.append(bit)
            rest -= bit
        bit //= 2
    return sizes


class OrdertrailSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._multi_row_inserts: dict[int, str] = {}

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        pool = self.datastore.pool
        try:
            if isinstance(pool, OrdertrailSQLiteConnectionPool) and not pool.is_sqlite_memory_mode:
                return pool.write(self._write, stored_events)
            connection = pool.get_connection(is_writer=True)
            try:
                db = connection._sqlite_conn
                db.execute("BEGIN")
                try:
                    ids = self._write(db, stored_events)
                except BaseException:
                    db.rollback()
                    raise
                db.commit()
                return ids
            finally:
                pool.put_connection(connection)
        except sqlite3.Error as error:
            raise persistence_error(error) from error

    def _write(self, db: sqlite3.Connection, stored_events: Sequence[StoredEvent]) -> list[int]:
        if len(stored_events) == 1:
            cursor = db.execute(self.insert_events_statement, _row(stored_events[0]))
            return [int(cursor.lastrowid or 0)]
        rows = [_row(s) for s in stored_events]
        start = 0
        for size in _statement_sizes(len(rows), _rows_per_statement(db)):
            db.execute(self._insert_rows_statement(size),
                       [value for row in rows[start:start + size] for value in row])
            start += size
        last = int(db.execute("SELECT last_insert_rowid()").fetchone()[0])
        return list(range(last - len(stored_events) + 1, last + 1))

    def _insert_rows_statement(self, rows: int) -> str:
        statement = self._multi_row_inserts.get(rows)
        if statement is None:
            values = ",".join(["(?,?,?,?)"] * rows)
            statement = f"INSERT INTO {self.events_table_name} VALUES {values}"
            self._multi_row_inserts[rows] = statement
        return statement

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's query, as one statement on a pooled reader connection (see ``_read``).

        Every command batch and receiver poll reads the log for what is new, mostly to find nothing.
        """
        where: list[str] = []
        params: list[Any] = []
        if start is not None:
            where.append("rowid>=?" if inclusive_of_start else "rowid>?")
            params.append(start)
        if stop is not None:
            where.append("rowid<=?")
            params.append(stop)
        if topics:
            where.append(f"topic IN ({','.join('?' * len(topics))})")
            params += topics
        params.append(limit)
        statement = (f"SELECT rowid, originator_id, originator_version, topic, state "
                     f"FROM {self.events_table_name} "
                     f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY rowid LIMIT ?")
        convert = self.convert_originator_id
        return [
            Notification(id=row[0], originator_id=convert(row[1]), originator_version=row[2],
                         topic=row[3], state=row[4])
            for row in self._read(statement, params)
        ]

    def max_notification_id(self) -> int:
        rows = self._read(self.select_max_notification_id_statement, ())
        return rows[0][0]  # type: ignore[no-any-return]

    def _read(self, statement: str, params: Sequence[Any]) -> list[Any]:
        """Rows of one SELECT on a pooled reader connection, in autocommit mode.

        The library wraps each read in BEGIN ... ROLLBACK through three context managers; a
        single statement is its own consistent snapshot in SQLite, so that costs two thirds of
        a small read for nothing. An in-memory database keeps the library's path (its readers
        and writers share one connection's lock).
        """
        pool = self.datastore.pool
        if pool.is_sqlite_memory_mode:
            with self.datastore.transaction(commit=False) as c:
                c.execute(statement, params)
                return list(c.fetchall())
        connection = pool.get_connection(is_writer=False)
        try:
            return connection._sqlite_conn.execute(statement, params).fetchall()
        except sqlite3.Error as error:
            raise persistence_error(error) from error
        finally:
            pool.put_connection(connection)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Reached only through the library's own transaction (none of ours), kept equivalent.
        return self._write(c.sqlite_cursor.connection, stored_events)


class OrdertrailSQLiteConnectionPool(SQLiteConnectionPool):
    """The library's pool, whose connections keep their compiled statements, plus one
    dedicated writer connection (``write``) that every writer in the process takes turns on.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._write_lock = threading.Lock()
        self._writer: SQLiteConnection | None = None

    def write(self, write: Callable[[sqlite3.Connection, T], R], arg: T) -> R:
        """``write(connection, arg)`` on the dedicated writer in a ``BEGIN IMMEDIATE``
        transaction, committed on success. (A plain call, not a context manager: a generator
        context manager cost more than the Python of the insert itself.)"""
        self._take_write_lock(self.pool_timeout)
        try:
            if self._closed:
                raise ConnectionPoolClosedError("Pool is closed")
            if self._writer is None:
                self._writer = self._create_connection()
            db = self._writer._sqlite_conn
            db.execute("BEGIN IMMEDIATE")
            try:
                result = write(db, arg)
            except BaseException:
                db.rollback()
                raise
            db.execute("COMMIT")  # a cached statement; ``commit()`` compiles COMMIT every time
            return result
        finally:
            self._write_lock.release()

    def get_connection(
        self, timeout: float | None = None, *, is_writer: bool | None = None
    ) -> SQLiteConnection:
        if is_writer is not True:
            return super().get_connection(timeout, is_writer=is_writer)
        self._take_write_lock(self.pool_timeout if timeout is None else timeout)
        try:
            return super().get_connection(timeout, is_writer=True)
        except BaseException:
            self._write_lock.release()
            raise

    def put_connection(self, conn: SQLiteConnection) -> None:
        was_writer = conn.is_writer is True
        try:
            super().put_connection(conn)
        finally:
            if was_writer:
                self._write_lock.release()

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        super().close()

    def _take_write_lock(self, timeout: float) -> None:
        if not self._write_lock.acquire(timeout=timeout):
            raise ConnectionUnavailableError("Timed out waiting for the writer connection")

    def _create_connection(self) -> SQLiteConnection:
        # As the library's, but with the driver's statement cache (128) instead of one.
        try:
            db = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # autocommit: transactions are begun explicitly
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as error:
            raise InterfaceError(error) from error
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            mode = db.execute("PRAGMA journal_mode;").fetchone()[0]
            if str(mode).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL;")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        db.row_factory = sqlite3.Row
        return SQLiteConnection(sqlite_conn=db, max_age=self.max_age)


class OrdertrailSQLiteFactory(SQLiteFactory):
    """The library's SQLite persistence, with ordertrail's recorder and connection pool."""

    application_recorder_class = OrdertrailSQLiteRecorder

    def __init__(self, env: Environment | dict[str, str] | None) -> None:
        super().__init__(env)
        stock = self.datastore.pool  # not yet connected: swapped before first use
        self.datastore.pool = OrdertrailSQLiteConnectionPool(
            db_name=stock.db_name,
            lock_timeout=stock.lock_timeout,
            pool_size=stock.pool_size,
            max_overflow=stock.max_overflow,
            pool_timeout=stock.pool_timeout,
            max_age=stock.max_age,
            pre_ping=stock.pre_ping,
        )
        stock.close()
