"""The normalized order lifecycle, kept as data (vendor-spec part B.3).

Every transition the Order aggregate may make is one row of ``TRANSITIONS``.
The aggregate asks this table; the tests and the README diagram are generated
from it. Nothing else in the code base hard-codes a transition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from ordertrail.domain.errors import UnknownStateError


class State(StrEnum):
    REQUESTED = "REQUESTED"
    SUBMISSION_UNCERTAIN = "SUBMISSION_UNCERTAIN"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    PLACED = "PLACED"
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_FOR_USER = "WAITING_FOR_USER"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    # Each member's name is its value, so Enum's ``hash(self._name_)``, a Python call made
    # for every lookup keyed by a state (the lifecycle index, sets of states), is the str
    # hash; str's own C slot gives the same number without the call.
    __hash__ = str.__hash__

    @classmethod
    def of(cls, value: str) -> State:
        """The state whose value is exactly ``value``: ``State(value)``, ValueError included,
        without Enum's call machinery, for replaying stored events."""
        try:
            return _STATE_OF_VALUE[value]
        except KeyError:
            raise ValueError(f"{value!r} is not a valid State") from None

    @classmethod
    def parse(cls, value: str) -> State:
        """The state named ``value`` (case-insensitive), or UnknownStateError."""
        try:
            return cls(value.strip().upper())
        except ValueError:
            raise UnknownStateError(value) from None

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


_STATE_OF_VALUE: dict[str, State] = {state.value: state for state in State}


TERMINAL_STATES = frozenset({State.COMPLETED, State.REJECTED, State.FAILED, State.CANCELLED})
NEEDS_A_PERSON = frozenset(
    {State.SUBMISSION_UNCERTAIN, State.PAYMENT_DECLINED, State.WAITING_FOR_USER}
)
POLLED_STATES = frozenset({State.PLACED, State.IN_PROGRESS, State.WAITING_FOR_USER})
"""Placed and not yet delivered: the vendor works on it, so its status is asked for."""


class Guard(StrEnum):
    """A condition on a transition, beyond its source state and event."""

    HUMAN = "human"
    """Only a person may take this transition (event source ``human``)."""
    RECONCILED_NOT_CREATED = "reconciled_not_created"
    """Reconciliation proved the vendor created nothing."""
    PROGRESS_STARTED = "progress_started"
    """Reported progress has ``current > 0``."""
    ALL_RESULTS_RETRIEVED = "all_results_retrieved"
    """Every result the vendor announced has been retrieved."""
    NO_OTHER_SUBMISSION_IN_FLIGHT = "no_other_submission_in_flight"
    """No earlier attempt is still without an outcome (at most one submission in flight)."""


@dataclass(frozen=True)
class Transition:
    source: State | None
    event: str
    target: State
    guard: Guard | None = None


S = State
_NON_TERMINAL = tuple(s for s in State if s not in TERMINAL_STATES)
_WORKING = (S.PLACED, S.IN_PROGRESS, S.WAITING_FOR_USER)
_AFTER_PLACEMENT = (*_WORKING, S.DELIVERED)


