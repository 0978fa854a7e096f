"""The library's own application-recorder test cases, run against our SQLite recorder."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from adapters.store.sqlite import (
    OrdertrailSQLiteConnectionPool,
    OrdertrailSQLiteFactory,
    OrdertrailSQLiteRecorder,
)


class TestOrdertrailSQLiteRecorder(ApplicationRecorderTestCase[OrdertrailSQLiteRecorder]):
    def setUp(self) -> None:
        self.folder = tempfile.TemporaryDirectory()
        factory = OrdertrailSQLiteFactory(
            {"SQLITE_DBNAME": str(Path(self.folder.name) / "events.db")}
        )
        self.datastore = factory.datastore

    def tearDown(self) -> None:
        # The library's test_concurrent_no_conflicts stops its reader threads without joining
        # them; closing SQLite connections under a reader still inside a query crashes the
        # interpreter, so let them finish first.
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join(timeout=10)
        self.datastore.close()
        self.folder.cleanup()

    def create_recorder(self) -> OrdertrailSQLiteRecorder:
        recorder = OrdertrailSQLiteRecorder(self.datastore)
        recorder.create_table()
        return recorder

    def test_concurrent_throughput(self) -> None:
        self.skipTest("a throughput printout, not a check; bench/ledger.py measures ours")

    def test_a_many_event_save_returns_the_ids_the_log_shows(self) -> None:
        recorder = self.create_recorder()
        recorder.insert_events([StoredEvent(uuid4(), 1, "t", b"{}")])
        ids = recorder.insert_events([StoredEvent(uuid4(), v, "t", b"{}") for v in (1, 2, 3)])
        ids2 = recorder.insert_events([StoredEvent(uuid4(), 1, "t", b"{}"),
                                       StoredEvent(uuid4(), 1, "t", b"{}")])
        listed = recorder.select_notifications(1, 10)
        assert [n.id for n in listed] == [1, *ids, *ids2]
        assert list(ids) == [2, 3, 4] and list(ids2) == [5, 6]


def test_the_factory_pools_our_connections_in_wal_mode() -> None:
    """The store's factory swaps in our pool (statement cache of 128 rather than the library's
    one) and keeps what the library's gives: WAL for a file, and the same pool limits."""
    with tempfile.TemporaryDirectory() as folder:
        factory = OrdertrailSQLiteFactory(
            {"SQLITE_DBNAME": str(Path(folder) / "e.db"), "SQLITE_LOCK_TIMEOUT": "7"}
        )
        pool = factory.datastore.pool
        assert isinstance(pool, OrdertrailSQLiteConnectionPool)
        assert pool.lock_timeout == 7
        connection = pool.get_connection(is_writer=True)
        try:
            assert connection._sqlite_conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            pool.put_connection(connection)
        factory.close()
