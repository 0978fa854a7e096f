"""IVCAP answers to domain commands (vendor-spec B.4 and B.7). Pure functions."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
from ordertrail.adapters.ivcap.client import ReadRefused
from ordertrail.adapters.ivcap.wire import VENDOR, ErrorBody, OrderStatus
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.vocabulary import Classification, Source, Trouble

STATUS_MAP = {
    "pending": State.PLACED, "scheduled": State.PLACED, "executing": State.IN_PROGRESS,
    "finished": State.DELIVERED, "succeeded": State.DELIVERED,
}
FAILED = frozenset({"error", "failed"})


def create_commands(order_id: UUID, answer: SubmitOutcome, now: datetime) -> list[c.AnyCommand]:
    common: dict[str, Any] = {"order_id": order_id, "source": Source.COMMAND, "raw": answer.raw}
    http = answer.http_status
    match answer.outcome:
        case Outcome.PLACED if isinstance(answer.data, OrderStatus):
            return [c.Place(**common, vendor_ref=answer.data.id,
                            vendor_ref_kind="ivcap.order_id"),
                    *status_commands(order_id, answer.data, now, source=Source.COMMAND,
                                     raw=answer.raw)]
        case Outcome.REJECTED:
            error = answer.data if isinstance(answer.data, ErrorBody) else None
            details = None if error is None else {
                k: v for k, v in msgspec.structs.asdict(error).items() if v is not None}
            return [c.Reject(**common, reason_code=answer.reason_code or "rejected",
                             classification=answer.classified, http_status=http,
                             vendor_code=answer.vendor_code,
                             message=error.message if error else None, details=details)]
        case Outcome.REAUTH:
            message = answer.message or "credential refused"
            return [c.FailSubmission(**common, classification=Classification.NEEDS_REAUTH,
                                     http_status=http, message=message),
                    c.RefuseCredentials(vendor=VENDOR, operation="POST /1/orders",
                                        http_status=http, message=message, at=now)]
        case Outcome.FAILED | Outcome.NOT_SENT | Outcome.LIMITED:
            # IVCAP's stated wait (Retry-After) when it gave one; else the engine's backoff.
            retry_at = now + timedelta(seconds=answer.retry_after) if answer.retry_after \
                else None
            return [c.FailSubmission(**common, classification=answer.classified,
                                     http_status=http, message=answer.message,
                                     retry_not_before=retry_at)]
    return [c.MarkOutcomeUnknown(**common, reason=answer.message or "answer lost",
                                 http_status=http)]


def _products_digest(products: object) -> str:
    return hashlib.sha256(msgspec.json.encode(products)).hexdigest()[:16]


NO_PRODUCTS = _products_digest([])
"""The digest of an order with no products yet, as most polls find it: made once."""


def status_commands(order_id: UUID, order: OrderStatus, now: datetime,
                    source: Source = Source.POLL, raw: Any = None) -> list[c.AnyCommand]:
    """``raw``: what IVCAP sent, for audit (``msgspec.Raw`` of the body keeps it verbatim, and
    is stored as it came); by default the decoded order."""
    fragment = msgspec.to_builtins(order) if raw is None else raw
    products = _products_digest(order.products) if order.products else NO_PRODUCTS
    common: dict[str, Any] = {"order_id": order_id, "source": source, "raw": fragment,
                              "dedupe_key": f"{order.id}:{order.status}:{products}"}
    if order.status in FAILED:
        return [c.Fail(**common, reason_code="vendor_error", raw_status=order.status)]
    normalized = STATUS_MAP.get(order.status)
    commands: list[c.AnyCommand] = [c.ChangeStatus(**common, raw_status=order.status,
                                                   normalized=normalized)]
    if normalized is None:
        # B.7 ambiguity 12: an unknown value leaves the state unchanged, and raises an alert.
        commands.append(c.SeeUnknownStatus(vendor=VENDOR, raw_status=order.status,
                                           order_id=order_id, at=now))
    if normalized is State.DELIVERED:
        retrievable = [p for p in order.products if p.links and p.links.data]
        for product in retrievable:
            assert product.links is not None
            commands.append(c.AnnounceResult(
                **common, result_ref=product.id, name=product.name or None,
                media_type=product.mime_type or None, size=product.size,
                download_ref=product.links.data))
        if not retrievable:
            # Finished with nothing to download: every (zero) product is retrieved (B.7), so
            # the order is complete; its history keeps the vendor's answer.
            commands.append(c.ChangeStatus(**common, raw_status=order.status,
                                           normalized=State.COMPLETED))
    return commands


def trouble_commands(order_id: UUID, error: ReadRefused, now: datetime) -> list[c.AnyCommand]:
    """A read of a placed order refused (B.7 I3): 404 three times over at least ten minutes
    (never failed automatically), 403 or 501 at once, a person's task."""
    trouble, limit, spread = (
        (Trouble.ORDER_NOT_FOUND, 3, timedelta(minutes=10)) if error.status == 404
        else (Trouble.POLL_FORBIDDEN, 1, timedelta(0)))
    return [c.ObserveTrouble(order_id=order_id, trouble=trouble, detail=str(error), limit=limit,
                             spread=spread, now=now, source=Source.POLL)]
