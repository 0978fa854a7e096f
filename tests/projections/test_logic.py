"""The pure projections, without a database."""

from __future__ import annotations

from collections import Counter
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.attention import fold as attention
from ordertrail.projections.order_status import fold as order_status
from ordertrail.projections.order_status.check import expected_row
from ordertrail.projections.vendor_daily import fold as vendor_daily
from ordertrail.projections.vendor_daily.rows import DayCount
from tests.projections.folding import fold
from tests.projections.streams import STREAMS, VENDORS, run_commands


@settings(max_examples=300, deadline=None)
@given(vendor=VENDORS, factories=STREAMS)
def test_folding_any_valid_stream_gives_the_row_a_replay_of_the_aggregate_gives(
    vendor: str, factories: list[c.CommandFactory]
) -> None:
    order, events = run_commands(vendor, factories)
    row = None
    for event in events:
        row = order_status.apply(row, event)
    history, previous = [], None
    for event in events:
        history.append(EventView.of(event, previous))
        previous = history[-1].to_state
    assert row == expected_row(OrderView.of(order), history)


@settings(max_examples=200, deadline=None)
@given(vendor=VENDORS, factories=STREAMS, split=st.integers(0, 40))
def test_a_batch_fold_equals_two_folds_with_the_rows_carried_between_them(
    vendor: str, factories: list[c.CommandFactory], split: int
) -> None:
    _, events = run_commands(vendor, factories)
    numbered = list(enumerate(events, start=1))
    whole = fold(numbered, {}, {})
    first = fold(numbered[:split], {}, {})
    second = fold(numbered[split:], first.orders, first.attention)
    assert {**first.orders, **second.orders} == whole.orders
    assert {**first.attention, **second.attention} == whole.attention
    assert first.audit + second.audit == whole.audit
    assert first.counters + second.counters == whole.counters
    assert [a.version for a in whole.audit] == list(range(1, len(events) + 1))


def _order(vendor: str, *commands: c.Command) -> list:  # type: ignore[type-arg]
    return run_commands(vendor, [lambda oid, cmd=cmd: cmd.__class__(**{**vars(cmd), "order_id": oid})
                                 for cmd in commands])[1]


ANY = uuid4()


def test_an_unknown_status_leaves_the_rows_attention_as_the_aggregate_does() -> None:
    events = _order("ivcap",
                    c.Place(order_id=ANY, vendor_ref="job-1", vendor_ref_kind="ivcap.order_id"),
                    c.RequestCancellation(order_id=ANY, initiator="us"),
                    c.ChangeStatus(order_id=ANY, raw_status="weird", normalized=None))
    row = None
    for event in events:
        row = order_status.apply(row, event)
    assert row is not None and row.attention_kind == "CANCEL_AT_VENDOR" and row.needs_person


def test_a_payment_decline_is_counted_by_reason_and_needs_a_person() -> None:
    events = _order("planomatic", c.DeclinePayment(order_id=ANY, reason_code="card_declined"))
    changes = fold(list(enumerate(events, 1)), {}, {})
    (row,) = changes.orders.values()
    day = events[-1].timestamp.date()
    assert row.state == "PAYMENT_DECLINED" and row.needs_person
    assert changes.counters == Counter({
        DayCount("planomatic", day, "requested"): 1, DayCount("planomatic", day, "declined"): 1,
        DayCount("planomatic", day, "declined:card_declined"): 1,
    })
    (entries,) = changes.attention.values()
    assert list(entries) == [("PAYMENT_DECLINED", "")]


def test_a_submission_refused_by_the_daily_cap_is_counted_as_placed_against_the_cap() -> None:
    events = _order("planviewer", c.FailSubmission(order_id=ANY, classification="retryable",
                                                   vendor_code="daily_cap"))
    metrics = [m.metric for e in events[1:] for m in vendor_daily.apply(None, order_status.apply(
        order_status.apply(None, events[0]), e), e)]
    assert metrics == ["placed_against_cap"]


def test_refused_credentials_hold_the_order_without_an_item_of_its_own_until_it_is_placed() -> None:
    events = _order("planviewer",
                    c.FailSubmission(order_id=ANY, classification="needs_reauth", vendor_code="401"),
                    c.Place(order_id=ANY, vendor_ref="r", vendor_ref_kind="k"))
    row = order_status.apply(None, events[0])
    row = order_status.apply(row, events[1])
    assert (row.hold, row.attention_kind) == ("credentials", None)
    assert attention.apply({}, row, events[1]) == {}
    row = order_status.apply(row, events[2])
    assert row.hold is None


def test_a_ppw_offer_awaits_its_ack_until_acked_and_keeps_its_first_time() -> None:
    events = _order("ppw",
                    c.AttemptSubmission(order_id=ANY, channel="ppw:get_all_orders", transaction_id="t"),
                    c.AttemptSubmission(order_id=ANY, channel="ppw:get_order", transaction_id="t"),
                    c.RecordAck(order_id=ANY, transaction_id="t", outcome="imported"))
    changes = fold(list(enumerate(events[:3], 1)), {}, {})
    (entries,) = changes.attention.values()
    assert list(entries) == [("ACK_PENDING", "t")]
    assert entries[("ACK_PENDING", "t")].since == events[1].timestamp
    done = fold([(4, events[3])], changes.orders, changes.attention)
    assert list(done.attention.values()) == [{}]


def test_waiting_for_the_user_keeps_its_since_while_the_prompt_changes() -> None:
    events = _order("planviewer",
                    c.Place(order_id=ANY, vendor_ref="r", vendor_ref_kind="k"),
                    c.WaitForUser(order_id=ANY, kind="location_choice", prompt="a"),
                    c.WaitForUser(order_id=ANY, kind="location_choice", prompt="b"))
    changes = fold(list(enumerate(events, 1)), {}, {})
    (entries,) = changes.attention.values()
    entry = entries[("WAITING_FOR_USER", "")]
    assert entry.since == events[2].timestamp
    assert entry.reason == "waiting for user (location_choice): b"


def test_delivery_and_completion_are_counted_once_with_the_audit_trail_in_order() -> None:
    events = _order("planviewer",
                    c.Place(order_id=ANY, vendor_ref="r", vendor_ref_kind="k"),
                    c.ChangeStatus(order_id=ANY, raw_status="finished", normalized=State.DELIVERED),
                    c.AnnounceResult(order_id=ANY, result_ref="r1"),
                    c.RecordResultRetrieved(order_id=ANY, result_ref="r1", file_name="f",
                                            media_type="m", size=1, sha256="s"))
    changes = fold(list(enumerate(events, 10)), {}, {})
    metrics = sorted(k.metric for k in changes.counters)
    assert metrics == ["completed", "delivered", "placed", "requested"]
    assert [a.position for a in changes.audit] == [10, 11, 12, 13, 14]
    assert changes.audit[2].summary.startswith("StatusChanged [PLACED -> DELIVERED]")
