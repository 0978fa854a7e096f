"""Crash the writer between batches and inside one: after restarts the models equal a rebuild."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordertrail.domain import commands as c
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner
from ordertrail.projections.fold import Changes
from ordertrail.projections.rebuild import create_fresh
from ordertrail.projections.tables import TableSet, fresh, live
from ordertrail.projections.writer import Writer
from tests.projections.conftest import order_event_count
from tests.projections.streams import STREAMS, VENDORS


class Crash(Exception):
    """The writer died."""


class CrashingWriter(Writer):
    """Dies inside its batch after writing every row, before the commit."""

    def _store(self, conn: sa.Connection, changes: Changes) -> None:
        super()._store(conn, changes)
        raise Crash


def contents(engine: sa.Engine, tables: TableSet) -> list[list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return [sorted(tuple(row) for row in conn.execute(sa.select(t))) for t in tables.all()]


def record(tracker: Tracker, number: int, vendor: str, stream: list[c.CommandFactory]) -> None:
    order_id = tracker.request_order(vendor, {"n": number}, idempotency_key=f"crash-{number}")
    for make in stream:
        tracker.execute([make(order_id)])  # refused commands record nothing


CRASHES = st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=4)
"""Each: run that many batches, then die (inside the next batch when True)."""


@pytest.mark.slow
def test_after_crashes_and_restarts_the_models_equal_a_rebuild_and_nothing_was_applied_twice(
    tracker: Tracker, store_url: str
) -> None:
    counter = iter(range(10**6))

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(orders=st.lists(st.tuples(VENDORS, STREAMS), min_size=1, max_size=4), crashes=CRASHES)
    def run(orders: list[tuple[str, list[c.CommandFactory]]], crashes: list[tuple[int, bool]]) -> None:
        for vendor, stream in orders:
            record(tracker, next(counter), vendor, stream)
        for batches, inside in crashes:
            runner = ProjectionRunner(tracker, store_url, batch_size=3)
            try:
                for _ in range(batches):
                    runner.run_batch()
                if inside:
                    runner.writer = CrashingWriter(runner.engine, live(), runner.writer.name)
                    try:
                        runner.run_batch()  # returns only when nothing was left to apply
                    except Crash:
                        pass
            finally:
                runner.close()  # the process "dies": nothing of it survives but the database
        runner = ProjectionRunner(tracker, store_url, batch_size=3)
        try:
            runner.catch_up()
            name = f"ref{next(counter)}"
            reference = fresh(f"{name}_")
            create_fresh(runner.engine, reference)
            runner._catch_up(Writer(runner.engine, reference, name))  # a rebuild from zero
            assert contents(runner.engine, live()) == contents(runner.engine, reference)
            with runner.engine.connect() as conn:
                logged = conn.scalar(sa.select(sa.func.count()).select_from(live().audit_log))
            assert logged == order_event_count(tracker)
            with runner.engine.begin() as conn:
                for table in reference.all():
                    table.drop(conn)
        finally:
            runner.close()

    run()
