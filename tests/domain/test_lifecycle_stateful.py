"""Random command sequences, one at a time and in batches, through the real tracker and the
reference model (``order_model``), compared after every step.

After every step, for every order: the tracker recorded, re-observed or refused each command
as the model says; the state, references, submission, progress, results, hold, troubles, cost
and attention kind are the model's; the history only grew, by exactly the events the model
predicts; no second submission went out while one was in flight; an order waiting on a
person's decision says why; replaying the stored events gives the same view. It runs on both trackers
(plain and fast) and both stores (SQLite, PostgreSQL). ``ORDERTRAIL_MODEL_EXAMPLES`` raises
the number of runs for a deeper check.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.errors import DomainError
from ordertrail.domain.order import Order
from ordertrail.domain.states import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import EventView, OrderView
from ordertrail.domain.vocabulary import HoldCause, Trouble
from tests.domain.order_model import (
    CANCELLED,
    FAILED,
    RECORDED,
    REFUSED,
    REJECTED,
    SETTLING_EVENTS,
    UNCHANGED,
    ModelOrder,
    OrdersModel,
    Prediction,
)

EXAMPLES = int(os.environ.get("ORDERTRAIL_MODEL_EXAMPLES", "0") or 0)
"""Runs per tracker and store for a deeper check (and a fresh random seed each time)."""
PHASES = tuple(Phase) if os.environ.get("ORDERTRAIL_MODEL_SHRINK") else \
    (Phase.explicit, Phase.reuse, Phase.generate)
"""Shrinking a failure replays hundreds of runs on a store that keeps growing (minutes):
``ORDERTRAIL_MODEL_SHRINK=1`` asks for it; by default a failure shows the run as found."""
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
Builder = Callable[..., c.Command]

# ---------------------------------------------------------------------- the commands
refs = st.sampled_from(["r1", "r2", "r3"])
txns = st.sampled_from(["t1", "t2", "t3"])
sources = st.sampled_from(["command", "poll", "push", "ack", "reconciliation", "human"])
small = st.integers(min_value=0, max_value=3)
raw_states = st.sampled_from([
    ("initial", "PLACED"), ("in_progress", "IN_PROGRESS"), ("finished", "DELIVERED"),
    ("completed", "COMPLETED"), ("waiting", "WAITING_FOR_USER"), ("error", "FAILED"),
    ("weird", None), ("unknown", None), ("Invoiced", "DELIVERED"),
])


def _b(cls: type[c.Command], **fields: Any) -> st.SearchStrategy[Builder]:
    return st.builds(partial, st.just(cls), **fields)


ENDINGS: st.SearchStrategy[Builder] = st.one_of(
    _b(c.Reject, reason_code=st.just("x"), classification=st.sampled_from(["terminal",
                                                                            "needs_human"])),
    _b(c.Cancel, initiator=st.just("us"), source=sources),
    _b(c.Fail, reason_code=st.just("vendor_error"),
       classification=st.sampled_from(["terminal", "needs_human"]), source=sources,
       raw_status=st.none() | st.just("error")),
)
"""The commands that end an order: drawn a quarter of the time, so most runs go deep."""

GOING_ON: st.SearchStrategy[Builder] = st.one_of(
    _b(c.AttemptSubmission, channel=st.sampled_from(["jobs/order", "ppw:get_all_orders",
                                                     "ppw:get_order"]),
       transaction_id=st.none() | txns),
    _b(c.FailSubmission, classification=st.sampled_from(
        ["retryable", "needs_reauth", "needs_human", "terminal", "reconciled_not_created"]),
       vendor_code=st.none() | st.just("daily_cap"),
       retry_not_before=st.none() | st.just(T0 + timedelta(days=1))),
    _b(c.MarkOutcomeUnknown, reason=st.sampled_from(["timeout", "502"])),
    _b(c.AcceptPayment, payment_method_id=st.just(7)),
    _b(c.DeclinePayment, reason_code=st.sampled_from(["declined", "card_expired"])),
    _b(c.Resubmit, changes=st.fixed_dictionaries({"payment_method_id": small})),
    _b(c.Place, vendor_ref=refs, vendor_ref_kind=st.just("test.ref"),
       secondary_refs=st.just({}) | st.just({"request_id": "q1"})),
    _b(c.RecordAck, transaction_id=txns,
       outcome=st.sampled_from(["imported", "duplicate", "refused", "unknown"])),
    st.builds(lambda pair: partial(c.ChangeStatus, raw_status=pair[0],
                                   normalized=None if pair[1] is None else State(pair[1])),
              raw_states),
    _b(c.ReportProgress, current=small, total=st.none() | small),
    _b(c.WaitForUser, kind=st.just("location_choice"),
       prompt=st.sampled_from(["which parcel?", "call us"]),
       choices=st.just([{"key": "1", "label": "A"}])),
    _b(c.ProvideUserInput, kind=st.just("location_choice"), selection=st.just([1])),
    _b(c.SendAmendment, transaction_id=txns, field=st.just("city"), value=st.just("X")),
    _b(c.ReturnToVendor, reason=st.just("photos missing")),
    _b(c.AnnounceResult, result_ref=refs),
    _b(c.RecordResultRetrieved, result_ref=refs, file_name=st.just("f.pdf"),
       media_type=st.just("application/pdf"), size=st.just(1),
       sha256=st.sampled_from(["aa", "bb"])),
    _b(c.RequestCancellation, initiator=st.sampled_from(["us", "vendor"]),
       transaction_id=st.none() | txns),
    _b(c.HoldSubmission, cause=st.sampled_from(list(HoldCause)), reason=st.just("held"),
       until=st.none() | st.just(T0 + timedelta(hours=2))),
    _b(c.LiftHold, reason=st.just("gone")),
    _b(c.ObserveTrouble, trouble=st.sampled_from([Trouble.ORDER_NOT_FOUND,
                                                  Trouble.RETRIEVE_NOT_FOUND]),
       detail=st.just("404"), limit=st.integers(1, 3),
       spread=st.sampled_from([timedelta(0), timedelta(minutes=10)]), now=st.just(T0)),
    _b(c.ClearTrouble, trouble=st.sampled_from([Trouble.ORDER_NOT_FOUND,
                                                Trouble.RETRIEVE_NOT_FOUND])),
    _b(c.NoteAmbiguousReconciliation, candidates=st.just(["a", "b"])),
    _b(c.RecordCost, amount=st.sampled_from([Decimal("10.00"), Decimal("12.50")]),
       currency=st.sampled_from(["EUR", None]), basis=st.just("payment")),
)
"""Every other order command, with a few values each: few enough that repeats
(re-observations, duplicate references, same transactions) happen often."""

COMMANDS = st.one_of(GOING_ON, GOING_ON, GOING_ON, ENDINGS)


P = partial

ALPHABET: tuple[partial[c.Command], ...] = (
    P(c.AttemptSubmission, channel="jobs/order"),
    P(c.AttemptSubmission, channel="ppw:get_order", transaction_id="t1"),
    P(c.HoldSubmission, cause=HoldCause.CIRCUIT, reason="circuit open"),
    P(c.LiftHold, reason="circuit closed"),
    P(c.FailSubmission, classification="retryable"),
    P(c.FailSubmission, classification="reconciled_not_created"),
    P(c.Resubmit, changes={"payment_method_id": 9}),
    P(c.AcceptPayment, payment_method_id=7),
    P(c.RecordAck, transaction_id="t9", outcome="imported"),
    P(c.MarkOutcomeUnknown, reason="timeout"),
    P(c.DeclinePayment, reason_code="declined"),
    P(c.Place, vendor_ref="r1", vendor_ref_kind="test.ref"),
    P(c.Reject, reason_code="invalid"),
    P(c.Cancel, initiator="us"),
    P(c.Cancel, initiator="us", source="human"),
    P(c.RequestCancellation, initiator="vendor", transaction_id="t5"),
    P(c.NoteAmbiguousReconciliation, candidates=["a", "b"]),
    P(c.ChangeStatus, raw_status="initial", normalized=State.PLACED),
    P(c.ChangeStatus, raw_status="in_progress", normalized=State.IN_PROGRESS),
    P(c.ChangeStatus, raw_status="finished", normalized=State.DELIVERED),
    P(c.ChangeStatus, raw_status="completed", normalized=State.COMPLETED),
    P(c.ChangeStatus, raw_status="on hold", normalized=State.WAITING_FOR_USER),
    P(c.ChangeStatus, raw_status="weird", normalized=None),
    P(c.ReportProgress, current=0, total=5),
    P(c.ReportProgress, current=2, total=5),
    P(c.WaitForUser, kind="location_choice", prompt="which parcel?"),
    P(c.WaitForUser, kind="location_choice", prompt="call us"),
    P(c.ProvideUserInput, kind="location_choice", selection=[1]),
    P(c.SendAmendment, transaction_id="t2", field="city", value="X"),
    P(c.ReturnToVendor, reason="photos missing"),
    P(c.AnnounceResult, result_ref="p1"),
    P(c.AnnounceResult, result_ref="p2"),
    P(c.RecordResultRetrieved, result_ref="p1", file_name="a.pdf", media_type="application/pdf",
      size=1, sha256="aa"),
    P(c.RecordResultRetrieved, result_ref="p1", file_name="a.pdf", media_type="application/pdf",
      size=1, sha256="bb"),
    P(c.RecordResultRetrieved, result_ref="p2", file_name="b.pdf", media_type="application/pdf",
      size=1, sha256="aa"),
    P(c.Fail, reason_code="vendor_error", source="poll"),
    P(c.Fail, reason_code="vendor_error", source="human"),
    P(c.ObserveTrouble, trouble=Trouble.ORDER_NOT_FOUND, detail="404", limit=3,
      spread=timedelta(0), now=T0),
    P(c.ClearTrouble, trouble=Trouble.ORDER_NOT_FOUND),
    P(c.RecordCost, amount=Decimal("10.00"), currency="EUR", basis="payment"),
)
"""A few concrete commands: enough, in some order, to take every row."""


# ---------------------------------------------------------------------- comparing
def expected_view(o: ModelOrder) -> dict[str, Any]:
    """The parts of an order's view the model predicts."""
    return {
        "state": o.state, "vendor_request": o.vendor_request, "vendor_ref": o.vendor_ref,
        "vendor_ref_kind": o.vendor_ref_kind, "vendor_secondary_refs": o.secondary_refs,
        "submission_attempts": o.attempts, "last_submission": o.last_submission,
        "submission_in_flight": o.in_flight, "progress": o.progress, "waiting": o.waiting,
        "results_available": o.results, "results_retrieved": o.retrieved,
        "acked_transactions": o.acks, "cancellation_pending": o.cancellation_pending,
        "attention_kind": o.attention, "hold": o.hold, "hold_until": o.hold_until,
        "troubles": {k: (t.count, t.first_at, t.escalated) for k, t in o.troubles.items()},
        "cost": o.cost, "last_raw_status": o.last_raw_status, "last_error": o.last_error,
    }


