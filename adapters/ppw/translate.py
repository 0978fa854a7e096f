"""Pure functions: what PPW told us, as domain commands. No I/O here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from ordertrail.adapters.ppw.outbox import CANCEL, COMPLETE, NEW, RTV, UPDATE, Offer
from ordertrail.adapters.ppw.wire import AckData
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.vocabulary import AckOutcome, Classification, Initiator

VENDOR_REF_KIND = "ppw.report_id"
UPDATABLE_FIELDS = frozenset(
    {
        "address", "loan_type_other", "city", "lock_code", "comments", "lot_size", "cust_text",
        "mortgage_name", "date_due", "start_date", "key_code", "state", "line_items",
        "vendor_id", "loan_number", "zip",
    }
)
_YES = frozenset({"1", "true", "yes", "y", "ok", "success", "successful", "imported", "complete",
                  "completed", "done"})
_NO = frozenset({"0", "false", "no", "n", "error", "failed", "failure", "fail", "refused",
                 "rejected", "declined", "not imported"})


@dataclass(frozen=True)
class AckReading:
    """What we read PPW's ack to say."""

    outcome: AckOutcome
    reason: str | None


def _word(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if value in (0, 1) else str(value)
    if isinstance(value, str):
        return value.strip().lower()
    return None


def classify_ack(data: AckData) -> AckReading:
    """Read PPW's undocumented ack: duplicate if any text says "dup", else success or failure.

    Positive signals: ``success`` truthy, ``status`` like "success", ``error`` false.
    Negative: ``success`` false, ``error`` true or a message, ``status`` like "error".
    Both or neither: ``unknown`` (a person must look at the stored raw ack).
    """
    texts = [v for v in (data.reason, data.message, data.error, data.status) if isinstance(v, str)]
    reason = next((t.strip() for t in texts if t.strip()), None)
    if any("dup" in t.lower() for t in texts):
        return AckReading(AckOutcome.DUPLICATE, reason)
    success, status, error = _word(data.success), _word(data.status), _word(data.error)
    positive = success in _YES or status in _YES or error in ("false", "0")
    negative = (
        success in _NO or status in _NO or error in ("true", "1")
        or (error is not None and error not in ("", "false", "0", "null"))
    )
    if positive and not negative:
        return AckReading(AckOutcome.IMPORTED, reason)
    if negative and not positive:
        return AckReading(AckOutcome.REFUSED, reason)
    return AckReading(AckOutcome.UNKNOWN, reason)


def cost_of(line_items: Any) -> Decimal | None:
    """What a work order's line items add up to (their ``total``s): None when there are none or
    any total is missing or not a number, so an unknown cost never counts as zero."""
    if isinstance(line_items, str):
        try:
            line_items = json.loads(line_items)
        except ValueError:
            return None
    if not isinstance(line_items, list) or not line_items:
        return None
    amount = Decimal(0)
    for item in line_items:
        total = item.get("total") if isinstance(item, dict) else None
        if isinstance(total, bool) or not isinstance(total, str | int | float):
            return None
        try:
            value = Decimal(str(total).replace(",", "").strip())
        except InvalidOperation:
            return None
        if not value.is_finite():
            return None
        amount += value
    return amount


def ack_commands(
    offer: Offer, ack: AckReading, *, already_placed: bool, raw: Any,
    line_items: Any = None,
) -> list[c.Command]:
    """The commands one first ack of ``offer`` leads to (vendor-spec B.6)."""
    common: dict[str, Any] = {
        "order_id": offer.order_id, "source": "ack", "raw": raw,
        "dedupe_key": f"ppw:ack:{offer.transaction_id}",
    }
    outcome = ack.outcome
    if offer.kind != NEW and outcome == AckOutcome.DUPLICATE:
        outcome = AckOutcome.REFUSED
    commands: list[c.Command] = [
        c.RecordAck(
            transaction_id=offer.transaction_id, outcome=outcome, acked_command=offer.kind,
            reason=ack.reason, **common,
        )
    ]
    if offer.kind == NEW and outcome == "imported":
        commands.append(
            c.Place(vendor_ref=str(offer.report_id), vendor_ref_kind=VENDOR_REF_KIND, **common)
        )
        commands += _cost(common, line_items)
    elif offer.kind == UPDATE and outcome == "imported" and offer.field == "line_items":
        commands += _cost(common, offer.value)
    elif offer.kind == NEW and outcome == "duplicate" and not already_placed:
        commands.append(
            c.Reject(reason_code="duplicate", classification=Classification.NEEDS_HUMAN, message=ack.reason,
                     **common)
        )
    elif outcome == "imported" and offer.kind == RTV:
        commands.append(
            c.ReturnToVendor(reason=offer.value or "", transaction_id=offer.transaction_id,
                             **common)
        )
    elif outcome == "imported" and offer.kind == COMPLETE:
        commands.append(c.ChangeStatus(raw_status="Complete", normalized=State.COMPLETED, **common))
    elif outcome == "imported" and offer.kind == CANCEL:
        commands.append(
            c.Cancel(initiator=Initiator.US, reason=offer.value, raw_status="Cancel", **common)
        )
    return commands


READY_FOR_OFFICE = "Ready for Office"


def status_commands(
    order_id: UUID, raw_status: str, report_id: int, *, raw: Any, dedupe_key: str
) -> list[c.Command]:
    """A PPW-side work-order status as commands (vendor-spec B.4, PPW rows).

    Matching is case-insensitive; "Cancel" and "Cancelled" are both accepted.
    An unknown status is still recorded (normalized ``None``) for audit.
    """
    common: dict[str, Any] = {
        "order_id": order_id, "source": "push", "raw": raw, "dedupe_key": dedupe_key,
    }
    key = " ".join(raw_status.lower().replace("_", " ").split())
    simple = {
        "unread": State.PLACED, "accepted": State.PLACED, "in field": State.IN_PROGRESS,
        "invoiced": State.DELIVERED, "complete": State.COMPLETED, "completed": State.COMPLETED,
    }
    if key in simple:
        return [c.ChangeStatus(raw_status=raw_status, normalized=simple[key], **common)]
    if key == "follow up":
        return [c.WaitForUser(kind="follow_up", prompt=raw_status, **common)]
    if key == "rejected":
        return [c.Reject(reason_code="vendor_rejected", classification=Classification.NEEDS_HUMAN, **common)]
    if key in ("cancel", "cancelled", "canceled"):
        return [c.Cancel(initiator=Initiator.VENDOR, raw_status=raw_status, **common)]
    if key == READY_FOR_OFFICE.lower():
        return [
            c.ChangeStatus(raw_status=raw_status, normalized=State.DELIVERED, **common),
            c.AnnounceResult(
                result_ref=f"ppw:{report_id}:ready_for_office", name=READY_FOR_OFFICE, **common
            ),
        ]
    return [c.ChangeStatus(raw_status=raw_status, normalized=None, **common)]


def _cost(common: dict[str, Any], line_items: Any) -> list[c.Command]:
    amount = cost_of(line_items)
    if amount is None:
        return []
    return [c.RecordCost(amount=amount, basis="line_items total", **common)]
