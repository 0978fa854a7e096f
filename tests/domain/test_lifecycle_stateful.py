"""Random command sequences through the real tracker, checked against the table.

After every step: the state is a legal state; a terminal state absorbs every
command; a refused command changed nothing; every recorded change is a row of
the transition table; the version equals the number of stored events; replaying
the stored events gives exactly the live state; and the order as of version n
equals the state after its first n events.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.errors import DomainError, TransitionRefused
from ordertrail.domain.order import Order
from ordertrail.domain.state_machine import TERMINAL_STATES, TRANSITIONS, Guard, State
from ordertrail.domain.views import OrderView

EVENT_OF = {
    c.AttemptSubmission: "SubmissionAttempted",
    c.FailSubmission: "SubmissionFailed",
    c.MarkOutcomeUnknown: "SubmissionOutcomeUnknown",
    c.AcceptPayment: "PaymentAccepted",
    c.DeclinePayment: "PaymentDeclined",
    c.Resubmit: "OrderResubmitted",
    c.Place: "OrderPlaced",
    c.Reject: "OrderRejected",
    c.RecordAck: "Acked",
    c.ChangeStatus: "StatusChanged",
    c.ReportProgress: "ProgressReported",
    c.WaitForUser: "WaitingForUser",
    c.ProvideUserInput: "UserInputProvided",
    c.SendAmendment: "AmendmentSent",
    c.ReturnToVendor: "ReturnedToVendor",
    c.AnnounceResult: "ResultAvailable",
    c.RecordResultRetrieved: "ResultRetrieved",
    c.RequestCancellation: "CancellationRequested",
    c.Cancel: "Cancelled",
    c.Fail: "Failed",
}

ROWS = {(t.source, t.event_name, t.target) for t in TRANSITIONS}
sources = st.sampled_from(["command", "poll", "push", "ack", "reconciliation", "human"])
refs = st.sampled_from(["r1", "r2", "r3"])
small = st.integers(min_value=0, max_value=4)


def fold(events: list[Any]) -> Order:
    order: Any = None
    for event in events:
        order = event.mutate(order)
    return order


class OrderLifecycle(RuleBasedStateMachine):
    store_url = "sqlite:///:memory:"

    def __init__(self) -> None:
        super().__init__()
        self.tracker = open_tracker(self.store_url, snapshot_interval=4)
        self.suffix = uuid4().hex[:8]
        self.order_id = self.tracker.request_order(
            "planviewer", {"intention_uuid": "i-1"}, f"k-{self.suffix}"
        )
        self.view = self.tracker.get_order(self.order_id)
        self.last_event_type = "OrderRequested"

    def teardown(self) -> None:
        self.tracker.close()

    def _send(self, command: c.Command) -> None:
        before = self.view
        try:
            recorded = self.tracker.run(command)
        except TransitionRefused as refused:
            after = self.tracker.get_order(self.order_id)
            assert after == before, "a refused command changed the order"
            assert str(self.order_id) in str(refused) and before.state.value in str(refused)
            assert not self._table_allows(before, EVENT_OF[type(command)], command)
            return
        except DomainError:
            after = self.tracker.get_order(self.order_id)
            assert after == before, "a command that raised changed the order"
            return
        after = self.tracker.get_order(self.order_id)
        if not recorded:
            assert after == before, "a re-observation recorded something"
            return
        assert after.version == before.version + 1
        event = EVENT_OF[type(command)]
        assert (before.state, event, after.state) in ROWS, (before.state, event, after.state)
        if before.state in TERMINAL_STATES:
            assert after.state == before.state, "a terminal state let go"
        self.view = after

    @staticmethod
    def _table_allows(before: OrderView, event: str, command: c.Command) -> bool:
        state = before.state
        for row in TRANSITIONS:
            if row.source != state or row.event_name != event:
                continue
            if row.guard is Guard.HUMAN and command.source != "human":
                continue
            if row.guard is Guard.RECONCILED_NOT_CREATED and (
                getattr(command, "classification", None) != "reconciled_not_created"
            ):
                continue
            if row.guard is Guard.NO_OTHER_SUBMISSION_IN_FLIGHT and before.submission_in_flight:
                tid = getattr(command, "transaction_id", None)
                last = before.last_submission[1] if before.last_submission else None
                if tid is None or tid != last:
                    continue
            return True
        return False

    # ------------------------------------------------------------------ rules
    @rule(channel=st.sampled_from(["jobs/order", "ppw:get_all_orders"]), txn=st.none() | refs)
    def attempt(self, channel: str, txn: str | None) -> None:
        self._send(c.AttemptSubmission(order_id=self.order_id, channel=channel, transaction_id=txn))

    @rule(classification=st.sampled_from(
        ["retryable", "needs_reauth", "needs_human", "terminal", "reconciled_not_created"]
    ))
    def fail_submission(self, classification: str) -> None:
        self._send(c.FailSubmission(order_id=self.order_id, classification=classification))

    @rule()
    def outcome_unknown(self) -> None:
        self._send(c.MarkOutcomeUnknown(order_id=self.order_id, reason="timeout"))

    @rule()
    def accept_payment(self) -> None:
        self._send(c.AcceptPayment(order_id=self.order_id, payment_method_id=7))

    @rule(code=st.sampled_from(["declined", "card_expired"]))
    def decline(self, code: str) -> None:
        self._send(c.DeclinePayment(order_id=self.order_id, reason_code=code))

    @rule()
    def resubmit(self) -> None:
        self._send(c.Resubmit(order_id=self.order_id, changes={"payment_method_id": 9}))

    @rule(ref=refs)
    def place(self, ref: str) -> None:
        self._send(c.Place(order_id=self.order_id, vendor_ref=f"{ref}-{self.suffix}",
                           vendor_ref_kind="test.ref"))

    @rule(classification=st.sampled_from(["terminal", "needs_human"]))
    def reject(self, classification: str) -> None:
        self._send(c.Reject(order_id=self.order_id, reason_code="x", classification=classification))

    @rule(txn=refs, outcome=st.sampled_from(["imported", "duplicate", "unknown"]))
    def ack(self, txn: str, outcome: str) -> None:
        self._send(c.RecordAck(order_id=self.order_id, transaction_id=txn, outcome=outcome))

    @rule(raw=st.sampled_from(["initial", "in_progress", "finished", "weird"]),
          normalized=st.none() | st.sampled_from(list(State)))
    def change_status(self, raw: str, normalized: State | None) -> None:
        self._send(c.ChangeStatus(order_id=self.order_id, raw_status=raw, normalized=normalized))

    @rule(current=small, total=st.none() | small)
    def progress(self, current: int, total: int | None) -> None:
        self._send(c.ReportProgress(order_id=self.order_id, current=current, total=total))

    @rule(prompt=st.sampled_from(["which parcel?", "call us"]))
    def wait(self, prompt: str) -> None:
        self._send(c.WaitForUser(order_id=self.order_id, kind="location_choice", prompt=prompt,
                                 choices=[{"key": "1", "label": "A"}]))

    @rule()
    def user_input(self) -> None:
        self._send(c.ProvideUserInput(order_id=self.order_id, kind="location_choice",
                                      selection=[1]))

    @rule(txn=refs)
    def amend(self, txn: str) -> None:
        self._send(c.SendAmendment(order_id=self.order_id, transaction_id=txn, field="city",
                                   value="X"))

    @rule()
    def return_to_vendor(self) -> None:
        self._send(c.ReturnToVendor(order_id=self.order_id, reason="photos missing"))

    @rule(ref=refs)
    def announce(self, ref: str) -> None:
        self._send(c.AnnounceResult(order_id=self.order_id, result_ref=ref))

    @rule(ref=refs, digest=st.sampled_from(["aa", "bb"]))
    def retrieved(self, ref: str, digest: str) -> None:
        self._send(c.RecordResultRetrieved(order_id=self.order_id, result_ref=ref,
                                           file_name="f.pdf", media_type="application/pdf",
                                           size=1, sha256=digest))

    @rule()
    def request_cancellation(self) -> None:
        self._send(c.RequestCancellation(order_id=self.order_id, initiator="us"))

    @rule(source=sources)
    def cancel(self, source: str) -> None:
        self._send(c.Cancel(order_id=self.order_id, initiator="us", source=source))

    @rule(source=sources)
    def fail(self, source: str) -> None:
        self._send(c.Fail(order_id=self.order_id, reason_code="vendor_error", source=source))

    # ------------------------------------------------------------------ invariants
    @invariant()
    def state_is_legal(self) -> None:
        assert isinstance(self.view.state, State)

    @invariant()
    def version_counts_stored_events(self) -> None:
        events = list(self.tracker.events.get(self.order_id))
        assert self.view.version == len(events)

    @invariant()
    def replay_gives_live_state(self) -> None:
        events = list(self.tracker.events.get(self.order_id))
        assert OrderView.of(fold(events)) == self.tracker.get_order(self.order_id)

    @invariant()
    def as_of_version_equals_first_n_events(self) -> None:
        events = list(self.tracker.events.get(self.order_id))
        for n in {1, len(events) // 2 or 1, len(events)}:
            assert self.tracker.get_order(self.order_id, version=n) == OrderView.of(
                fold(events[:n])
            )


OrderLifecycle.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestOrderLifecycleOnSQLite = OrderLifecycle.TestCase


@pytest.mark.postgres
def test_the_lifecycle_holds_on_postgresql(postgres_url: str) -> None:
    class OnPostgres(OrderLifecycle):
        store_url = postgres_url

    OnPostgres.TestCase.settings = settings(
        max_examples=10, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    OnPostgres.TestCase("runTest").runTest()