def actual_view(v: OrderView) -> dict[str, Any]:
    """The same parts of the tracker's view, as plain values."""
    return {
        "state": v.state.value, "vendor_request": v.vendor_request, "vendor_ref": v.vendor_ref,
        "vendor_ref_kind": v.vendor_ref_kind, "vendor_secondary_refs": v.vendor_secondary_refs,
        "submission_attempts": v.submission_attempts,
        "last_submission": None if v.last_submission is None else tuple(v.last_submission),
        "submission_in_flight": v.submission_in_flight,
        "progress": (v.progress_current, v.progress_total), "waiting": v.waiting,
        "results_available": set(v.results_available), "results_retrieved": v.results_retrieved,
        "acked_transactions": {k: str(x) for k, x in v.acked_transactions.items()},
        "cancellation_pending": v.cancellation_pending,
        "attention_kind": None if v.attention_kind is None else v.attention_kind.value,
        "hold": None if v.hold is None else v.hold.value, "hold_until": v.hold_until,
        "troubles": {k.value: (t.count, t.first_at, t.escalated) for k, t in v.troubles.items()},
        "cost": (v.amount, v.currency), "last_raw_status": v.last_raw_status,
        "last_error": v.last_error,
    }


def fold(events: Sequence[Any]) -> Order:
    order: Any = None
    for event in events:
        order = event.mutate(order)
    return order


