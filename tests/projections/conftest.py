"""Stores filled with realistic order histories, for the runner, rebuild and verify tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from uuid import UUID

import pytest

from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner, ReadModels, open_read_models
from ordertrail.projections.source import ORDER_TOPICS

Step = Callable[[UUID], c.AnyCommand]
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _steps(*steps: Step) -> list[Step]:
    return list(steps)


def _place(ref: str) -> Step:
    return lambda o: c.Place(order_id=o, vendor_ref=f"{ref}-{o}", vendor_ref_kind="k")


SCENARIOS: list[tuple[str, list[Step]]] = [
    ("planviewer", _steps(
        _place("pv"),
        lambda o: c.ChangeStatus(order_id=o, raw_status="in_progress", normalized=State.IN_PROGRESS),
        lambda o: c.ReportProgress(order_id=o, current=1, total=3),
        lambda o: c.ChangeStatus(order_id=o, raw_status="finished", normalized=State.DELIVERED),
        lambda o: c.AnnounceResult(order_id=o, result_ref="r1"),
        lambda o: c.RecordResultRetrieved(order_id=o, result_ref="r1", file_name="f.pdf",
                                          media_type="application/pdf", size=3, sha256="ab"),
    )),
    ("planomatic", _steps(lambda o: c.DeclinePayment(order_id=o, reason_code="card_declined"))),
    ("planviewer", _steps(
        lambda o: c.FailSubmission(order_id=o, classification="needs_reauth", vendor_code="401"),
        lambda o: c.RefuseCredentials(vendor="planviewer", operation="submit", http_status=401,
                                      message="Unauthorized", at=T0),
    )),
    ("ivcap", _steps(lambda o: c.MarkOutcomeUnknown(order_id=o, reason="timeout"))),
    ("ppw", _steps(lambda o: c.AttemptSubmission(order_id=o, channel="ppw:get_all_orders",
                                                 transaction_id=f"t-{o}"))),
    ("planviewer", _steps(_place("w"), lambda o: c.WaitForUser(order_id=o, kind="location_choice",
                                                               prompt="pick"))),
    ("ivcap", _steps(lambda o: c.Reject(order_id=o, reason_code="invalid"))),
    ("ppw", _steps(_place("x"), lambda o: c.Cancel(order_id=o, initiator="us"))),
    ("planviewer", _steps(
        lambda o: c.FailSubmission(order_id=o, classification="retryable", vendor_code="daily_cap"),
        _place("cap"),
    )),
    ("planomatic", _steps(_place("f"), lambda o: c.Fail(order_id=o, reason_code="vendor_error",
                                                         classification="needs_human"))),
]


def populate(tracker: Tracker, orders: int, start: int = 0) -> list[UUID]:
    """Request ``orders`` orders and play one of the scenarios on each."""
    ids: list[UUID] = []
    commands: list[c.AnyCommand] = []
    for n in range(start, start + orders):
        vendor, steps = SCENARIOS[n % len(SCENARIOS)]
        order_id = tracker.request_order(vendor, {"n": n}, idempotency_key=f"order-{n}")
        ids.append(order_id)
        commands.extend(step(order_id) for step in steps)
        if len(commands) > 500:
            _run(tracker, commands)
    _run(tracker, commands)
    return ids


def _run(tracker: Tracker, commands: list[c.AnyCommand]) -> None:
    outcomes = tracker.execute(commands)
    refused = [o.error for o in outcomes if o.error is not None]
    assert not refused, refused
    commands.clear()


def order_event_count(tracker: Tracker) -> int:
    count, start = 0, 1
    while True:
        found = tracker.recorder.select_notifications(start, 5000)
        count += sum(1 for n in found if n.topic in ORDER_TOPICS)
        if len(found) < 5000:
            return count
        start = found[-1].id + 1


@pytest.fixture
def runner(tracker: Tracker, store_url: str) -> Iterator[ProjectionRunner]:
    r = ProjectionRunner(tracker, store_url, batch_size=100)
    try:
        yield r
    finally:
        r.close()


@pytest.fixture
def models(runner: ProjectionRunner, store_url: str) -> Iterator[ReadModels]:
    m = open_read_models(store_url)
    try:
        yield m
    finally:
        m.close()
