"""Every named status of pay-and-submit, as data (vendor-spec B.8).

Classification is by the named status first; an unknown name falls back to
its HTTP code: 2xx is an anomaly for a person, 4xx terminal, 5xx an unknown
outcome (the card may have been charged).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ordertrail.domain.vocabulary import Classification as C


class Kind(StrEnum):
    PLACED = "placed"
    DECLINED = "declined"
    REJECTED = "rejected"
    REAUTH = "reauth"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Rule:
    kind: Kind
    classification: C
    reason_code: str | None = None
    retry_after_seconds: int | None = None


STATUS_RULES: dict[str, Rule] = {
    "action-successful": Rule(Kind.PLACED, C.SUCCESS),
    "invalid-promotion": Rule(Kind.REJECTED, C.NEEDS_HUMAN, "invalid_promotion"),
    "promotion-expended": Rule(Kind.REJECTED, C.NEEDS_HUMAN, "promotion_already_used"),
    "declined-payment": Rule(Kind.DECLINED, C.NEEDS_HUMAN, "declined"),
    "card-number-invalid": Rule(Kind.DECLINED, C.NEEDS_HUMAN, "card_number_invalid"),
    "failed-payment": Rule(Kind.DECLINED, C.NEEDS_HUMAN, "payment_failed"),
    "card-expired": Rule(Kind.DECLINED, C.NEEDS_HUMAN, "card_expired"),
    "external-application-error": Rule(Kind.DECLINED, C.NEEDS_HUMAN, "processor_error"),
    "invalid-payment-processor-api-keys": Rule(Kind.FAILED, C.NEEDS_HUMAN, "vendor_misconfigured"),
    "invalid-token": Rule(Kind.REAUTH, C.NEEDS_REAUTH, "invalid_token"),
    "session-expired": Rule(Kind.REAUTH, C.NEEDS_REAUTH, "session_expired"),
    "client-required": Rule(Kind.REJECTED, C.NEEDS_HUMAN, "client_required"),
    "missing-param": Rule(Kind.REJECTED, C.TERMINAL, "validation"),
    "invalid-param": Rule(Kind.REJECTED, C.TERMINAL, "validation"),
    "application-crash": Rule(Kind.UNKNOWN, C.RETRYABLE_AFTER_RECONCILIATION, "application_crash"),
    "mandrill-email-failed": Rule(Kind.UNKNOWN, C.NEEDS_HUMAN, "mandrill_email_failed"),
    "invalid-content-type": Rule(Kind.FAILED, C.TERMINAL, "invalid_content_type"),
    "route-non-existent": Rule(Kind.FAILED, C.TERMINAL, "route_non_existent"),
    "duplicate-payment": Rule(
        Kind.UNKNOWN, C.RETRYABLE_AFTER_RECONCILIATION, "duplicate_payment", 120
    ),
    "no-params-decoded": Rule(Kind.FAILED, C.TERMINAL, "no_params_decoded"),
    "invalid-encoded-params": Rule(Kind.FAILED, C.TERMINAL, "invalid_encoded_params"),
    "route-not-found": Rule(Kind.FAILED, C.RETRYABLE, "route_not_found", 3600),
    "identify-request-error": Rule(Kind.FAILED, C.RETRYABLE, "identify_request_error", 60),
    "service-not-found": Rule(Kind.FAILED, C.RETRYABLE, "service_not_found", 3600),
}
RATE_LIMITED = Rule(Kind.FAILED, C.RETRYABLE, "rate_limited", 2)


@dataclass(frozen=True)
class Outcome:
    """What one pay-and-submit answer means, with what we need to record it."""

    rule: Rule
    named_status: str | None
    http_status: int | None
    data: object = None
    raw: object = None
    reason: str | None = None
    """For lost responses: timeout, connection reset, unreadable body."""


def rule_for(named_status: str | None, http_status: int | None) -> Rule:
    if named_status in STATUS_RULES:
        return STATUS_RULES[named_status]
    if http_status == 429:
        return RATE_LIMITED
    code = http_status or 0
    if 200 <= code < 300:
        return Rule(Kind.FAILED, C.NEEDS_HUMAN, "unrecognised_success")
    if 400 <= code < 500:
        return Rule(Kind.FAILED, C.TERMINAL, "unrecognised_rejection")
    return Rule(Kind.UNKNOWN, C.RETRYABLE_AFTER_RECONCILIATION, "unrecognised_server_error")


def lost(reason: str, http_status: int | None = None) -> Outcome:
    """The request went out and no usable answer came back: the outcome is unknown."""
    rule = Rule(Kind.UNKNOWN, C.RETRYABLE_AFTER_RECONCILIATION, "response_lost")
    return Outcome(rule, None, http_status, reason=reason)