def outcome_of(recorded: bool, error: DomainError | None) -> str:
    return REFUSED if error is not None else RECORDED if recorded else UNCHANGED


def second_submission_in_flight(history: Sequence[EventView]) -> str | None:
    """The first attempt that went out while another was still without an outcome, if any."""
    open_offer: str | bool | None = False  # False: nothing in flight; else its transaction id
    for event in history:
        if event.type == "SubmissionAttempted":
            tid = event.fields["transaction_id"]
            if open_offer is not False and (tid is None or tid != open_offer):
                return f"version {event.version}: attempt while {open_offer!r} was in flight"
            open_offer = tid
        elif event.type in SETTLING_EVENTS:
            open_offer = False
    return None


# ---------------------------------------------------------------------- the machine
class TrackerMatchesModel(RuleBasedStateMachine):
    """Two orders of one vendor (so they can contend for one vendor reference)."""

    tracker: Tracker

    def __init__(self) -> None:
        super().__init__()
        self.model = OrdersModel()
        self.ids: dict[int, UUID] = {}
        self.histories: dict[int, list[EventView]] = {}
        self.tag = uuid4().hex[:8]
        self.clock = T0

    @initialize(vendor=st.sampled_from(["planviewer", "ppw", "ivcap", "planomatic"]))
    def request_two_orders(self, vendor: str) -> None:
        for key in (0, 1):
            request = {"n": key, "tag": self.tag}
            self.ids[key] = self.tracker.request_order(vendor, request, f"m-{self.tag}-{key}")
            self.model.add(key, vendor, request)
            self.histories[key] = self.tracker.history(self.ids[key])

    def _bind(self, key: int, build: Builder, tick: bool = True) -> c.Command:
        command = build(order_id=self.ids[key])
        if isinstance(command, c.Place):  # the store is shared by every run: references too
            command = dataclasses.replace(command, vendor_ref=f"{command.vendor_ref}-{self.tag}")
        if isinstance(command, c.ObserveTrouble):
            now = self.clock + timedelta(minutes=4)
            self.clock = now if tick else self.clock
            command = dataclasses.replace(command, now=now)
        return command

    def _send(self, items: list[tuple[int, Builder]]) -> None:
        bound = [(key, self._bind(key, build)) for key, build in items]
        predictions = [self.model.run(key, command) for key, command in bound]
        outcomes = self.tracker.execute([command for _, command in bound])
        for (key, command), predicted, outcome in zip(bound, predictions, outcomes, strict=True):
            got = outcome_of(outcome.recorded, outcome.error)
            assert got == predicted.outcome, (
                f"{command!r}: the tracker {got} it ({outcome.error}), the model says "
                f"{predicted.outcome} ({predicted.reason or predicted.event})"
            )
            if outcome.error is not None:
                message = str(outcome.error)
                assert str(self.ids[key]) in message and "\n" not in message, message
        for key in self.ids:
            self._compare(key, [p for (k, _), p in zip(bound, predictions, strict=True)
                                if k == key and p.outcome == RECORDED])

    def _compare(self, key: int, recorded: list[Prediction]) -> None:
        oid = self.ids[key]
        view = self.tracker.get_order(oid)
        assert actual_view(view) == expected_view(self.model.orders[key])
        history = self.tracker.history(oid)
        before = self.histories[key]
        assert history[:len(before)] == before, "a stored event changed or vanished"
        new = history[len(before):]
        assert [(e.type, e.from_state and e.from_state.value, e.to_state.value) for e in new] == \
            [(p.event, p.source, p.target) for p in recorded]
        assert view.version == len(history)
        self.histories[key] = history

    # ------------------------------------------------------------------ rules
    @rule(key=st.integers(0, 1), data=st.data())
    def a_command_the_model_takes(self, key: int, data: st.DataObject) -> None:
        """Most random commands are refused; this walks on, so deep states are reached and
        re-observed there (a command the model records or sees nothing new in)."""
        ending = data.draw(st.integers(0, 19), label="may end the order") == 0
        takes = [build for build in ALPHABET
                 if (p := _trial(self.model, key, self._bind(key, build, tick=False))).outcome
                 != REFUSED
                 and (ending or p.target not in (REJECTED, FAILED, CANCELLED))]
        self._send([(key, data.draw(st.sampled_from(takes or ALPHABET), label="command"))])

    @rule(key=st.integers(0, 1), data=st.data())
    def another_command_the_model_takes(self, key: int, data: st.DataObject) -> None:
        """The same again: chosen twice as often as a random batch."""
        self.a_command_the_model_takes(key, data)

    @rule(items=st.lists(st.tuples(st.integers(0, 1), COMMANDS), min_size=1, max_size=4))
    def random_commands_in_one_batch(self, items: list[tuple[int, Builder]]) -> None:
        self._send(items)

    @rule(ref=refs)
    def both_orders_claim_one_reference_in_one_batch(self, ref: str) -> None:
        place = partial(c.Place, vendor_ref=ref, vendor_ref_kind="test.ref")
        self._send([(0, place), (1, place)])

    # ------------------------------------------------------------------ invariants
    @invariant()
    def at_most_one_submission_in_flight(self) -> None:
        for history in self.histories.values():
            assert second_submission_in_flight(history) is None

    @invariant()
    def a_person_is_told_why(self) -> None:
        """Attention text and kind come together; an uncertain submission and a declined
        payment always carry one. (A WAITING_FOR_USER order loses its own once the person
        answered, or once a trouble that had taken its place clears: the read models then
        name the state itself.)"""
        for key, oid in self.ids.items():
            view = self.tracker.get_order(oid)
            assert (view.attention is None) == (view.attention_kind is None), view
            if view.state.value in ("SUBMISSION_UNCERTAIN", "PAYMENT_DECLINED"):
                assert view.attention_kind is not None, (key, view.state)

    @invariant()
    def replaying_the_events_gives_the_same_view(self) -> None:
        for oid in self.ids.values():
            events = list(self.tracker.events.get(oid))
            assert OrderView.of(fold(events)) == self.tracker.get_order(oid)
            middle = len(events) // 2 or 1
            assert self.tracker.get_order(oid, version=middle) == OrderView.of(fold(events[:middle]))


