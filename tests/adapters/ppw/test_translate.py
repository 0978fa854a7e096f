"""Pure translation: PPW's acks and statuses as domain commands."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ordertrail.adapters.ppw.outbox import Offer
from ordertrail.adapters.ppw.translate import AckReading, ack_commands, classify_ack, status_commands
from ordertrail.adapters.ppw.wire import AckData
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State


@pytest.mark.parametrize(
    ("fields", "outcome"),
    [
        ({"status": "success"}, "imported"),
        ({"success": True}, "imported"),
        ({"success": "1"}, "imported"),
        ({"error": False}, "imported"),
        ({"status": "error", "reason": "Duplicate work order number"}, "duplicate"),
        ({"error": True, "message": "WO is a DUPLICATE"}, "duplicate"),
        ({"success": False, "reason": "Order is Ready for Office"}, "refused"),
        ({"error": "Invalid state code"}, "refused"),
        ({"success": True, "error": True}, "unknown"),
        ({}, "unknown"),
        ({"status": 7}, "unknown"),
    ],
)
def test_acks_are_classified_by_their_outcome_fields(
    fields: dict[str, object], outcome: str
) -> None:
    ack = AckData(transaction_id="t", **fields)  # type: ignore[arg-type]
    assert classify_ack(ack).outcome == outcome


def offer(kind: str, *, value: str | None = None) -> Offer:
    return Offer("T-1", str(uuid4()), 1234, "OT-1", None, kind, None, value, True, True, True)


def test_an_imported_new_order_is_acked_then_placed_under_its_report_id() -> None:
    new = offer("new")
    commands = ack_commands(new, AckReading("imported", None), already_placed=False, raw={"x": 1})
    assert [type(cmd) for cmd in commands] == [c.RecordAck, c.Place]
    ack, place = commands
    assert isinstance(ack, c.RecordAck) and isinstance(place, c.Place)
    assert (ack.transaction_id, ack.outcome, ack.acked_command, ack.source) == (
        "T-1", "imported", "new", "ack",
    )
    assert (place.vendor_ref, place.vendor_ref_kind) == ("1234", "ppw.report_id")
    assert place.raw == {"x": 1}


def test_a_duplicate_of_an_already_placed_order_only_records_the_ack() -> None:
    dup = AckReading("duplicate", "dup")
    assert [type(x) for x in ack_commands(offer("new"), dup, already_placed=False, raw=None)] == [
        c.RecordAck, c.Reject,
    ]
    assert [type(x) for x in ack_commands(offer("new"), dup, already_placed=True, raw=None)] == [
        c.RecordAck,
    ]


@pytest.mark.parametrize(
    ("kind", "follow_up"),
    [("rtv", c.ReturnToVendor), ("complete", c.ChangeStatus), ("cancel", c.Cancel)],
)
def test_acked_instructions_take_effect_and_refused_ones_only_record_the_ack(
    kind: str, follow_up: type[c.Command]
) -> None:
    ok = ack_commands(offer(kind, value="why"), AckReading("imported", None),
                      already_placed=True, raw=None)
    assert [type(x) for x in ok] == [c.RecordAck, follow_up]
    refused = ack_commands(offer(kind), AckReading("duplicate", "dup"), already_placed=True,
                           raw=None)
    assert [(type(x), getattr(x, "outcome", None)) for x in refused] == [(c.RecordAck, "refused")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Unread", [(c.ChangeStatus, State.PLACED)]),
        ("Accepted", [(c.ChangeStatus, State.PLACED)]),
        ("IN FIELD", [(c.ChangeStatus, State.IN_PROGRESS)]),
        ("Follow Up", [(c.WaitForUser, None)]),
        ("Rejected", [(c.Reject, None)]),
        ("Ready for Office", [(c.ChangeStatus, State.DELIVERED), (c.AnnounceResult, None)]),
        ("Invoiced", [(c.ChangeStatus, State.DELIVERED)]),
        ("Complete", [(c.ChangeStatus, State.COMPLETED)]),
        ("Cancel", [(c.Cancel, None)]),
        ("Cancelled", [(c.Cancel, None)]),
        ("Something New", [(c.ChangeStatus, None)]),
    ],
)
def test_ppw_side_statuses_follow_the_mapping_table(
    raw: str, expected: list[tuple[type[c.Command], State | None]]
) -> None:
    commands = status_commands(uuid4(), raw, 77, raw={"wo_status": raw}, dedupe_key="k")
    assert [(type(x), getattr(x, "normalized", None)) for x in commands] == expected
    assert all(x.raw_status == raw for x in commands if isinstance(x, c.ChangeStatus | c.Cancel))