def _rows() -> Iterator[Transition]:
    yield Transition(None, "OrderRequested", S.REQUESTED)
    yield Transition(S.REQUESTED, "SubmissionAttempted", S.REQUESTED,
                     Guard.NO_OTHER_SUBMISSION_IN_FLIGHT)
    for event in ("SubmissionFailed", "PaymentAccepted", "Acked", "HoldLifted"):
        yield Transition(S.REQUESTED, event, S.REQUESTED)
    for event in ("SubmissionHeld", "OrderResubmitted"):
        yield Transition(S.REQUESTED, event, S.REQUESTED, Guard.NO_OTHER_SUBMISSION_IN_FLIGHT)
    yield Transition(S.REQUESTED, "SubmissionOutcomeUnknown", S.SUBMISSION_UNCERTAIN)
    yield Transition(S.REQUESTED, "PaymentDeclined", S.PAYMENT_DECLINED)
    yield Transition(S.REQUESTED, "OrderPlaced", S.PLACED)
    yield Transition(S.REQUESTED, "OrderRejected", S.REJECTED)
    yield Transition(S.REQUESTED, "Cancelled", S.CANCELLED)
    yield Transition(S.SUBMISSION_UNCERTAIN, "OrderPlaced", S.PLACED)
    yield Transition(
        S.SUBMISSION_UNCERTAIN, "SubmissionFailed", S.REQUESTED, Guard.RECONCILED_NOT_CREATED
    )
    yield Transition(S.SUBMISSION_UNCERTAIN, "Cancelled", S.CANCELLED, Guard.HUMAN)
    yield Transition(S.SUBMISSION_UNCERTAIN, "ReconciliationAmbiguous", S.SUBMISSION_UNCERTAIN)
    yield Transition(S.PAYMENT_DECLINED, "OrderResubmitted", S.REQUESTED)
    yield Transition(S.PAYMENT_DECLINED, "Cancelled", S.CANCELLED)
    # Once placed: the vendor reports status and progress.
    yield Transition(S.PLACED, "StatusChanged", S.IN_PROGRESS)
    yield Transition(S.PLACED, "ProgressReported", S.IN_PROGRESS, Guard.PROGRESS_STARTED)
    yield Transition(S.PLACED, "ProgressReported", S.PLACED)
    yield Transition(S.WAITING_FOR_USER, "StatusChanged", S.IN_PROGRESS)
    yield Transition(S.WAITING_FOR_USER, "ProgressReported", S.IN_PROGRESS)
    yield Transition(S.IN_PROGRESS, "ProgressReported", S.IN_PROGRESS)
    for source in (S.PLACED, S.IN_PROGRESS):
        yield Transition(source, "WaitingForUser", S.WAITING_FOR_USER)
    yield Transition(S.WAITING_FOR_USER, "WaitingForUser", S.WAITING_FOR_USER)
    yield Transition(S.WAITING_FOR_USER, "UserInputProvided", S.WAITING_FOR_USER)
    for source in _WORKING:
        yield Transition(source, "StatusChanged", S.DELIVERED)
        yield Transition(source, "ResultAvailable", S.DELIVERED)
        yield Transition(source, "Failed", S.FAILED)
    yield Transition(S.DELIVERED, "ResultAvailable", S.DELIVERED)
    yield Transition(S.DELIVERED, "ResultRetrieved", S.COMPLETED, Guard.ALL_RESULTS_RETRIEVED)
    yield Transition(S.DELIVERED, "ResultRetrieved", S.DELIVERED)
    yield Transition(S.DELIVERED, "StatusChanged", S.COMPLETED)
    yield Transition(S.COMPLETED, "ResultRetrieved", S.COMPLETED)
    yield Transition(S.DELIVERED, "ReturnedToVendor", S.IN_PROGRESS)
    yield Transition(S.PLACED, "OrderRejected", S.REJECTED)
    yield Transition(S.DELIVERED, "Failed", S.FAILED, Guard.HUMAN)
    for source in _AFTER_PLACEMENT:
        yield Transition(source, "Cancelled", S.CANCELLED)
        # A raw status that maps nowhere new (unknown, repeated or backwards)
        # is still recorded for audit, with the state unchanged.
        yield Transition(source, "StatusChanged", source)
        yield Transition(source, "Acked", source)
        yield Transition(source, "AmendmentSent", source)
        yield Transition(source, "TroubleObserved", source)
        yield Transition(source, "TroubleCleared", source)
        yield Transition(source, "CostRecorded", source)
    for source in _NON_TERMINAL:
        yield Transition(source, "CancellationRequested", source)


TRANSITIONS: tuple[Transition, ...] = tuple(_rows())

EVENT_NAMES: tuple[str, ...] = tuple(dict.fromkeys(t.event for t in TRANSITIONS))


def transitions_from(source: State | None, event: str) -> tuple[Transition, ...]:
    """The rows that leave ``source`` on ``event``, guarded rows first."""
    rows = [t for t in TRANSITIONS if t.source == source and t.event == event]
    return tuple(sorted(rows, key=lambda t: t.guard is None))


_INDEX: dict[tuple[State | None, str], tuple[Transition, ...]] = {
    (t.source, t.event): transitions_from(t.source, t.event) for t in TRANSITIONS
}


def allowed_targets(source: State | None, event: str) -> tuple[Transition, ...]:
    """Every row for (source, event); empty when the table forbids the event."""
    return _INDEX.get((source, event), ())


def mermaid_diagram() -> str:
    """The lifecycle as a Mermaid state diagram, generated from the table."""
    lines = ["stateDiagram-v2"]
    seen: set[tuple[str, str, str]] = set()
    for t in TRANSITIONS:
        if t.source == t.target:
            continue
        source = "[*]" if t.source is None else t.source.value
        label = t.event if t.guard is None else f"{t.event} [{t.guard.value}]"
        key = (source, t.target.value, label)
        if key not in seen:
            seen.add(key)
            lines.append(f"    {source} --> {t.target.value}: {label}")
    for state in sorted(TERMINAL_STATES):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid_diagram())
