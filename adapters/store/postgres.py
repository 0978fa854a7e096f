"""The PostgreSQL recorder ordertrail uses: the library's, in one round trip.

The library's application recorder takes an EXCLUSIVE table lock, NOTIFYs and
inserts in a pipelined transaction (several round trips). Its optional
database-function mode does the insert in one call but drops the table lock,
which lets two writers commit out of notification-id order, so a projection
following the log could pass over an event for good. This subclass keeps the
one-call function and puts the lock back inside it: one round trip per save,
commit order equal to notification order. The function takes four plain
arrays rather than an array of a composite type, which psycopg dumps much
faster, and they go in binary; a save of one event (most appends) calls a twin
that takes the four values as scalars, which psycopg dumps much faster. Both queries are rendered to
text once, not composed again on every call. Saves take turns on one connection
the recorder keeps (``_Writer``), not one borrowed from the pool each time.

``OrdertrailPostgresFactory`` (the store's ``PERSISTENCE_MODULE``) is the library's
factory with this recorder and an aggregate (snapshot) recorder that, like it, creates its
tables one process at a time.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from typing import Any, LiteralString
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from eventsourcing.utils import retry
from psycopg.errors import DuplicateObject
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.composite import register_composite
from psycopg_pool import ConnectionPool

from ordertrail.adapters.store.driver_errors import persistence_error
from ordertrail.adapters.store.schema_lock import lock_key

CREATE_LOCK = lock_key("ordertrail event store")
"""The advisory lock key that serializes creating the event store's tables (see
``ordertrail.adapters.store.schema_lock``; this recorder works on a psycopg cursor, not SQLAlchemy)."""


class _CreatesTablesOneAtATime(PostgresAggregateRecorder):
    """Creates its types and tables in one transaction under an advisory lock.

    ``CREATE TABLE IF NOT EXISTS`` is not safe against a second process doing the same at the
    same moment: both pass the check, and PostgreSQL refuses the second on its catalog's
    unique index. Nor is the library's ``CREATE TYPE``, which it runs before, in a
    transaction of its own, ignoring only ``DuplicateObject``: a type created at the same
    moment fails with a unique violation on ``pg_type`` instead (one start in a few dozen
    lost a process to it). Under the lock the second process waits, then finds all there.
    """

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (CREATE_LOCK,), prepare=False)
            for statement in self.sql_create_statements:
                if "CREATE TYPE" in statement.as_string():
                    # There is no CREATE TYPE IF NOT EXISTS: a savepoint undoes a duplicate.
                    with contextlib.suppress(DuplicateObject), curs.connection.transaction():
                        curs.execute(statement, prepare=False)
            self._create_table(curs)  # the rest: tables, indexes, functions
        self.datastore.register_type_adapters()


class OrdertrailPostgresAggregateRecorder(_CreatesTablesOneAtATime):
    """The library's aggregate recorder (snapshots), creating its tables one process at a time."""


