"""Every named status of pay-and-submit, as data (vendor-spec B.8).

Classification is by the named status first; an unknown name falls back to
its HTTP code: 2xx is an anomaly for a person, 4xx terminal, 5xx an unknown
outcome (the card may have been charged).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
from ordertrail.domain.vocabulary import Classification as C


@dataclass(frozen=True)
class Rule:
    """What a named status means: the outcome, its B.1 class, our reason code, and the wait
    the documentation states before trying again."""

    outcome: Outcome
    classification: C
    reason_code: str | None = None
    retry_after_seconds: int | None = None

    def applied(self, named_status: str | None, http_status: int | None, data: object = None,
                raw: object = None, message: str | None = None) -> SubmitOutcome:
        return SubmitOutcome(self.outcome, http_status, self.classification,
                             vendor_code=named_status, reason_code=self.reason_code,
                             message=message, data=data, raw=raw,
                             retry_after=self.retry_after_seconds)


STATUS_RULES: dict[str, Rule] = {
    "action-successful": Rule(Outcome.PLACED, C.SUCCESS),
    "invalid-promotion": Rule(Outcome.REJECTED, C.NEEDS_HUMAN, "invalid_promotion"),
    "promotion-expended": Rule(Outcome.REJECTED, C.NEEDS_HUMAN, "promotion_already_used"),
    "declined-payment": Rule(Outcome.DECLINED, C.NEEDS_HUMAN, "declined"),
    "card-number-invalid": Rule(Outcome.DECLINED, C.NEEDS_HUMAN, "card_number_invalid"),
    "failed-payment": Rule(Outcome.DECLINED, C.NEEDS_HUMAN, "payment_failed"),
    "card-expired": Rule(Outcome.DECLINED, C.NEEDS_HUMAN, "card_expired"),
    "external-application-error": Rule(Outcome.DECLINED, C.NEEDS_HUMAN, "processor_error"),
    "invalid-payment-processor-api-keys": Rule(Outcome.FAILED, C.NEEDS_HUMAN, "vendor_misconfigured"),
    "invalid-token": Rule(Outcome.REAUTH, C.NEEDS_REAUTH, "invalid_token"),
    "session-expired": Rule(Outcome.REAUTH, C.NEEDS_REAUTH, "session_expired"),
    "client-required": Rule(Outcome.REJECTED, C.NEEDS_HUMAN, "client_required"),
    "missing-param": Rule(Outcome.REJECTED, C.TERMINAL, "validation"),
    "invalid-param": Rule(Outcome.REJECTED, C.TERMINAL, "validation"),
    "application-crash": Rule(Outcome.UNKNOWN, C.RETRYABLE_AFTER_RECONCILIATION, "application_crash"),
    "mandrill-email-failed": Rule(Outcome.UNKNOWN, C.NEEDS_HUMAN, "mandrill_email_failed"),
    "invalid-content-type": Rule(Outcome.FAILED, C.TERMINAL, "invalid_content_type"),
    "route-non-existent": Rule(Outcome.FAILED, C.TERMINAL, "route_non_existent"),
    "duplicate-payment": Rule(
        Outcome.UNKNOWN, C.RETRYABLE_AFTER_RECONCILIATION, "duplicate_payment", 120
    ),
    "no-params-decoded": Rule(Outcome.FAILED, C.TERMINAL, "no_params_decoded"),
    "invalid-encoded-params": Rule(Outcome.FAILED, C.TERMINAL, "invalid_encoded_params"),
    "route-not-found": Rule(Outcome.FAILED, C.RETRYABLE, "route_not_found", 3600),
    "identify-request-error": Rule(Outcome.FAILED, C.RETRYABLE, "identify_request_error", 60),
    "service-not-found": Rule(Outcome.FAILED, C.RETRYABLE, "service_not_found", 3600),
}
RATE_LIMITED = Rule(Outcome.LIMITED, C.RETRYABLE, "rate_limited", 2)
NOT_SENT = Rule(Outcome.NOT_SENT, C.RETRYABLE, "vendor_unreachable", 60)
LOST = Rule(Outcome.UNKNOWN, C.RETRYABLE_AFTER_RECONCILIATION, "response_lost")


def rule_for(named_status: str | None, http_status: int | None) -> Rule:
    if named_status in STATUS_RULES:
        return STATUS_RULES[named_status]
    if http_status == 429:
        return RATE_LIMITED
    code = http_status or 0
    if 200 <= code < 300:
        return Rule(Outcome.FAILED, C.NEEDS_HUMAN, "unrecognised_success")
    if 400 <= code < 500:
        return Rule(Outcome.FAILED, C.TERMINAL, "unrecognised_rejection")
    return Rule(Outcome.UNKNOWN, C.RETRYABLE_AFTER_RECONCILIATION, "unrecognised_server_error")


def with_transport_rule(outcome: SubmitOutcome) -> SubmitOutcome:
    """A request that got no answer, with PlanOmatic's rule for it: not sent (try again in a
    minute) or lost after sending (the card may be charged)."""
    if outcome.http_status is not None:
        return outcome
    rule = {Outcome.NOT_SENT: NOT_SENT, Outcome.UNKNOWN: LOST}.get(outcome.outcome)
    if rule is None:
        return outcome
    return replace(outcome, classification=rule.classification, reason_code=rule.reason_code,
                   retry_after=rule.retry_after_seconds)
