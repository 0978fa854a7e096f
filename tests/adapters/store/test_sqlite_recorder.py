"""The library's own application-recorder test cases, run against our SQLite recorder."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from ordertrail.adapters.store.sqlite import (
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

    def test_a_save_larger_than_one_statement_keeps_its_order_and_ids(self) -> None:
        """1,234 events go in as several multi-row INSERTs (512, 512, then powers of two):
        the ids returned are the log's, in the order given, and every event is stored."""
        recorder = self.create_recorder()
        recorder.insert_events([StoredEvent(uuid4(), 1, "t", b"{}")])
        events = [StoredEvent(uuid4(), 1, f"t{n}", f'{{"n":{n}}}'.encode()) for n in range(1234)]
        ids = recorder.insert_events(events)
        assert list(ids or []) == list(range(2, 1236))
        listed = recorder.select_notifications(2, 2000)
        assert [(n.id, n.originator_id, n.topic, n.state) for n in listed] == [
            (i, e.originator_id, e.topic, e.state) for i, e in zip(ids or [], events, strict=True)]

    def test_a_conflict_in_a_later_statement_stores_none_of_the_save(self) -> None:
        recorder = self.create_recorder()
        taken = StoredEvent(uuid4(), 1, "t", b"{}")
        recorder.insert_events([taken])
        events = [StoredEvent(uuid4(), 1, "t", b"{}") for _ in range(1000)] + [taken]
        with pytest.raises(IntegrityError):
            recorder.insert_events(events)
        assert [n.originator_id for n in recorder.select_notifications(1, 2000)] == [
            taken.originator_id]
        assert list(recorder.insert_events(events[:3]) or []) == [2, 3, 4]


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


def test_threads_saving_events_and_snapshots_together_never_collide() -> None:
    """Events go through the pool's dedicated writer, snapshots through the library's pooled
    writer connections; one lock takes turns between them, so no thread meets SQLite's lock."""
    from ordertrail.adapters.store import open_tracker
    from ordertrail.domain import commands as c

    with tempfile.TemporaryDirectory() as folder:
        tracker = open_tracker(f"sqlite:///{Path(folder) / 'e.db'}", snapshot_interval=2)
        assert isinstance(tracker.recorder.datastore.pool, OrdertrailSQLiteConnectionPool)
        orders = [tracker.request_order("ivcap", {"n": n}, f"t-{n}") for n in range(8)]
        tracker.execute([c.Place(order_id=o, vendor_ref=f"r-{n}", vendor_ref_kind="ivcap.order_id")
                         for n, o in enumerate(orders)])
        failures: list[BaseException] = []

        def work(mine: list) -> None:
            try:
                for step in range(1, 16):
                    outcomes = tracker.execute([c.ReportProgress(order_id=o, current=step,
                                                                 total=99) for o in mine])
                    assert all(o.recorded for o in outcomes), outcomes
            except BaseException as error:  # reported by the assertion below
                failures.append(error)

        threads = [threading.Thread(target=work, args=(orders[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not failures, failures
        for oid in orders:
            assert [e.version for e in tracker.history(oid)] == list(range(1, 18))
            assert tracker.snapshots is not None
            (snapshot,) = tracker.snapshots.get(oid, desc=True, limit=1)
            assert snapshot.originator_version == 16
        ids = [n.id for n in tracker.recorder.select_notifications(1, 1000)]
        assert ids == sorted(set(ids)) and len(ids) == 8 * 17 + 8  # and the 8 claims
        tracker.close()


def test_a_sqlite_that_takes_fewer_parameters_gets_smaller_statements() -> None:
    """SQLite before 3.32 takes 999 parameters a statement: a save still goes in whole, in
    statements of 128 rows (512 parameters) and fewer."""
    with tempfile.TemporaryDirectory() as folder:
        factory = OrdertrailSQLiteFactory({"SQLITE_DBNAME": str(Path(folder) / "e.db")})
        recorder = OrdertrailSQLiteRecorder(factory.datastore)
        recorder.create_table()
        pool = factory.datastore.pool
        assert isinstance(pool, OrdertrailSQLiteConnectionPool)
        pool.write(lambda db, _: db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999), None)
        events = [StoredEvent(uuid4(), 1, "t", b"{}") for _ in range(700)]
        ids = recorder.insert_events(events)
        assert list(ids or []) == list(range(1, 701))
        assert len(recorder.select_notifications(1, 1000)) == 700
        factory.close()
