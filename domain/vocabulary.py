"""The words the ledger decides by, as enums (vendor-spec parts B.1 and B.2).

Each is a ``StrEnum``: stored events hold the plain string, so history written
before these enums existed reads back unchanged, and no code decides anything
by parsing a message.
"""

from __future__ import annotations

from enum import StrEnum


class Classification(StrEnum):
    """What a vendor outcome means for the connector (B.1)."""

    SUCCESS = "success"
    RETRYABLE = "retryable"
    RETRYABLE_AFTER_RECONCILIATION = "retryable_after_reconciliation"
    TERMINAL = "terminal"
    NEEDS_REAUTH = "needs_reauth"
    NEEDS_HUMAN = "needs_human"
    RECONCILED_NOT_CREATED = "reconciled_not_created"
    """Reconciliation proved the vendor created nothing (a ``SubmissionFailed`` reason, B.3)."""


class Source(StrEnum):
    """Where an event's information came from (B.2)."""

    COMMAND = "command"
    POLL = "poll"
    PUSH = "push"
    ACK = "ack"
    RECONCILIATION = "reconciliation"
    HUMAN = "human"


class AckOutcome(StrEnum):
    """What a PPW ``ack_transaction`` said (B.2 ``Acked.outcome``)."""

    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    UNKNOWN = "unknown"


class Initiator(StrEnum):
    """Who asked for a cancellation (B.2)."""

    US = "us"
    USER = "user"
    """A person on our side, through ordertrail."""
    VENDOR = "vendor"
    CUSTOMER = "customer"


class HoldCause(StrEnum):
    """Why a requested order is not being submitted now, though nothing is wrong with it."""

    CREDENTIALS = "credentials"
    """The vendor refused our credentials; the order goes once they work again."""
    CIRCUIT = "circuit"
    """The vendor's connector is open (for example Planviewer's 402): every order would fail."""
    DAILY_CAP = "daily_cap"
    """The vendor's daily order cap is reached; the order goes at the next local midnight."""
    NOT_CONFIGURED = "not_configured"
    """No configuration for this vendor, so no engine can submit it."""
    INVALID_REQUEST = "invalid_request"
    """The request does not decode into the vendor's request type; a person must fix it."""


class Trouble(StrEnum):
    """A bounded wait on a vendor: counted per order, and a person's task once it passes its limit."""

    RETRIEVE_NOT_FOUND = "retrieve_not_found"
    """A finished result answers 404 (Planviewer P6: about 5 times over 10 minutes)."""
    RETRIEVE_FORBIDDEN = "retrieve_forbidden"
    """A result answers 403 (Planviewer P6: at once)."""
    DOWNLOAD_REFUSED = "download_refused"
    """A download was refused by us or the vendor (too large, forbidden, missing)."""
    MISSING_FROM_STATUS = "missing_from_status"
    """A job is absent from the vendor's status answer (Planviewer P5: N misses over 10 minutes)."""
    ORDER_NOT_FOUND = "order_not_found"
    """The vendor answers 404 for a placed order (IVCAP I3: 3 over at least 10 minutes)."""
    POLL_FORBIDDEN = "poll_forbidden"
    """The vendor answers 403 for a placed order (IVCAP I3: at once)."""
    STALE_REFERENCE = "stale_reference"
    """The vendor refuses the reference as invalid (Planviewer P5 400): terminal for it."""

    @property
    def stops_retrieval(self) -> bool:
        """Whether this trouble is about downloading results (else about polling)."""
        return self in (Trouble.RETRIEVE_NOT_FOUND, Trouble.RETRIEVE_FORBIDDEN,
                        Trouble.DOWNLOAD_REFUSED)

    @property
    def ends_retries(self) -> bool:
        """Whether, once escalated, nothing is tried again until a person acts."""
        return self is Trouble.STALE_REFERENCE


class AttentionKind(StrEnum):
    """What a person must do, on one order or on a vendor's connector."""

    WAITING_FOR_USER = "WAITING_FOR_USER"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    SUBMISSION_UNCERTAIN = "SUBMISSION_UNCERTAIN"
    AMBIGUOUS_RECONCILIATION = "AMBIGUOUS_RECONCILIATION"
    CREDENTIALS = "CREDENTIALS"
    """Per connector: the vendor refuses our credentials (older records: per order)."""
    CIRCUIT_OPEN = "CIRCUIT_OPEN"
    DAILY_CAP = "DAILY_CAP"
    NOT_CONFIGURED = "NOT_CONFIGURED"
    UNKNOWN_STATUS = "UNKNOWN_STATUS"
    INVALID_REQUEST = "INVALID_REQUEST"
    SUBMISSION_FAILED = "SUBMISSION_FAILED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    ACK_PROBLEM = "ACK_PROBLEM"
    ACK_OVERDUE = "ACK_OVERDUE"
    CANCEL_AT_VENDOR = "CANCEL_AT_VENDOR"
    STUCK = "STUCK"
    RETRIEVE_NOT_FOUND = "RETRIEVE_NOT_FOUND"
    RETRIEVE_FORBIDDEN = "RETRIEVE_FORBIDDEN"
    DOWNLOAD_REFUSED = "DOWNLOAD_REFUSED"
    MISSING_FROM_STATUS = "MISSING_FROM_STATUS"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    POLL_FORBIDDEN = "POLL_FORBIDDEN"
    STALE_REFERENCE = "STALE_REFERENCE"

    @classmethod
    def of_trouble(cls, trouble: Trouble) -> AttentionKind:
        return cls(trouble.value.upper())
