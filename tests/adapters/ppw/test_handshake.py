"""End to end over loopback: PPW (simulated) imports our orders through the receiver."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from ordertrail.adapters.ppw import PPWLink, PPWSimulator
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import with_ppw

WORK_ORDER = {
    "wo_number": "OT-1001",
    "address": "12 Elm St",
    "city": "Springfield",
    "state": "IL",
    "zip": "62701",
    "date_due": "20261201",
    "line_items": [{"desc": "Lawn cut", "qty": 1, "price": 45, "total": 45, "add": 0}],
}


def request(tracker: Tracker, wo_number: str = "OT-1001", key: str | None = None) -> UUID:
    body = {**WORK_ORDER, "wo_number": wo_number}
    return tracker.request_order("ppw", body, idempotency_key=key or wo_number)


def types(tracker: Tracker, order_id: UUID) -> list[str]:
    return [e.type for e in tracker.history(order_id)]


def test_a_requested_order_is_offered_fetched_acked_and_placed_in_that_order(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = request(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        await ppw.validate_user()
        return await ppw.run_cycle()

    report = with_ppw(link, scenario)
    history = tracker.history(order_id)
    assert [e.type for e in history] == [
        "OrderRequested", "SubmissionAttempted", "SubmissionAttempted", "Acked", "OrderPlaced",
        "CostRecorded",
    ]
    offered, fetched, acked, _placed, cost = history[1:]
    assert cost.fields["amount"] == Decimal("45.00") and cost.fields["basis"] == "line_items total"
    assert offered.fields["channel"] == "ppw:get_all_orders"
    assert fetched.fields["channel"] == "ppw:get_order"
    tid = offered.fields["transaction_id"]
    assert fetched.fields["transaction_id"] == tid
    assert acked.fields["transaction_id"] == tid and acked.fields["outcome"] == "imported"
    view = tracker.get_order(order_id)
    assert view.state is State.PLACED
    assert (view.vendor_ref, view.vendor_ref_kind) == ("1000", "ppw.report_id")
    assert report.imported == ["1000"]
    assert link.outbox.get_state("ppwlink_push") == "https://ppw.invalid/ppwlink/push"


def test_get_order_returns_the_full_work_order_with_the_offered_transaction_id(
    tracker: Tracker, link: PPWLink
) -> None:
    request(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        await ppw.run_cycle()
        return ppw.imported["1000"], ppw.acks_sent

    details, acks = with_ppw(link, scenario)
    assert list(details)[:4] == ["report_id", "wo_number", "wo_status", "transaction_id"]
    assert details["transaction_id"] == acks[0]["transaction_id"]
    assert {k: details[k] for k in WORK_ORDER} == WORK_ORDER
    assert details["report_id"] == "1000" and details["wo_status"] == "Unread"


def test_an_order_is_imported_exactly_once_over_many_cycles(
    tracker: Tracker, link: PPWLink
) -> None:
    first, second = request(tracker, "OT-1"), request(tracker, "OT-2")

    async def scenario(ppw: PPWSimulator) -> Any:
        reports = await ppw.run(cycles=3, every_seconds=0)
        return ppw.import_log, [r.offered for r in reports]

    import_log, offered = with_ppw(link, scenario)
    assert import_log == ["1000", "1001"]
    assert offered == [["1000", "1001"], [], []]
    assert types(tracker, first) == types(tracker, second) == [
        "OrderRequested", "SubmissionAttempted", "SubmissionAttempted", "Acked", "OrderPlaced",
        "CostRecorded",
    ]


def test_an_unacked_order_is_offered_again_with_the_same_transaction_id(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = request(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        first = await ppw.call("get_all_orders", {})
        second = await ppw.call("get_all_orders", {})
        return first[0], second[0]

    first, second = with_ppw(link, scenario)
    assert first == second and first["wo_status"] == "Unread"
    assert types(tracker, order_id) == ["OrderRequested", "SubmissionAttempted"]


def test_a_duplicate_ack_rejects_the_order_for_a_person_to_review(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = request(tracker, "OT-DUP")

    async def scenario(ppw: PPWSimulator) -> Any:
        return await ppw.run_cycle()

    report = with_ppw(link, scenario, duplicates={"OT-DUP"})
    assert report.duplicates == ["1000"] and report.imported == []
    history = tracker.history(order_id)
    assert [e.type for e in history] == [
        "OrderRequested", "SubmissionAttempted", "Acked", "OrderRejected",
    ]
    assert history[2].fields["outcome"] == "duplicate"
    assert history[2].fields["reason"] == "Duplicate work order number"
    assert history[3].fields["reason_code"] == "duplicate"
    assert history[3].fields["classification"] == "needs_human"
    view = tracker.get_order(order_id)
    assert view.state is State.REJECTED and view.needs_a_person


def test_a_repeated_ack_records_nothing(tracker: Tracker, link: PPWLink) -> None:
    order_id = request(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        await ppw.run_cycle()
        tid = ppw.acks_sent[0]["transaction_id"]
        before = len(tracker.history(order_id))
        await ppw.ack(tid, status="success")
        await ppw.ack(tid, status="error", reason="Duplicate work order number")
        return before

    before = with_ppw(link, scenario)
    assert len(tracker.history(order_id)) == before == 6
    assert tracker.get_order(order_id).state is State.PLACED


def test_an_ack_we_cannot_read_is_recorded_as_unknown_for_a_person(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = request(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        listing = await ppw.call("get_all_orders", {})
        await ppw.ack(listing[0]["transaction_id"], note="something new")

    with_ppw(link, scenario)
    history = tracker.history(order_id)
    assert [e.type for e in history][-1] == "Acked"
    assert history[-1].fields["outcome"] == "unknown"
    assert history[-1].raw == {
        "transaction_id": history[1].fields["transaction_id"], "note": "something new",
    }
    view = tracker.get_order(order_id)
    assert view.state is State.REQUESTED and view.needs_a_person


def test_a_timestamp_limits_the_listing_to_orders_changed_since_minus_five_minutes(
    tracker: Tracker, link: PPWLink
) -> None:
    request(tracker)
    requested_at = tracker.get_order(request(tracker, "OT-2")).requested_at
    assert requested_at is not None
    now = int(requested_at.timestamp())

    async def scenario(ppw: PPWSimulator) -> Any:
        later = await ppw.call("get_all_orders", {"timestamp": str(now + 3600)})
        within_overlap = await ppw.call("get_all_orders", {"timestamp": str(now + 200)})
        return later, within_overlap

    later, within_overlap = with_ppw(link, scenario)
    assert later == [{"get_all_updates": "1"}, {"get_all_notes": "1"}]
    assert [h["wo_number"] for h in within_overlap[:-2]] == ["OT-1001", "OT-2"]


def test_orders_for_other_vendors_are_never_offered(tracker: Tracker, link: PPWLink) -> None:
    tracker.request_order("planviewer", {"intention": "x"}, idempotency_key="pv-1")

    async def scenario(ppw: PPWSimulator) -> Any:
        return await ppw.call("get_all_orders", {})

    assert with_ppw(link, scenario) == [{"get_all_updates": "1"}, {"get_all_notes": "1"}]