class _Writer:
    """One pool connection kept for this process's event inserts, taken in turns.

    Every insert takes the events table's EXCLUSIVE lock, so two of them never run at once
    anyway, and borrowing one from the pool for each save is slower (psycopg_pool hands its
    connections out in turn, so each save also woke a different, cold server process).
    A broken connection goes back to the pool, which discards it; the next save takes
    another. One older than the pool's ``max_lifetime`` goes back too, so it is renewed like the others.
    """

    def __init__(self, pool: ConnectionPool[psycopg.Connection[DictRow]],
                 configure: Any, open_timeout: float | None) -> None:
        self._pool = pool
        self._configure = configure
        self._open_timeout = open_timeout
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[DictRow] | None = None
        self._taken_at = 0.0

    def fetchall(self, query: str, params: Sequence[Any]) -> list[DictRow]:
        with self._lock:
            conn = self._connection()
            try:
                with conn.cursor() as curs:
                    curs.execute(query, params, prepare=True)
                    return curs.fetchall()
            except psycopg.Error as error:
                if conn.broken or conn.closed:
                    self._give_back()
                raise persistence_error(error) from error

    def close(self) -> None:
        with self._lock:
            self._give_back()

    def _connection(self) -> psycopg.Connection[DictRow]:
        if self._conn is not None and time.monotonic() - self._taken_at > self._pool.max_lifetime:
            self._give_back()
        if self._conn is None:
            try:
                wait = self._open_timeout is not None
                self._pool.open(wait, self._open_timeout or 30.0)
                conn = self._pool.getconn()
            except psycopg.Error as error:
                raise persistence_error(error) from error
            self._configure(conn)
            self._conn, self._taken_at = conn, time.monotonic()
        return self._conn

    def _give_back(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a closed pool closes it instead
                self._pool.putconn(conn)


class OrdertrailPostgresRecorder(_CreatesTablesOneAtATime, PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        datastore = self.datastore
        self.writer = _Writer(datastore.pool, self._register_adapters, datastore.pool_open_timeout)
        schema = Identifier(self.datastore.schema)
        self.pg_function_name_insert_events = (
            f"ordertrail_insert_{self.events_table_name}_{self.datastore.originator_id_type}"
        )[:63]
        function = Identifier(self.pg_function_name_insert_events)
        # %b: the four arrays go in binary. As text, psycopg escapes every element of every
        # array in Python (a regular expression per value).
        self.sql_invoke_pg_function_insert_events = SQL(
            "SELECT * FROM {schema}.{function}(%b, %b, %b, %b)"
        ).format(schema=schema, function=function)
        self.sql_create_pg_function_insert_events = self._insert_function(
            function,
            "ids {id_type}[], versions bigint[], topics text[], states bytea[]",
            returns="SETOF bigint",
            insert=(
                "    RETURN QUERY"
                "    INSERT INTO {schema}.{table} AS t ("
                "    originator_id, originator_version, topic, state)"
                "    SELECT * FROM unnest(ids, versions, topics, states)"
                "    RETURNING notification_id;"
            ),
        )
        index = self.create_insert_function_statement_index
        self.sql_create_statements[index] = self.sql_create_pg_function_insert_events
        one = Identifier(self.pg_function_name_insert_events[:55] + "_one")
        self.sql_create_statements.append(self._insert_function(
            one,
            "id {id_type}, version bigint, topic text, state bytea",
            returns="bigint",
            insert=(
                "    INSERT INTO {schema}.{table} ("
                "    originator_id, originator_version, topic, state)"
                "    VALUES (id, version, topic, state)"
                "    RETURNING notification_id INTO new_id;"
                "    RETURN new_id;"
            ),
            declare="DECLARE new_id bigint;",
        ))
        self._ids_are_uuids = self.datastore.originator_id_type == "uuid"
        self._insert_many = self._render(self.sql_invoke_pg_function_insert_events)
        self._insert_one = self._render(
            SQL("SELECT {schema}.{function}(%s, %s, %s, %s)").format(schema=schema, function=one)
        )

    def _insert_function(
        self, function: Identifier, params: LiteralString, *, returns: LiteralString,
        insert: LiteralString, declare: LiteralString = "",
    ) -> Composed:
        """A PL/pgSQL insert function that takes the table lock and NOTIFYs first."""
        return SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}(" + params + ") "
            "RETURNS " + returns + " LANGUAGE plpgsql AS $BODY$" + declare + "BEGIN"
            "    SET LOCAL lock_timeout = '{lock_timeout}s';"
            "    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;"
            "    NOTIFY {channel};" + insert + "END;$BODY$"
        ).format(
            schema=Identifier(self.datastore.schema),
            function=function,
            lock_timeout=self.datastore.lock_timeout,
            channel=Identifier(self.channel_name),
            id_type=SQL(self.datastore.originator_id_type),
            table=Identifier(self.events_table_name),
        )

    @staticmethod
    def _render(query: Composed) -> str:
        return query.as_string(None)

    def _register_adapters(self, conn: psycopg.Connection[DictRow]) -> None:
        """What the library's ``get_connection`` does to each connection it hands out."""
        for info in self.datastore.psycopg_type_adapters.values():
            if not conn.adapters.types.get(info.oid):
                register_composite(info, conn)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if len(stored_events) == 1:
            s = stored_events[0]
            (row,) = self.writer.fetchall(
                self._insert_one, (s.originator_id, s.originator_version, s.topic, s.state))
            return [next(iter(row.values()))]
        ids: list[UUID | str] = []
        versions: list[int] = []
        topics: list[str] = []
        states: list[bytes] = []
        as_uuid = self._ids_are_uuids
        for event in stored_events:
            oid = event.originator_id
            # Binary parameters are not parsed by the server: a uuid array takes UUIDs only,
            # a text array strings only.
            if as_uuid:
                ids.append(oid if isinstance(oid, UUID) else UUID(oid))
            else:
                ids.append(str(oid))
            versions.append(event.originator_version)
            topics.append(event.topic)
            states.append(event.state)
        rows = self.writer.fetchall(self._insert_many, (ids, versions, topics, states))
        return [row[self.pg_function_name_insert_events] for row in rows]


NO_JIT = "-c jit=off"
"""Every statement of ours is short: compiling one costs more than running it. On a large
table never analyzed (autovacuum off, or a store just filled) the planner's estimates are
high enough to compile even a bulk read (bench/README.md, issue 21's quiet runs)."""


class OrdertrailPostgresFactory(PostgresFactory):
    """The library's PostgreSQL persistence with ordertrail's recorders."""

    aggregate_recorder_class = OrdertrailPostgresAggregateRecorder
    application_recorder_class = OrdertrailPostgresRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        kwargs = self.datastore.pool.kwargs  # the library's: a dict; the pool opens on first use
        assert isinstance(kwargs, dict), kwargs
        kwargs["options"] = NO_JIT

    def application_recorder(self) -> Any:
        recorder = super().application_recorder()
        self._writers = [*getattr(self, "_writers", []), getattr(recorder, "writer")]  # noqa: B009
        return recorder

    def close(self) -> None:
        for writer in getattr(self, "_writers", []):  # back to the pool before it closes
            writer.close()
        super().close()
