"""Rebuild swaps whole models in; follow picks up new events (poll, NOTIFY, and without NOTIFY)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from ordertrail.adapters.store import open_tracker
from ordertrail.domain.order import Order
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner, ReadModels
from ordertrail.projections.listen import APPLICATION_NAME
from ordertrail.projections.replay import verify
from tests.projections.conftest import order_event_count, populate


def eventually(check: Callable[[], bool], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_a_reader_during_a_rebuild_sees_the_old_complete_model_then_the_new_one(
    tracker: Tracker, store_url: str, models: ReadModels
) -> None:
    populate(tracker, 150)
    runner = ProjectionRunner(tracker, store_url, batch_size=20)
    runner.catch_up()
    full = (models.order_count(), len(models.audit(limit=100_000)))
    seen: list[tuple[int, int]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.append((models.order_count(), len(models.audit(limit=100_000))))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        assert runner.rebuild() == order_event_count(tracker)
    finally:
        done.set()
        reader.join()
        runner.close()
    assert len(seen) > 3 and set(seen) == {full}
    assert verify(tracker, models) == []


def test_a_rebuild_repairs_a_corrupted_model_and_the_runner_carries_on(
    tracker: Tracker, store_url: str, runner: ProjectionRunner, models: ReadModels
) -> None:
    ids = populate(tracker, 20)
    runner.catch_up()
    with runner.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM order_status")
    assert verify(tracker, models)
    runner.rebuild()
    assert verify(tracker, models) == []
    populate(tracker, 5, start=20)
    assert runner.catch_up() > 0
    assert models.order_count() == len(ids) + 5
    assert verify(tracker, models) == []


def test_a_rebuild_leaves_the_planner_statistics_of_every_table_it_loaded(
    tracker: Tracker, runner: ProjectionRunner
) -> None:
    """Where autovacuum is off (or has not come round yet), a table loaded whole has no
    statistics and PostgreSQL plans look-ups in it as whole-table scans: the rebuild gathers
    them itself (SQLite: ``sqlite_stat1``)."""
    populate(tracker, 10)
    runner.rebuild()
    with runner.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            analyzed = set(conn.exec_driver_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
                "AND last_analyze IS NOT NULL").scalars())
        else:
            analyzed = set(conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1").scalars())
    assert {"order_status", "audit_log", "attention", "vendor_daily"} <= analyzed, analyzed


LOOKED_UP = {"order_status", "audit_log"}
"""Read-model tables ``verify`` looks up a chunk of orders in, which ``populate`` fills."""


def _with_statistics(conn: Any) -> set[str]:
    return set(conn.exec_driver_sql(
        "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()").scalars())


@pytest.mark.parametrize("first", ["caught up", "rebuilt while empty"])
def test_verify_first_gathers_the_statistics_postgresql_lacks(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels, first: str
) -> None:
    """Read models filled by catch-ups have no statistics until autovacuum comes round (never,
    where it is off), nor have those a rebuild analyzed while empty, and PostgreSQL then plans
    verify's look-ups of each chunk of orders as whole-table scans: verify gathers them first.
    SQLite needs none."""
    if first == "rebuilt while empty":
        runner.rebuild()
    populate(tracker, 10)
    runner.catch_up()
    with runner.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            assert not LOOKED_UP & _with_statistics(conn)  # nothing else gathered them
    assert verify(tracker, models) == []
    with runner.engine.connect() as conn:
        if not postgres:  # nothing analyzed unless a rebuild did
            assert bool(conn.exec_driver_sql("SELECT name FROM sqlite_master "
                                             "WHERE name = 'sqlite_stat1'").all()) == (
                first == "rebuilt while empty")
            return
        assert _with_statistics(conn) >= LOOKED_UP


def test_verify_goes_on_when_statistics_cannot_be_gathered_now(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A table ANALYZE cannot take now (here another session holds a lock it needs, and
    verify's connections stop waiting after 200 ms) is left as it is, with a warning naming
    it, and verify compares as ever."""
    if runner.engine.dialect.name != "postgresql":
        pytest.skip("statistics are gathered on PostgreSQL only")
    populate(tracker, 5)
    runner.catch_up()

    def wait_briefly_for_locks(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        dbapi_connection.commit()

    sa.event.listen(models.engine, "connect", wait_briefly_for_locks)
    models.engine.dispose()
    with runner.engine.connect() as holder, holder.begin(), caplog.at_level(logging.WARNING):
        holder.exec_driver_sql("LOCK TABLE audit_log IN SHARE UPDATE EXCLUSIVE MODE")
        assert verify(tracker, models) == []
    assert "statistics of audit_log not gathered (LockNotAvailable)" in caplog.text
    with runner.engine.connect() as conn:
        assert "order_status" in _with_statistics(conn)  # the others were gathered


@pytest.fixture
def following(tracker: Tracker, store_url: str) -> Iterator[ProjectionRunner]:
    """A runner following the store in a thread, polling every 0.1 s."""
    interval = 0.1
    runner = ProjectionRunner(tracker, store_url)
    stop = threading.Event()
    thread = threading.Thread(target=runner.follow, args=(stop, interval))
    thread.start()
    try:
        yield runner
    finally:
        stop.set()
        thread.join(timeout=interval + 10)
        runner.close()
    assert not thread.is_alive()


def test_following_picks_up_new_events(
    tracker: Tracker, following: ProjectionRunner, models: ReadModels
) -> None:
    populate(tracker, 5)
    assert eventually(lambda: models.order_count() == 5)
    populate(tracker, 5, start=5)
    assert eventually(lambda: models.order_count() == 10)
    assert eventually(lambda: verify(tracker, models) == [])


@pytest.fixture
def postgres_tracker(postgres_url: str) -> Iterator[Tracker]:
    t = open_tracker(postgres_url)
    try:
        yield t
    finally:
        t.close()


def _follow(tracker: Tracker, url: str, interval: float) -> tuple[ProjectionRunner,
                                                                   threading.Event,
                                                                   threading.Thread]:
    runner = ProjectionRunner(tracker, url)
    stop = threading.Event()
    thread = threading.Thread(target=runner.follow, args=(stop, interval))
    thread.start()
    return runner, stop, thread


def _listening(dsn: str) -> list[int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                            (APPLICATION_NAME,)).fetchall()
    return [pid for (pid,) in rows]


@pytest.mark.postgres
def test_on_postgres_a_notification_wakes_the_runner_long_before_its_poll_interval(
    postgres_tracker: Tracker, postgres_url: str, postgres_dsn: str
) -> None:
    runner, stop, thread = _follow(postgres_tracker, postgres_url, 60.0)
    models = ReadModels(runner.engine)
    try:
        assert eventually(lambda: len(_listening(postgres_dsn)) == 1)
        time.sleep(0.2)
        populate(postgres_tracker, 3)
        assert eventually(lambda: models.order_count() == 3, within=5.0)
    finally:
        stop.set()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute("SELECT pg_notify('ordertrail_events', '')")  # end the 60 s wait
        thread.join(timeout=15)
        runner.close()
    assert not thread.is_alive()


@pytest.mark.postgres
def test_on_postgres_events_without_a_notification_are_still_picked_up_by_polling(
    postgres_tracker: Tracker, postgres_url: str
) -> None:
    runner, stop, thread = _follow(postgres_tracker, postgres_url, 0.3)
    models = ReadModels(runner.engine)
    try:
        populate(postgres_tracker, 2)
        assert eventually(lambda: models.order_count() == 2)
        _append_without_notify(postgres_tracker, postgres_url)
        assert eventually(lambda: models.order_count() == 3)
    finally:
        stop.set()
        thread.join(timeout=15)
        runner.close()


@pytest.mark.postgres
def test_on_postgres_a_dropped_listen_connection_never_stalls_the_runner(
    postgres_tracker: Tracker, postgres_url: str, postgres_dsn: str
) -> None:
    runner, stop, thread = _follow(postgres_tracker, postgres_url, 0.3)
    models = ReadModels(runner.engine)
    try:
        assert eventually(lambda: len(_listening(postgres_dsn)) == 1)
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            for pid in _listening(postgres_dsn):
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        populate(postgres_tracker, 4)
        assert eventually(lambda: models.order_count() == 4)
        assert eventually(lambda: len(_listening(postgres_dsn)) == 1)  # listening again
    finally:
        stop.set()
        thread.join(timeout=15)
        runner.close()


def _append_without_notify(tracker: Tracker, url: str) -> None:
    """Store one real OrderRequested with a plain INSERT: no NOTIFY, as if it were lost."""
    order = Order.request(uuid4(), "ivcap", uuid4().hex, {"n": 1}, "test")
    (stored,) = [tracker.mapper.to_stored_event(e) for e in order.collect_events()]
    recorder: Any = tracker.recorder
    table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
    with recorder.datastore.get_connection() as conn:
        conn.execute(
            sql.SQL("INSERT INTO {} (originator_id, originator_version, topic, state) "
                    "VALUES (%s, %s, %s, %s)").format(table),
            (stored.originator_id, stored.originator_version, stored.topic, stored.state),
        )
