"""Pay-and-submit outcomes to domain commands (vendor-spec B.4 and B.8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ordertrail.adapters.planomatic.outcomes import Kind, Outcome
from ordertrail.adapters.planomatic.wire import vendor_reference
from ordertrail.domain import commands as c


def commands_for(order_id: UUID, outcome: Outcome, now: datetime) -> list[c.Command]:
    rule = outcome.rule
    common: dict[str, Any] = {"order_id": order_id, "source": "command", "raw": outcome.raw}
    named, http = outcome.named_status, outcome.http_status
    if rule.kind is Kind.PLACED:
        found = vendor_reference(outcome.data)
        accepted = c.AcceptPayment(**common)
        if found is None:
            return [accepted, c.MarkOutcomeUnknown(
                **common, reason="payment accepted but no order reference in the answer",
                http_status=http, vendor_code=named)]
        ref, kind = found
        return [accepted, c.Place(**common, vendor_ref=ref, vendor_ref_kind=kind)]
    if rule.kind is Kind.DECLINED:
        return [c.DeclinePayment(**common, reason_code=rule.reason_code or "declined",
                                 vendor_code=named, http_status=http, message=outcome.reason)]
    if rule.kind is Kind.REJECTED:
        return [c.Reject(**common, reason_code=rule.reason_code or "rejected",
                         classification=rule.classification, vendor_code=named,
                         http_status=http, message=outcome.reason)]
    if rule.kind is Kind.UNKNOWN:
        return [c.MarkOutcomeUnknown(**common, reason=outcome.reason or rule.reason_code or "lost",
                                     http_status=http, vendor_code=named or rule.reason_code)]
    retry = (now + timedelta(seconds=rule.retry_after_seconds)
             if rule.retry_after_seconds and rule.classification == "retryable" else None)
    return [c.FailSubmission(**common, classification=rule.classification, http_status=http,
                             vendor_code=named or rule.reason_code, message=outcome.reason,
                             retry_not_before=retry)]
