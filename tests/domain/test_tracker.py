"""The tracker's commands and queries, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4, uuid5

import pytest
from eventsourcing.persistence import StoredEvent

from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.errors import (
    IdempotencyConflictError,
    InvalidCommandError,
    MalformedOrderIdError,
    OrderNotFoundError,
    TransitionRefused,
    UnknownEventTopicError,
    UnknownStateError,
    UnknownVendorError,
    VendorReferenceConflictError,
)
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vendors import Vendor, order_id_for
from ordertrail.domain.vocabulary import AttentionKind, Trouble


def placed_order(tracker: Tracker, ref: str | None = None) -> tuple:
    oid = tracker.request_order("ivcap", {"service_id": "urn:s"}, f"key-{uuid4()}")
    ref = ref or f"job-{uuid4()}"
    tracker.run(c.Place(order_id=oid, vendor_ref=ref, vendor_ref_kind="ivcap.order_id"))
    return oid, ref


def test_requesting_the_same_order_twice_yields_one_order(tracker: Tracker) -> None:
    first = tracker.request_order("planviewer", {"intention_uuid": "i-1"}, "same-key")
    second = tracker.request_order("planviewer", {"intention_uuid": "i-1"}, "same-key")
    assert first == second
    assert [e.type for e in tracker.history(first)] == ["OrderRequested"]


def test_the_same_key_with_a_different_request_is_refused(tracker: Tracker) -> None:
    tracker.request_order("planviewer", {"intention_uuid": "i-1"}, "k")
    with pytest.raises(IdempotencyConflictError, match="'k'"):
        tracker.request_order("planviewer", {"intention_uuid": "i-2"}, "k")


def test_order_ids_stay_the_uuid5_of_vendor_and_key_that_stored_history_uses() -> None:
    # Pinned values: a change to the derivation would orphan every stored order.
    assert order_id_for(Vendor.parse("planviewer"), "same-key") == UUID(
        "ba39236f-691d-5ce4-bb93-766ca652209b")
    for name in ("planviewer", "ppw", "ivcap", "planomatic", "acme_2"):
        for key in ["k", "bench-1234", "é日本\x00", ""]:
            expected = uuid5(UUID("5d0f4c52-0b9e-4a43-9d1a-9c0b7a7f3e11"), f"{name}\x1f{key}")
            assert order_id_for(Vendor.parse(f" {name.upper()} "), key) == expected
            assert order_id_for(Vendor(name), key) == expected


def test_the_same_key_at_two_vendors_names_two_orders(tracker: Tracker) -> None:
    a = tracker.request_order("planviewer", {"x": 1}, "k")
    b = tracker.request_order("ivcap", {"x": 1}, "k")
    assert a != b


def test_a_refused_command_names_order_state_and_command_and_records_nothing(
    tracker: Tracker,
) -> None:
    oid = tracker.request_order("planviewer", {"intention_uuid": "i"}, "k")
    with pytest.raises(TransitionRefused) as refused:
        tracker.run(c.ReturnToVendor(order_id=oid, reason="late"))
    message = str(refused.value)
    assert str(oid) in message and "REQUESTED" in message and "return_to_vendor" in message
    assert tracker.get_order(oid).version == 1


def test_polls_that_repeat_record_nothing(tracker: Tracker) -> None:
    oid, _ = placed_order(tracker)
    for _ in range(3):
        tracker.run(c.ChangeStatus(order_id=oid, raw_status="executing",
                                   normalized=State.IN_PROGRESS, source="poll"))
        tracker.run(c.ReportProgress(order_id=oid, current=2, total=6, source="poll"))
    types = [e.type for e in tracker.history(oid)]
    assert types == ["OrderRequested", "OrderPlaced", "StatusChanged", "ProgressReported"]


def test_a_repeated_ack_records_nothing(tracker: Tracker) -> None:
    oid = tracker.request_order("ppw", {"wo_number": "W1"}, "k")
    assert tracker.run(c.RecordAck(order_id=oid, transaction_id="T1", outcome="imported"))
    assert not tracker.run(c.RecordAck(order_id=oid, transaction_id="T1", outcome="imported"))
    assert tracker.get_order(oid).version == 2


def test_a_status_that_maps_backwards_is_recorded_but_does_not_move_the_order(
    tracker: Tracker,
) -> None:
    oid, _ = placed_order(tracker)
    tracker.run(c.ChangeStatus(order_id=oid, raw_status="finished", normalized=State.DELIVERED))
    tracker.run(c.ChangeStatus(order_id=oid, raw_status="executing",
                               normalized=State.IN_PROGRESS))
    last = tracker.history(oid)[-1]
    assert last.type == "StatusChanged" and last.to_state is State.DELIVERED
    assert "not reachable" in (last.fields["anomaly"] or "")
    assert tracker.get_order(oid).last_raw_status == "executing"


def test_an_unknown_vendor_status_is_recorded_unchanged_with_an_anomaly(tracker: Tracker) -> None:
    oid, _ = placed_order(tracker)
    tracker.run(c.ChangeStatus(order_id=oid, raw_status="on_the_moon", normalized=None))
    last = tracker.history(oid)[-1]
    assert last.to_state is State.PLACED and "unknown raw status" in last.fields["anomaly"]


def test_delivery_then_retrieving_every_result_completes_the_order(tracker: Tracker) -> None:
    oid, _ = placed_order(tracker)
    for ref in ("p1", "p2"):
        tracker.run(c.AnnounceResult(order_id=oid, result_ref=ref))
    tracker.run(c.RecordResultRetrieved(order_id=oid, result_ref="p1", file_name="a",
                                        media_type="x", size=1, sha256="aa"))
    assert tracker.get_order(oid).state is State.DELIVERED
    tracker.run(c.RecordResultRetrieved(order_id=oid, result_ref="p2", file_name="b",
                                        media_type="x", size=1, sha256="bb"))
    view = tracker.get_order(oid)
    assert view.state is State.COMPLETED and view.finished_at is not None


def test_a_vendor_reference_belongs_to_one_order(tracker: Tracker) -> None:
    first, ref = placed_order(tracker)
    second = tracker.request_order("ivcap", {"service_id": "urn:s"}, "other")
    with pytest.raises(VendorReferenceConflictError, match=ref):
        tracker.run(c.Place(order_id=second, vendor_ref=ref, vendor_ref_kind="ivcap.order_id"))
    assert tracker.get_order(second).state is State.REQUESTED
    found = tracker.find_by_vendor_ref("ivcap", ref)
    assert found is not None and found.id == first


def test_two_orders_claiming_one_vendor_reference_in_one_batch_the_second_is_refused(
    tracker: Tracker,
) -> None:
    # Found by the model: the first claim is not saved yet, so the store's key cannot see it.
    first = tracker.request_order("ivcap", {"service_id": "urn:s"}, f"a-{uuid4()}")
    second = tracker.request_order("ivcap", {"service_id": "urn:s"}, f"b-{uuid4()}")
    ref = f"job-{uuid4()}"
    placed, refused = tracker.execute([
        c.Place(order_id=oid, vendor_ref=ref, vendor_ref_kind="ivcap.order_id")
        for oid in (first, second)
    ])
    assert placed.recorded and placed.error is None
    assert isinstance(refused.error, VendorReferenceConflictError) and not refused.recorded
    assert f"already belongs to order {first}; order {second} cannot claim it" in str(refused.error)
    assert tracker.get_order(second).state is State.REQUESTED
    assert [e.type for e in tracker.history(second)] == ["OrderRequested"]
    found = tracker.find_by_vendor_ref("ivcap", ref)
    assert found is not None and found.id == first


def test_an_unknown_vendor_status_leaves_what_a_person_was_asked(tracker: Tracker) -> None:
    # Found by the model: B.3 says record an unknown status and keep polling; it proves nothing.
    oid, _ = placed_order(tracker)
    tracker.run(c.RequestCancellation(order_id=oid, initiator="us"))
    asked = tracker.get_order(oid).attention_kind
    assert asked is AttentionKind.CANCEL_AT_VENDOR
    assert tracker.run(c.ChangeStatus(order_id=oid, raw_status="weird", normalized=None))
    assert tracker.get_order(oid).attention_kind is asked
    tracker.run(c.ChangeStatus(order_id=oid, raw_status="executing", normalized=State.IN_PROGRESS))
    tracker.run(c.AnnounceResult(order_id=oid, result_ref="p1"))
    tracker.run(c.ObserveTrouble(order_id=oid, trouble=Trouble.RETRIEVE_NOT_FOUND, detail="404",
                                 limit=1, spread=timedelta(0), now=datetime.now(UTC)))
    assert tracker.run(c.ChangeStatus(order_id=oid, raw_status="scheduled",
                                      normalized=State.PLACED))  # backwards: an anomaly
    view = tracker.get_order(oid)
    assert (view.state, view.attention_kind) == (State.DELIVERED, AttentionKind.RETRIEVE_NOT_FOUND)


def test_a_cancellation_request_does_not_end_a_submission_in_flight(tracker: Tracker) -> None:
    # Found by the model: the request cleared the in-flight mark, so a second attempt went out.
    oid = tracker.request_order("planviewer", {"intention_uuid": "i-1"}, f"k-{uuid4()}")
    tracker.run(c.AttemptSubmission(order_id=oid, channel="jobs/order"))
    tracker.run(c.RequestCancellation(order_id=oid, initiator="us"))
    assert tracker.get_order(oid).submission_in_flight
    with pytest.raises(TransitionRefused, match="refuses attempt_submission"):
        tracker.run(c.AttemptSubmission(order_id=oid, channel="jobs/order"))
    assert tracker.get_order(oid).submission_attempts == 1


def test_a_vendor_reference_is_claimed_once_under_concurrent_writers(store_url: str) -> None:
    trackers = [open_tracker(store_url) for _ in range(4)]
    try:
        ids = [t.request_order("ivcap", {"n": i}, f"k{i}") for i, t in enumerate(trackers)]
        barrier = threading.Barrier(len(trackers))
        results: list[object] = []

        def claim(t: Tracker, oid: object) -> None:
            barrier.wait()
            try:
                t.run(c.Place(order_id=oid, vendor_ref="shared-ref", vendor_ref_kind="k"))
                results.append("placed")
            except VendorReferenceConflictError:
                results.append("refused")

        threads = [
            threading.Thread(target=claim, args=(t, i))
            for t, i in zip(trackers, ids, strict=True)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(results) == ["placed", "refused", "refused", "refused"]
        placed = [i for i in ids if trackers[0].get_order(i).state is State.PLACED]
        assert len(placed) == 1
        assert trackers[0].find_by_vendor_ref("ivcap", "shared-ref").id == placed[0]
    finally:
        for t in trackers:
            t.close()


def test_finding_orders_by_idempotency_key(tracker: Tracker) -> None:
    oid = tracker.request_order("planomatic", {"order": {}}, "po-1")
    found = tracker.find_by_idempotency_key("planomatic", "po-1")
    assert found is not None and found.id == oid
    assert tracker.find_by_idempotency_key("planomatic", "nope") is None


def test_an_order_as_of_a_version_and_as_of_a_time(tracker: Tracker) -> None:
    oid, _ = placed_order(tracker)
    tracker.run(c.ReportProgress(order_id=oid, current=1, total=3))
    between = datetime.now(UTC)
    tracker.run(c.ReportProgress(order_id=oid, current=2, total=3))
    assert tracker.get_order(oid, version=2).state is State.PLACED
    assert tracker.get_order(oid, at=between).progress_current == 1
    assert tracker.get_order(oid).progress_current == 2
    with pytest.raises(OrderNotFoundError):
        tracker.get_order(oid, at=datetime(2000, 1, 1, tzinfo=UTC))


def test_history_shows_every_event_with_the_state_it_changed(tracker: Tracker) -> None:
    oid, ref = placed_order(tracker)
    history = tracker.history(oid)
    assert [(e.version, e.type, e.from_state, e.to_state) for e in history] == [
        (1, "OrderRequested", None, State.REQUESTED),
        (2, "OrderPlaced", State.REQUESTED, State.PLACED),
    ]
    assert ref in history[1].summary


def test_a_batch_of_commands_for_many_orders_commits_together(tracker: Tracker) -> None:
    ids = [tracker.request_order("ivcap", {"n": i}, f"b{i}") for i in range(5)]
    before = tracker.recorder.max_notification_id() or 0
    outcomes = tracker.execute(
        [c.Place(order_id=i, vendor_ref=f"r-{i}", vendor_ref_kind="k") for i in ids]
        + [c.ReturnToVendor(order_id=ids[0], reason="refused: not delivered")]
    )
    assert [o.recorded for o in outcomes] == [True] * 5 + [False]
    assert isinstance(outcomes[-1].error, TransitionRefused)
    # 5 placements and 5 vendor-reference claims, in one transaction.
    assert (tracker.recorder.max_notification_id() or 0) - before == 10


def test_submissions_are_counted_per_vendor_day(tracker: Tracker) -> None:
    day = date(2026, 11, 22)
    for i in range(3):
        oid = tracker.request_order("planviewer", {"n": i}, f"d{i}")
        tracker.run(c.AttemptSubmission(order_id=oid, channel="jobs/order", counts_toward_day=day))
    assert tracker.submissions_on("planviewer", day) == 3
    assert tracker.submissions_on("planviewer", date(2026, 11, 23)) == 0


def test_open_orders_leave_out_finished_ones(tracker: Tracker) -> None:
    open_id, _ = placed_order(tracker)
    done = tracker.request_order("ivcap", {"n": "x"}, "done")
    tracker.run(c.Cancel(order_id=done, initiator="us"))
    assert [v.id for v in tracker.open_orders()] == [open_id]
    assert tracker.open_orders(vendor="planviewer") == []


def test_bad_names_and_ids_give_clear_domain_errors(tracker: Tracker) -> None:
    with pytest.raises(UnknownVendorError, match=r"'ac me!'.*lowercase identifier"):
        tracker.request_order("ac me!", {}, "k")  # which names exist is the registry's to say
    with pytest.raises(MalformedOrderIdError, match="'not-a-uuid'"):
        tracker.get_order("not-a-uuid")
    with pytest.raises(OrderNotFoundError):
        tracker.get_order(uuid4())
    with pytest.raises(OrderNotFoundError):
        tracker.run(c.Cancel(order_id=uuid4(), initiator="us"))
    with pytest.raises(UnknownStateError, match="'SHIPPED'"):
        State.parse("SHIPPED")
    with pytest.raises(InvalidCommandError, match="negative"):
        oid2, _ = placed_order(tracker)
        tracker.run(c.ReportProgress(order_id=oid2, current=-1, total=3))


def test_a_stored_event_of_an_unknown_topic_is_a_clear_error(tracker: Tracker) -> None:
    oid = tracker.request_order("ivcap", {}, "k")
    stranger = StoredEvent(oid, 2, "ordertrail.order:Teleported", b"{}")
    tracker.recorder.insert_events([stranger])
    with pytest.raises(UnknownEventTopicError, match="Teleported"):
        tracker.get_order(oid)


def test_values_come_back_with_their_exact_types(tracker: Tracker) -> None:
    oid = tracker.request_order("planomatic", {"order": {}}, "types")
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    tracker.run(c.AcceptPayment(order_id=oid, amount=Decimal("149.90"), occurred_at=when))
    event = tracker.history(oid)[-1]
    assert event.fields["amount"] == Decimal("149.90")
    assert isinstance(event.fields["amount"], Decimal)
    assert event.occurred_at == when
    assert event.order_id == oid


def test_events_of_many_orders_are_each_orders_whole_history(tracker: Tracker) -> None:
    """``events_of`` (read in bulk by the fast tracker) gives what reading each order alone
    gives, past its snapshots too, and leaves out ids with no events."""
    long_one, _ = placed_order(tracker)
    for n in range(120):  # past two snapshots (every 50 events)
        tracker.run(c.ReportProgress(order_id=long_one, current=n + 1, total=500, source="poll"))
    short_one = tracker.request_order("ivcap", {}, "short")
    unknown = uuid4()
    found = dict(tracker.events_of([short_one, unknown, long_one]))
    assert list(found) == [short_one, long_one]
    for oid in (short_one, long_one):
        assert [(e.originator_version, type(e)) for e in found[oid]] == [
            (e.originator_version, type(e)) for e in tracker.events.get(oid)]
    assert len(found[long_one]) == tracker.get_order(long_one).version == 122
