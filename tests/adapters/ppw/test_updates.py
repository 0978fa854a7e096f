"""After import: results from PPW, and our Update / RTV / Complete / Cancel instructions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from ordertrail.adapters.ppw import (
    NotOfferableError,
    PPWLink,
    PPWSimulator,
    request_cancel,
    request_complete,
    request_rtv,
    send_update,
)
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import with_ppw
from tests.adapters.ppw.test_handshake import request, types

PLACED = ["OrderRequested", "SubmissionAttempted", "SubmissionAttempted", "Acked", "OrderPlaced",
          "CostRecorded"]


def imported(tracker: Tracker, link: PPWLink, wo_number: str = "OT-1001") -> UUID:
    order_id = request(tracker, wo_number)

    async def scenario(ppw: PPWSimulator) -> Any:
        await ppw.run_cycle()

    with_ppw(link, scenario)
    assert types(tracker, order_id) == PLACED
    return order_id


def delivered(tracker: Tracker, link: PPWLink) -> UUID:
    order_id = imported(tracker, link)

    async def scenario(ppw: PPWSimulator) -> Any:
        return await ppw.send_ready_for_office("1000")

    result = with_ppw(link, scenario)
    assert result == {"errors": [], "cell_updates": {"wo_status": "Ready for Office"}}
    assert types(tracker, order_id)[-2:] == ["StatusChanged", "ResultAvailable"]
    assert tracker.get_order(order_id).state is State.DELIVERED
    return order_id


def cycle(link: PPWLink, **options: Any) -> Any:
    async def scenario(ppw: PPWSimulator) -> Any:
        return await ppw.run_cycle()

    return with_ppw(link, scenario, **options)


def test_ready_for_office_delivers_the_order(tracker: Tracker, link: PPWLink) -> None:
    order_id = delivered(tracker, link)
    changed = tracker.history(order_id)[-2]
    assert changed.fields["raw_status"] == "Ready for Office"


def test_rtv_is_offered_and_reopens_the_order_once_acked(tracker: Tracker, link: PPWLink) -> None:
    order_id = delivered(tracker, link)
    tid = request_rtv(tracker, link.outbox, order_id, "Photos missing for the back yard")
    report = cycle(link)
    assert report.updates == [{
        "report_id": "1000", "wo_number": "OT-1001", "wo_status": "RTV", "transaction_id": tid,
        "update_value": "Photos missing for the back yard",
    }]
    history = tracker.history(order_id)
    assert [e.type for e in history][-2:] == ["Acked", "ReturnedToVendor"]
    assert history[-2].fields["acked_command"] == "rtv"
    assert history[-1].fields["reason"] == "Photos missing for the back yard"
    assert tracker.get_order(order_id).state is State.IN_PROGRESS
    assert cycle(link).updates == []


def test_complete_closes_the_order_once_acked(tracker: Tracker, link: PPWLink) -> None:
    order_id = delivered(tracker, link)
    request_complete(tracker, link.outbox, order_id)
    report = cycle(link)
    assert [u["wo_status"] for u in report.updates] == ["Complete"]
    history = tracker.history(order_id)
    assert [e.type for e in history][-2:] == ["Acked", "StatusChanged"]
    assert history[-1].fields["raw_status"] == "Complete"
    assert tracker.get_order(order_id).state is State.COMPLETED


def test_cancel_after_import_is_offered_and_confirmed_by_the_ack(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = imported(tracker, link)
    tid = request_cancel(tracker, link.outbox, order_id, "customer withdrew")
    assert tid is not None
    report = cycle(link)
    assert [(u["wo_status"], u["transaction_id"]) for u in report.updates] == [("Cancel", tid)]
    assert types(tracker, order_id)[len(PLACED):] == ["CancellationRequested", "Acked", "Cancelled"]
    assert tracker.history(order_id)[-1].fields["initiator"] == "us"
    assert tracker.get_order(order_id).state is State.CANCELLED


def test_cancel_before_ppw_imported_it_is_local_and_the_order_is_never_offered(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = request(tracker)
    assert request_cancel(tracker, link.outbox, order_id) is None
    report = cycle(link)
    assert report.offered == []
    assert types(tracker, order_id) == ["OrderRequested", "Cancelled"]


def test_an_update_is_offered_with_its_field_and_acked(tracker: Tracker, link: PPWLink) -> None:
    order_id = imported(tracker, link)
    tid = send_update(tracker, link.outbox, order_id, "lot_size", "45,000 sqft")
    report = cycle(link)
    assert report.updates == [{
        "report_id": "1000", "wo_number": "OT-1001", "wo_status": "Update",
        "transaction_id": tid, "update_field": "lot_size", "update_value": "45,000 sqft",
    }]
    history = tracker.history(order_id)
    assert [e.type for e in history][len(PLACED):] == ["AmendmentSent", "Acked"]
    assert (history[-1].fields["outcome"], history[-1].fields["acked_command"]) == (
        "imported", "update",
    )
    assert tracker.get_order(order_id).state is State.PLACED


def test_a_refused_update_is_recorded_for_a_person(tracker: Tracker, link: PPWLink) -> None:
    order_id = imported(tracker, link)
    send_update(tracker, link.outbox, order_id, "comments", "gate code 4411")
    cycle(link, refuse_updates=True)
    last = tracker.history(order_id)[-1]
    assert (last.type, last.fields["outcome"]) == ("Acked", "refused")
    assert tracker.get_order(order_id).needs_a_person


def test_instructions_the_order_cannot_take_are_refused_and_nothing_is_offered(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = imported(tracker, link)
    with pytest.raises(NotOfferableError, match="RTV needs one of DELIVERED"):
        request_rtv(tracker, link.outbox, order_id, "too early")
    with pytest.raises(NotOfferableError, match="cannot update field 'wo_number'"):
        send_update(tracker, link.outbox, order_id, "wo_number", "X")
    assert cycle(link).updates == []
    assert types(tracker, order_id) == PLACED


@pytest.mark.parametrize(
    ("raw", "state", "event"),
    [
        ("In Field", State.IN_PROGRESS, "StatusChanged"),
        ("follow up", State.WAITING_FOR_USER, "WaitingForUser"),
        ("Rejected", State.REJECTED, "OrderRejected"),
        ("Cancelled", State.CANCELLED, "Cancelled"),
    ],
)
def test_ppw_side_statuses_map_to_the_normalized_lifecycle(
    tracker: Tracker, link: PPWLink, raw: str, state: State, event: str
) -> None:
    order_id = imported(tracker, link)

    async def scenario(ppw: PPWSimulator) -> Any:
        return await ppw.send_result("send_notes", "1000", wo_status=raw)

    assert with_ppw(link, scenario) == ""
    assert types(tracker, order_id)[-1] == event
    assert tracker.get_order(order_id).state is state


def test_invoiced_after_delivery_is_recorded_without_changing_state(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = delivered(tracker, link)

    async def scenario(ppw: PPWSimulator) -> Any:
        return await ppw.send_result("send_notes", "1000", wo_status="Invoiced")

    with_ppw(link, scenario)
    last = tracker.history(order_id)[-1]
    assert (last.type, last.fields["raw_status"], last.to_state) == (
        "StatusChanged", "Invoiced", State.DELIVERED,
    )


def test_an_order_ppw_has_fetched_is_not_cancelled_behind_its_back(
    tracker: Tracker, link: PPWLink
) -> None:
    order_id = request(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        listing = await ppw.call("get_all_orders", {})
        await ppw.call("get_order", {"report_id": listing[0]["report_id"]})

    with_ppw(link, scenario)
    with pytest.raises(NotOfferableError, match="may be importing it"):
        request_cancel(tracker, link.outbox, order_id)
    assert tracker.get_order(order_id).state is State.REQUESTED
