"""The normalized order lifecycle (vendor-spec part B.3), as one table to read top to bottom.

Each row says: from this state, this event (class) leads to that state, when its guard holds.
Rows for the same state and event are tried in the order they are written, so a guarded row
comes before its unguarded fallback. The Order aggregate asks this table before it records
anything; the sets of states the rest of the code needs are derived from it or named here;
the README diagram and the tests are generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordertrail.domain.events import (
    Acked,
    AmendmentSent,
    CancellationRequested,
    Cancelled,
    CostRecorded,
    Failed,
    HoldLifted,
    OrderEvent,
    OrderPlaced,
    OrderRejected,
    OrderRequested,
    OrderResubmitted,
    PaymentAccepted,
    PaymentDeclined,
    ProgressReported,
    ReconciliationAmbiguous,
    ResultAvailable,
    ResultRetrieved,
    ReturnedToVendor,
    StatusChanged,
    SubmissionAttempted,
    SubmissionFailed,
    SubmissionHeld,
    SubmissionOutcomeUnknown,
    TroubleCleared,
    TroubleObserved,
    UserInputProvided,
    WaitingForUser,
)
from ordertrail.domain.states import Guard, State

__all__ = ["NEEDS_A_PERSON", "NOT_YET_PLACED", "POLLED_STATES", "TERMINAL_STATES", "TRANSITIONS",
           "Guard", "State", "Transition", "allowed_targets", "mermaid_diagram", "states_allowing",
           "states_reaching"]


@dataclass(frozen=True)
class Transition:
    source: State | None
    event: type[OrderEvent]
    target: State
    guard: Guard | None = None

    @property
    def event_name(self) -> str:
        return self.event.__name__


S, G, T = State, Guard, Transition

TRANSITIONS: tuple[Transition, ...] = (
    T(None, OrderRequested, S.REQUESTED),
    # Requested: submitted at most once at a time, held, failed (retryable or not) or settled.
    T(S.REQUESTED, SubmissionAttempted, S.REQUESTED, G.NO_OTHER_SUBMISSION_IN_FLIGHT),
    T(S.REQUESTED, SubmissionHeld, S.REQUESTED, G.NO_OTHER_SUBMISSION_IN_FLIGHT),
    T(S.REQUESTED, HoldLifted, S.REQUESTED),
    T(S.REQUESTED, SubmissionFailed, S.REQUESTED),
    T(S.REQUESTED, OrderResubmitted, S.REQUESTED, G.NO_OTHER_SUBMISSION_IN_FLIGHT),
    T(S.REQUESTED, PaymentAccepted, S.REQUESTED),
    T(S.REQUESTED, Acked, S.REQUESTED),
    T(S.REQUESTED, SubmissionOutcomeUnknown, S.SUBMISSION_UNCERTAIN),
    T(S.REQUESTED, PaymentDeclined, S.PAYMENT_DECLINED),
    T(S.REQUESTED, OrderPlaced, S.PLACED),
    T(S.REQUESTED, OrderRejected, S.REJECTED),
    T(S.REQUESTED, Cancelled, S.CANCELLED),
    T(S.REQUESTED, CancellationRequested, S.REQUESTED),
    # Uncertain: reconciliation finds the order, proves it absent, or a person decides.
    T(S.SUBMISSION_UNCERTAIN, OrderPlaced, S.PLACED),
    T(S.SUBMISSION_UNCERTAIN, SubmissionFailed, S.REQUESTED, G.RECONCILED_NOT_CREATED),
    T(S.SUBMISSION_UNCERTAIN, ReconciliationAmbiguous, S.SUBMISSION_UNCERTAIN),
    T(S.SUBMISSION_UNCERTAIN, Cancelled, S.CANCELLED, G.HUMAN),
    T(S.SUBMISSION_UNCERTAIN, CancellationRequested, S.SUBMISSION_UNCERTAIN),
    # Payment declined: a person resubmits with a change, or cancels.
    T(S.PAYMENT_DECLINED, OrderResubmitted, S.REQUESTED),
    T(S.PAYMENT_DECLINED, Cancelled, S.CANCELLED),
    T(S.PAYMENT_DECLINED, CancellationRequested, S.PAYMENT_DECLINED),
    # Placed: the vendor works, asks, delivers, fails or rejects late.
    T(S.PLACED, StatusChanged, S.IN_PROGRESS),
    T(S.PLACED, StatusChanged, S.DELIVERED),
    T(S.PLACED, StatusChanged, S.PLACED),
    T(S.PLACED, ProgressReported, S.IN_PROGRESS, G.PROGRESS_STARTED),
    T(S.PLACED, ProgressReported, S.PLACED),
    T(S.PLACED, WaitingForUser, S.WAITING_FOR_USER),
    T(S.PLACED, ResultAvailable, S.DELIVERED),
    T(S.PLACED, Failed, S.FAILED),
    T(S.PLACED, OrderRejected, S.REJECTED),
    T(S.PLACED, Cancelled, S.CANCELLED),
    T(S.PLACED, CancellationRequested, S.PLACED),
    T(S.PLACED, Acked, S.PLACED),
    T(S.PLACED, AmendmentSent, S.PLACED),
    T(S.PLACED, TroubleObserved, S.PLACED),
    T(S.PLACED, TroubleCleared, S.PLACED),
    T(S.PLACED, CostRecorded, S.PLACED),
    # In progress.
    T(S.IN_PROGRESS, StatusChanged, S.DELIVERED),
    T(S.IN_PROGRESS, StatusChanged, S.IN_PROGRESS),
    T(S.IN_PROGRESS, ProgressReported, S.IN_PROGRESS),
    T(S.IN_PROGRESS, WaitingForUser, S.WAITING_FOR_USER),
    T(S.IN_PROGRESS, ResultAvailable, S.DELIVERED),
    T(S.IN_PROGRESS, Failed, S.FAILED),
    T(S.IN_PROGRESS, Cancelled, S.CANCELLED),
    T(S.IN_PROGRESS, CancellationRequested, S.IN_PROGRESS),
    T(S.IN_PROGRESS, Acked, S.IN_PROGRESS),
    T(S.IN_PROGRESS, AmendmentSent, S.IN_PROGRESS),
    T(S.IN_PROGRESS, TroubleObserved, S.IN_PROGRESS),
    T(S.IN_PROGRESS, TroubleCleared, S.IN_PROGRESS),
    T(S.IN_PROGRESS, CostRecorded, S.IN_PROGRESS),
    # Waiting for a person's answer.
    T(S.WAITING_FOR_USER, StatusChanged, S.IN_PROGRESS),
    T(S.WAITING_FOR_USER, StatusChanged, S.DELIVERED),
    T(S.WAITING_FOR_USER, StatusChanged, S.WAITING_FOR_USER),
    T(S.WAITING_FOR_USER, ProgressReported, S.IN_PROGRESS),
    T(S.WAITING_FOR_USER, WaitingForUser, S.WAITING_FOR_USER),
    T(S.WAITING_FOR_USER, UserInputProvided, S.WAITING_FOR_USER),
    T(S.WAITING_FOR_USER, ResultAvailable, S.DELIVERED),
    T(S.WAITING_FOR_USER, Failed, S.FAILED),
    T(S.WAITING_FOR_USER, Cancelled, S.CANCELLED),
    T(S.WAITING_FOR_USER, CancellationRequested, S.WAITING_FOR_USER),
    T(S.WAITING_FOR_USER, Acked, S.WAITING_FOR_USER),
    T(S.WAITING_FOR_USER, AmendmentSent, S.WAITING_FOR_USER),
    T(S.WAITING_FOR_USER, TroubleObserved, S.WAITING_FOR_USER),
    T(S.WAITING_FOR_USER, TroubleCleared, S.WAITING_FOR_USER),
    T(S.WAITING_FOR_USER, CostRecorded, S.WAITING_FOR_USER),
    # Delivered: results are fetched (completed once all are), accepted, or sent back.
    T(S.DELIVERED, ResultAvailable, S.DELIVERED),
    T(S.DELIVERED, ResultRetrieved, S.COMPLETED, G.ALL_RESULTS_RETRIEVED),
    T(S.DELIVERED, ResultRetrieved, S.DELIVERED),
    T(S.DELIVERED, StatusChanged, S.COMPLETED),
    T(S.DELIVERED, StatusChanged, S.DELIVERED),
    T(S.DELIVERED, ReturnedToVendor, S.IN_PROGRESS),
    T(S.DELIVERED, Failed, S.FAILED, G.HUMAN),
    T(S.DELIVERED, Cancelled, S.CANCELLED),
    T(S.DELIVERED, CancellationRequested, S.DELIVERED),
    T(S.DELIVERED, Acked, S.DELIVERED),
    T(S.DELIVERED, AmendmentSent, S.DELIVERED),
    T(S.DELIVERED, TroubleObserved, S.DELIVERED),
    T(S.DELIVERED, TroubleCleared, S.DELIVERED),
    T(S.DELIVERED, CostRecorded, S.DELIVERED),
    # Completed: a result may be fetched again.
    T(S.COMPLETED, ResultRetrieved, S.COMPLETED),
)

TERMINAL_STATES = frozenset(s for s in State if s.is_terminal)
NEEDS_A_PERSON = frozenset({S.SUBMISSION_UNCERTAIN, S.PAYMENT_DECLINED, S.WAITING_FOR_USER})
"""States an order waits in for a person's decision."""
NOT_YET_PLACED = frozenset({S.REQUESTED, S.PAYMENT_DECLINED, S.SUBMISSION_UNCERTAIN})
"""Before the vendor accepted the order: cancelling is ours alone."""
POLLED_STATES = frozenset({S.PLACED, S.IN_PROGRESS, S.WAITING_FOR_USER})
"""Placed and not yet delivered: the vendor works on it, so its status is asked for."""

