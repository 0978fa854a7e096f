"""The runner on real SQLite files and PostgreSQL schemas: exactly once, in batches."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from ordertrail.adapters.store import open_tracker
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import DuplicateDeliveryError, OrderFilter, ProjectionRunner, ReadModels
from ordertrail.projections.audit_log.table import AuditLog
from ordertrail.projections.order_status.table import OrderStatus
from ordertrail.projections.replay import verify
from tests.projections.conftest import order_event_count, populate


def test_catching_up_projects_every_order_event_once_and_a_replay_agrees(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels
) -> None:
    ids = populate(tracker, 60)
    applied = runner.catch_up()
    assert applied == order_event_count(tracker)
    assert models.order_count() == len(ids)
    assert len(models.audit(limit=10_000)) == applied
    assert verify(tracker, models) == []
    assert runner.catch_up() == 0


def test_catch_up_applies_only_what_is_new(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels
) -> None:
    populate(tracker, 10)
    first = runner.catch_up()
    populate(tracker, 5, start=10)
    assert runner.catch_up() == order_event_count(tracker) - first
    assert models.order_count() == 15
    assert verify(tracker, models) == []


def test_the_queries_answer_from_the_read_models(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels
) -> None:
    populate(tracker, 10)
    runner.catch_up()
    assert {r.state for r in models.list_orders(OrderFilter(vendor="planomatic"))} == {
        "PAYMENT_DECLINED", "FAILED"}
    assert len(models.list_orders(OrderFilter(limit=3))) == 3
    assert all(not r.needs_person for r in models.list_orders(OrderFilter(needs_person=False)))
    open_states = {r.state for r in models.list_orders(OrderFilter(open_only=True))}
    assert not open_states & {"COMPLETED", "CANCELLED", "REJECTED", "FAILED"}
    kinds = sorted(i.kind for i in models.attention())
    assert kinds == ["CREDENTIALS", "FAILED", "PAYMENT_DECLINED", "SUBMISSION_UNCERTAIN",
                     "WAITING_FOR_USER"]
    (credentials,) = [i for i in models.attention() if i.kind == "CREDENTIALS"]
    assert credentials.order_id is None and credentials.vendor == "planviewer"
    totals = {r.vendor: r for r in models.vendor_report(1) if r.day == "total"}
    assert totals["planviewer"].counts["placed_against_cap"] == 1
    assert totals["planviewer"].counts["completed"] == 1
    assert totals["planviewer"].lead_p50_seconds is not None
    assert totals["planomatic"].declines == {"card_declined": 1}


def test_a_stale_runner_is_refused_by_the_database_and_nothing_is_applied_twice(
    tracker: Tracker, store_url: str, runner: ProjectionRunner, models: ReadModels
) -> None:
    populate(tracker, 30)
    second = ProjectionRunner(tracker, store_url, batch_size=100)
    try:
        applied = runner.run_batch()
        assert applied > 0
        with pytest.raises(DuplicateDeliveryError):
            second.run_batch()  # still believes nothing was applied
        assert len(models.audit(limit=10_000)) == applied
        second.catch_up()  # re-reads the position and carries on
        assert len(models.audit(limit=10_000)) == order_event_count(tracker)
        assert verify(tracker, models) == []
    finally:
        second.close()


@pytest.mark.postgres
def test_two_runners_catching_up_at_once_apply_every_event_exactly_once(
    postgres_url: str,
) -> None:
    tracker = open_tracker(postgres_url)
    try:
        populate(tracker, 300)
        runners = [ProjectionRunner(tracker, postgres_url, batch_size=37) for _ in range(2)]
        totals: list[int] = []
        threads = [threading.Thread(target=lambda r=r: totals.append(r.catch_up())) for r in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        expected = order_event_count(tracker)
        assert sum(totals) == expected
        models = ReadModels(runners[0].engine)
        assert len(models.audit(limit=100_000)) == expected
        assert verify(tracker, models) == []
        for r in runners:
            r.close()
    finally:
        tracker.close()


def test_verify_lists_a_corrupted_row_and_a_missing_audit_row(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels
) -> None:
    ids = populate(tracker, 10)
    runner.catch_up()
    assert verify(tracker, models) == []
    with runner.engine.begin() as conn:
        conn.execute(sa.update(OrderStatus).where(OrderStatus.order_id == ids[0])
                     .values(state="FAILED"))
        conn.execute(sa.delete(AuditLog).where(AuditLog.order_id == ids[1],
                                                AuditLog.version == 1))
    found = {(m.order_id, m.model) for m in verify(tracker, models)}
    assert (ids[0], "order_status") in found
    assert (ids[1], "audit_log") in found
    assert all(order_id in (ids[0], ids[1]) for order_id, _ in found)
