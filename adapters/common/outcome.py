"""What one submission to a vendor came to: one type for every vendor we submit to.

Each vendor's client turns its answer (status code, body, or the lack of one)
into a ``SubmitOutcome``; each vendor's ``translate.py`` turns the outcome into
domain commands. The ``Outcome`` enum is the vocabulary that decides what
happens next, so it is an enum, never a string parsed back (style.md 14); the
vendor's own words travel beside it in ``vendor_code`` and ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ordertrail.domain.vocabulary import Classification


class Outcome(StrEnum):
    """What a submission did at the vendor, as far as we can tell."""

    PLACED = "placed"
    """The vendor created the order (``vendor_ref``, and ``data`` for more)."""
    DECLINED = "declined"
    """The vendor refused the payment: a person fixes the payment method or the account."""
    REJECTED = "rejected"
    """The vendor refused the request as it stands: nothing was created."""
    REAUTH = "reauth"
    """Our credentials were refused: nothing was created; the connector's matter."""
    LIMITED = "limited"
    """A cap or rate limit: nothing was created; try again after ``retry_after``."""
    FAILED = "failed"
    """Nothing was created; ``classification`` says whether trying again can help."""
    NOT_SENT = "not_sent"
    """The request never reached the vendor (no connection): safe to send again."""
    UNKNOWN = "unknown"
    """The request went out and no usable answer came back: it may have created the order."""


DEFAULT_CLASSIFICATION = {
    Outcome.PLACED: Classification.SUCCESS,
    Outcome.DECLINED: Classification.NEEDS_HUMAN,
    Outcome.REJECTED: Classification.TERMINAL,
    Outcome.REAUTH: Classification.NEEDS_REAUTH,
    Outcome.LIMITED: Classification.RETRYABLE,
    Outcome.FAILED: Classification.NEEDS_HUMAN,
    Outcome.NOT_SENT: Classification.RETRYABLE,
    Outcome.UNKNOWN: Classification.RETRYABLE_AFTER_RECONCILIATION,
}
"""Each outcome's vendor-spec B.1 class unless the vendor's rule says otherwise."""


@dataclass(frozen=True)
class SubmitOutcome:
    """One submission's outcome, with what the vendor's translation needs to record it.

    ``classification``: the vendor's rule's B.1 class, if it has one (``classified`` falls
    back to the outcome's). ``vendor_code``: the vendor's own name for the answer (a named
    status, an HTTP code); ``reason_code``: ours. ``data``: the decoded answer the vendor's
    translation reads further (the order created, an error body). ``raw``: the answer as
    sent, for audit. ``retry_after``: the seconds the vendor asked us to wait (its
    ``Retry-After``, or a delay its documentation states).
    """

    outcome: Outcome
    http_status: int | None = None
    classification: Classification | None = None
    vendor_code: str | None = None
    reason_code: str | None = None
    message: str | None = None
    vendor_ref: str | None = None
    data: object = None
    raw: object = None
    retry_after: float | None = None

    @property
    def classified(self) -> Classification:
        """The B.1 classification: the vendor's rule's, else the outcome's default."""
        return self.classification or DEFAULT_CLASSIFICATION[self.outcome]

    @classmethod
    def not_sent(cls, reason: str) -> SubmitOutcome:
        """The connection failed before the request was sent."""
        return cls(Outcome.NOT_SENT, message=f"not sent: {reason}")

    @classmethod
    def lost(cls, reason: str, http_status: int | None = None, raw: object = None) -> SubmitOutcome:
        """The request went out; the answer was lost, cut short or a server error."""
        return cls(Outcome.UNKNOWN, http_status, message=reason, raw=raw)
