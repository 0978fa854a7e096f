"""Crash the writer between batches and inside one: after restarts every registered read model
(vendor_health too) equals a rebuild."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordertrail.domain import commands as c
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner
from ordertrail.projections.decode import Decoded
from ordertrail.projections.rebuild import create_fresh
from ordertrail.projections.registry import READ_MODELS
from ordertrail.projections.tables import Tables, fresh, live
from ordertrail.projections.target import Target
from ordertrail.projections.writer import Writer
from tests.projections.conftest import order_event_count
from tests.projections.streams import STREAMS, VENDORS


class Crash(Exception):
    """The writer died."""


class CrashingWriter(Writer):
    """Dies inside its batch after every read model wrote its rows, before the commit."""

    def apply(self, target: Target, events: Sequence[tuple[int, Decoded]]) -> None:
        super().apply(target, events)
        raise Crash


def contents(engine: sa.Engine, tables: Tables) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, by live table name."""
    with engine.connect() as conn:
        return {name: sorted(tuple(row) for row in conn.execute(sa.select(table)))
                for name, table in tables.items()}


REGISTERED = {table.name for model in READ_MODELS for table in model.tables}


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
    health_rows = 0
    assert "vendor_health" in REGISTERED and set(live()) == REGISTERED

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(orders=st.lists(st.tuples(VENDORS, STREAMS), min_size=1, max_size=4), crashes=CRASHES)
    def run(orders: list[tuple[str, list[c.CommandFactory]]], crashes: list[tuple[int, bool]]) -> None:
        nonlocal health_rows
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
            after_crashes = contents(runner.engine, live())
            assert after_crashes == contents(runner.engine, reference)
            assert set(after_crashes) == REGISTERED
            health_rows += len(after_crashes["vendor_health"])
            assert len(after_crashes["audit_log"]) == order_event_count(tracker)
            with runner.engine.begin() as conn:
                for table in reference.values():
                    table.drop(conn)
        finally:
            runner.close()

    run()
    assert health_rows, "no example gave vendor_health anything to compare"
