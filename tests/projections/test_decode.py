"""The fast decoder agrees with the full mapper on every order event topic, on real stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
import sqlalchemy as sa
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import StoredEvent
from sqlalchemy.dialects import sqlite

from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.errors import UnknownEventTopicError
from ordertrail.domain.events import ORDER_EVENT_CLASSES, OrderEvent, OrderPlaced, ProgressReported
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import EventView
from ordertrail.domain.vocabulary import HoldCause, Trouble
from ordertrail.projections.audit_log import fold as audit_log
from ordertrail.projections.bulk import sqlite_datetime
from ordertrail.projections.decode import EventStruct, FastDecoder
from ordertrail.projections.models import UTCDateTime
from ordertrail.projections.source import Source, select_for
from tests.projections.folding import fold

T0 = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
Script = list[Any]


def _scripts() -> list[tuple[str, Script]]:
    """Command lists that between them record every order event topic, with rich fields."""
    return [
        ("planviewer", [
            lambda o: c.AttemptSubmission(order_id=o, channel="planviewer:submit"),
            lambda o: c.FailSubmission(order_id=o, classification="retryable", http_status=503,
                                       vendor_code="daily_cap", message="full",
                                       retry_not_before=T0 + timedelta(hours=1)),
            lambda o: c.MarkOutcomeUnknown(order_id=o, reason="timeout", http_status=504),
            lambda o: c.Place(order_id=o, vendor_ref="pv-1", vendor_ref_kind="job",
                              secondary_refs={"order": "o-1"}),
            lambda o: c.ChangeStatus(order_id=o, raw_status="in_progress",
                                     normalized=State.IN_PROGRESS, source="poll",
                                     occurred_at=T0, raw={"status": "in_progress", "x": [1]},
                                     dedupe_key="d-1"),
            lambda o: c.ReportProgress(order_id=o, current=1, total=3),
            lambda o: c.WaitForUser(order_id=o, kind="location_choice", prompt="pick",
                                    choices=[{"id": "a", "label": "A"}]),
            lambda o: c.ProvideUserInput(order_id=o, kind="location_choice",
                                         selection={"id": "a"}),
            lambda o: c.ChangeStatus(order_id=o, raw_status="finished",
                                     normalized=State.DELIVERED),
            lambda o: c.AnnounceResult(order_id=o, result_ref="r1", name="f.pdf",
                                       media_type="application/pdf", size=3),
            lambda o: c.ReturnToVendor(order_id=o, reason="redo"),
            lambda o: c.AnnounceResult(order_id=o, result_ref="r2"),
            lambda o: c.RecordResultRetrieved(order_id=o, result_ref="r2", file_name="f.pdf",
                                              media_type="application/pdf", size=3, sha256="ab"),
        ]),
        ("planomatic", [
            lambda o: c.AcceptPayment(order_id=o, payment_method_id=7, promotion_code="P",
                                      amount=Decimal("12.50")),
            lambda o: c.DeclinePayment(order_id=o, reason_code="card_declined", http_status=402),
            lambda o: c.Resubmit(order_id=o, changes={"card": "new", "n": [1, 2]}),
        ]),
        ("ppw", [
            lambda o: c.AttemptSubmission(order_id=o, channel="ppw:get_all_orders",
                                          transaction_id="t-1"),
            lambda o: c.RecordAck(order_id=o, transaction_id="t-1", outcome="refused",
                                  reason="bad"),
            lambda o: c.Place(order_id=o, vendor_ref="ppw-1", vendor_ref_kind="k"),
            lambda o: c.SendAmendment(order_id=o, transaction_id="t-2", field="due", value="x"),
            lambda o: c.RequestCancellation(order_id=o, initiator="us", reason="late"),
            lambda o: c.Cancel(order_id=o, initiator="us", raw_status="cancelled"),
        ]),
        ("ivcap", [lambda o: c.Reject(order_id=o, reason_code="invalid",
                                      classification="needs_human", details={"field": "x"})]),
        ("planviewer", [
            lambda o: c.Place(order_id=o, vendor_ref="pv-2", vendor_ref_kind="job"),
            lambda o: c.Fail(order_id=o, reason_code="vendor_error", classification="needs_human",
                             raw_status="error", vendor_message="boom"),
        ]),
        ("ivcap", [
            lambda o: c.AttemptSubmission(order_id=o, channel="ivcap:submit"),
            lambda o: c.MarkOutcomeUnknown(order_id=o, reason="timeout"),
            lambda o: c.NoteAmbiguousReconciliation(order_id=o, candidates=["b", "a"]),
        ]),
        ("planviewer", [
            lambda o: c.HoldSubmission(order_id=o, cause=HoldCause.DAILY_CAP, reason="cap",
                                       until=T0 + timedelta(days=1)),
            lambda o: c.LiftHold(order_id=o, reason="a new day"),
            lambda o: c.Place(order_id=o, vendor_ref="pv-3", vendor_ref_kind="job"),
            lambda o: c.ObserveTrouble(order_id=o, trouble=Trouble.MISSING_FROM_STATUS,
                                       detail="absent", limit=1, spread=timedelta(0), now=T0),
            lambda o: c.ClearTrouble(order_id=o, trouble=Trouble.MISSING_FROM_STATUS),
            lambda o: c.RecordCost(order_id=o, amount=Decimal("45.50"), currency="USD",
                                   basis="line_items total"),
        ]),
    ]


def record_every_topic(tracker: Tracker) -> None:
    for n, (vendor, script) in enumerate(_scripts()):
        order_id = tracker.request_order(vendor, {"n": n, "nested": {"a": [1, None]}},
                                         idempotency_key=f"decode-{n}")
        tracker.execute([make(order_id) for make in script])  # the lifecycle may refuse some


def stored(tracker: Tracker) -> list[tuple[int, UUID, int, str, bytes]]:
    rows = select_for(tracker.recorder)(0, 10_000)
    return [(p, UUID(str(o)), v, t, bytes(s)) for p, o, v, t, s in rows]


def full(tracker: Tracker, oid: UUID, version: int, topic: str, state: bytes) -> Any:
    return tracker.mapper.to_domain_event(StoredEvent(oid, version, topic, state))


def test_every_topic_decodes_as_the_mapper_decodes_it(tracker: Tracker) -> None:
    record_every_topic(tracker)
    decoder = FastDecoder(tracker.mapper)
    assert decoder.fast
    seen: set[str] = set()
    fast_events, slow_events = [], []
    for position, oid, version, topic, state in stored(tracker):
        if not topic.startswith("ordertrail.order:"):
            continue
        seen.add(topic)
        fast = decoder.decode(topic, oid, version, state)
        slow = full(tracker, oid, version, topic, state)
        assert isinstance(fast, EventStruct), topic
        assert type(fast).__name__ == type(slow).__name__ and fast.TOPIC == slow.TOPIC
        for name, value in vars(slow).items():
            assert getattr(fast, name) == value, (topic, name)
            assert type(getattr(fast, name)) is type(value), (topic, name)
        assert set(fast.DETAILS) <= set(vars(slow))
        assert audit_log.apply(None, fast, position) == audit_log.apply(None, slow, position)
        assert audit_log.apply(None, fast, position).summary == EventView.of(slow, None).summary
        fast_events.append((position, fast))
        slow_events.append((position, slow))
    assert seen == {cls.TOPIC for cls in ORDER_EVENT_CLASSES}
    a, b = fold(fast_events, {}, {}), fold(slow_events, {}, {})
    assert (a.orders, a.attention, a.audit, a.counters) == (b.orders, b.attention, b.audit, b.counters)


def _older(state: bytes, change: Any) -> bytes:
    data = msgspec.json.decode(state)
    data.pop("class_version")
    change(data)
    return msgspec.json.encode(data)


def test_older_class_versions_take_the_mappers_upcasters(tracker: Tracker) -> None:
    record_every_topic(tracker)
    rows = {t: (o, v, s) for _, o, v, t, s in stored(tracker)}
    placed = rows[OrderPlaced.TOPIC][2]
    progress = rows[ProgressReported.TOPIC][2]

    def v1_progress(data: dict[str, Any]) -> None:
        data["progress"] = [data.pop("current"), data.pop("total")]

    old_placed = _older(placed, lambda d: d.pop("vendor_secondary_refs"))
    old_progress = _older(progress, v1_progress)
    other = uuid4()
    tracker.recorder.insert_events([
        StoredEvent(other, 1, OrderPlaced.TOPIC, old_placed),
        StoredEvent(other, 2, ProgressReported.TOPIC, old_progress),
    ])
    events = [e for _, e in Source(tracker).read(0, 10_000).events if e.originator_id == other]
    assert [type(e) for e in events] == [OrderPlaced, ProgressReported]  # the mapper's events
    placed_v1, progress_v1 = events
    assert isinstance(placed_v1, OrderPlaced) and placed_v1.vendor_secondary_refs == {}
    assert isinstance(progress_v1, ProgressReported)
    assert (progress_v1.current, progress_v1.total) == (1, 3)


def test_an_unknown_order_topic_is_refused_by_name(tracker: Tracker) -> None:
    record_every_topic(tracker)
    tracker.recorder.insert_events([StoredEvent(uuid4(), 1, "ordertrail.order:Nope", b"{}")])
    with pytest.raises(UnknownEventTopicError):
        Source(tracker).read(0, 10_000)


def test_data_that_does_not_fit_goes_to_the_mapper_and_its_errors(tracker: Tracker) -> None:
    decoder = FastDecoder(tracker.mapper)
    topic = ORDER_EVENT_CLASSES[0].TOPIC
    with pytest.raises(Exception, match="cannot decode stored event"):
        decoder.decode(topic, uuid4(), 1, b"{not json")
    extra = decoder.decode(ProgressReported.TOPIC, uuid4(), 2, msgspec.json.encode({
        "timestamp": "2026-03-01T09:30:00Z", "vendor": "v", "source": "poll", "occurred_at": None,
        "raw": None, "dedupe_key": None, "to_state": "IN_PROGRESS", "current": 1, "total": 2,
        "class_version": 2, "added_later": "x",
    }))
    assert isinstance(extra, OrderEvent) and vars(extra)["added_later"] == "x"


def test_an_encrypted_store_is_read_through_the_mapper(sqlite_url: str) -> None:
    tracker = open_tracker(sqlite_url, cipher_key=AESCipher.create_key(16))
    try:
        record_every_topic(tracker)
        source = Source(tracker)
        assert not source.decoder.fast
        events = source.read(0, 10_000).events
        assert events and all(isinstance(e, OrderEvent) for _, e in events)
    finally:
        tracker.close()


@pytest.mark.parametrize("value", [
    T0, T0.replace(microsecond=0), T0.astimezone(timezone(timedelta(hours=-5))),
    T0.replace(tzinfo=None), None,
])
def test_sqlite_values_are_stored_as_sqlalchemy_stores_them(value: datetime | None) -> None:
    dialect = sqlite.dialect()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    assert sqlite_datetime(value) == bind(value)
    uuid_bind = sa.Uuid().bind_processor(dialect)
    some = uuid4()
    assert uuid_bind is not None and uuid_bind(some) == some.hex
    date_bind = sa.Date().dialect_impl(dialect).bind_processor(dialect)
    assert date_bind is not None and date_bind(date(2026, 3, 1)) == date(2026, 3, 1).isoformat()
