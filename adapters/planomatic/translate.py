"""Pay-and-submit outcomes to domain commands (vendor-spec B.4 and B.8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
from ordertrail.adapters.planomatic.wire import VENDOR, payment_amount, vendor_reference
from ordertrail.domain import commands as c
from ordertrail.domain.vocabulary import Classification, Source


def commands_for(order_id: UUID, outcome: SubmitOutcome, now: datetime) -> list[c.AnyCommand]:
    common: dict[str, Any] = {"order_id": order_id, "source": Source.COMMAND, "raw": outcome.raw}
    named, http, reason = outcome.vendor_code, outcome.http_status, outcome.reason_code
    match outcome.outcome:
        case Outcome.PLACED:
            return _placed(common, outcome)
        case Outcome.DECLINED:
            return [c.DeclinePayment(**common, reason_code=reason or "declined",
                                     vendor_code=named, http_status=http,
                                     message=outcome.message)]
        case Outcome.REJECTED:
            return [c.Reject(**common, reason_code=reason or "rejected",
                             classification=outcome.classified, vendor_code=named,
                             http_status=http, message=outcome.message)]
        case Outcome.UNKNOWN:
            return [c.MarkOutcomeUnknown(**common, reason=outcome.message or reason or "lost",
                                         http_status=http, vendor_code=named or reason)]
    retryable = outcome.classified == Classification.RETRYABLE
    failed = c.FailSubmission(
        **common, classification=outcome.classified, http_status=http,
        vendor_code=named or reason, message=outcome.message,
        retry_not_before=(now + timedelta(seconds=outcome.retry_after)
                          if outcome.retry_after and retryable else None))
    if outcome.outcome is Outcome.REAUTH:
        # B.1: the token is the connector's matter; the order waits for it to work again.
        return [failed, c.RefuseCredentials(vendor=VENDOR, operation="pay_and_submit",
                                            http_status=http, message=named or "token refused",
                                            at=now)]
    return [failed]


def _placed(common: dict[str, Any], outcome: SubmitOutcome) -> list[c.AnyCommand]:
    """Paid, and placed when the answer names the new order (where is undocumented, B.8)."""
    found = vendor_reference(outcome.data)
    amount = payment_amount(outcome.data)
    accepted = c.AcceptPayment(**common, amount=amount)
    if found is None:
        return [accepted, c.MarkOutcomeUnknown(
            **common, reason="payment accepted but no order reference in the answer",
            http_status=outcome.http_status, vendor_code=outcome.vendor_code)]
    ref, kind = found
    placed: list[c.AnyCommand] = [accepted, c.Place(**common, vendor_ref=ref,
                                                    vendor_ref_kind=kind)]
    if amount is not None:
        placed.append(c.RecordCost(**common, amount=amount, basis="payment"))
    return placed
