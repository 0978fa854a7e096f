"""The states of an order's normalized lifecycle (vendor-spec B.3), and the guards on its
transitions. The transitions themselves are the table in ``state_machine``."""

from __future__ import annotations

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

    @classmethod
    def parse(cls, value: str) -> State:
        """The state named ``value`` (case-insensitive), or UnknownStateError."""
        try:
            return cls(value.strip().upper())
        except ValueError:
            raise UnknownStateError(value) from None

    @property
    def is_terminal(self) -> bool:
        return self in (State.COMPLETED, State.REJECTED, State.FAILED, State.CANCELLED)


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
