"""Pay-and-submit outcomes to domain commands (vendor-spec B.4 and B.8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ordertrail.adapters.planomatic.outcomes import Kind, Outcome
from ordertrail.adapters.planomatic.wire import VENDOR, payment_amount, vendor_reference
from ordertrail.domain import commands as c
from ordertrail.domain.vocabulary import Classification, Source


def commands_for(order_id: UUID, outcome: Outcome, now: datetime) -> list[c.AnyCommand]:
    rule = outcome.rule
    common: dict[str, Any] = {"order_id": order_id, "source": Source.COMMAND, "raw": outcome.raw}
    named, http = outcome.named_status, outcome.http_status
    if rule.kind is Kind.PLACED:
        found = vendor_reference(outcome.data)
        amount = payment_amount(outcome.data)
        accepted = c.AcceptPayment(**common, amount=amount)
        if found is None:
            return [accepted, c.MarkOutcomeUnknown(
                **common, reason="payment accepted but no order reference in the answer",
                http_status=http, vendor_code=named)]
        ref, kind = found
        placed: list[c.AnyCommand] = [accepted, c.Place(**common, vendor_ref=ref,
                                                        vendor_ref_kind=kind)]
        if amount is not None:
            placed.append(c.RecordCost(**common, amount=amount, basis="payment"))
        return placed
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
    failed = c.FailSubmission(
        **common, classification=rule.classification, http_status=http,
        vendor_code=named or rule.reason_code, message=outcome.reason,
        retry_not_before=(now + timedelta(seconds=rule.retry_after_seconds)
                          if rule.retry_after_seconds
                          and rule.classification == Classification.RETRYABLE else None))
    if rule.kind is Kind.REAUTH:
        # B.1: the token is the connector's matter; the order waits for it to work again.
        return [failed, c.RefuseCredentials(vendor=VENDOR, operation="pay_and_submit",
                                            http_status=http, message=named or "token refused",
                                            at=now)]
    return [failed]