def _trial(model: OrdersModel, key: int, command: c.Command) -> Prediction:
    """What the model would say of ``command``, leaving it as it was."""
    return copy.deepcopy(model).run(key, command)


def check_against_model(tracker: Tracker, examples: int, steps: int) -> None:
    class OnThisTracker(TrackerMatchesModel):
        def __init__(self) -> None:
            self.tracker = tracker
            super().__init__()

    run_state_machine_as_test(OnThisTracker, settings=settings(
        max_examples=EXAMPLES or examples, stateful_step_count=steps, deadline=None,
        suppress_health_check=list(HealthCheck), derandomize=not EXAMPLES,
        report_multiple_bugs=False, phases=PHASES,
    ))


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
def test_the_tracker_does_what_the_model_says_on_sqlite(sqlite_url: str, fast: bool) -> None:
    tracker = open_tracker(sqlite_url, fast=fast, snapshot_interval=4)
    try:
        check_against_model(tracker, examples=30, steps=40)
    finally:
        tracker.close()


@pytest.mark.postgres
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
def test_the_tracker_does_what_the_model_says_on_postgresql(postgres_url: str, fast: bool) -> None:
    tracker = open_tracker(postgres_url, fast=fast, snapshot_interval=4)
    try:
        check_against_model(tracker, examples=10, steps=20)
    finally:
        tracker.close()