_INDEX: dict[tuple[State | None, type[OrderEvent]], tuple[Transition, ...]] = {}
for _row in TRANSITIONS:
    _INDEX[_row.source, _row.event] = (*_INDEX.get((_row.source, _row.event), ()), _row)


def allowed_targets(source: State | None, event: type[OrderEvent]) -> tuple[Transition, ...]:
    """Every row for (source, event), in table order; empty when the table forbids the event."""
    return _INDEX.get((source, event), ())


def states_allowing(event: type[OrderEvent]) -> frozenset[State]:
    """Every state from which ``event`` may be recorded."""
    return frozenset(t.source for t in TRANSITIONS if t.event is event and t.source is not None)


def states_reaching(event: type[OrderEvent], target: State) -> frozenset[State]:
    """Every state from which ``event`` may lead to ``target``."""
    return frozenset(t.source for t in TRANSITIONS
                     if t.event is event and t.target is target and t.source is not None)


def mermaid_diagram() -> str:
    """The lifecycle as a Mermaid state diagram, generated from the table, self-loops too."""
    lines = ["stateDiagram-v2"]
    seen: set[tuple[str, str, str]] = set()
    for t in TRANSITIONS:
        source = "[*]" if t.source is None else t.source.value
        label = t.event_name if t.guard is None else f"{t.event_name} [{t.guard.value}]"
        key = (source, t.target.value, label)
        if key not in seen:
            seen.add(key)
            lines.append(f"    {source} --> {t.target.value}: {label}")
    for state in sorted(TERMINAL_STATES):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid_diagram())
