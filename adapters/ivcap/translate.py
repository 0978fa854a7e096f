"""IVCAP answers to domain commands (vendor-spec B.4 and B.7). Pure functions."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import msgspec

from ordertrail.adapters.ivcap.client import CreateAnswer
from ordertrail.adapters.ivcap.wire import OrderStatus
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State

STATUS_MAP = {
    "pending": State.PLACED, "scheduled": State.PLACED, "executing": State.IN_PROGRESS,
    "finished": State.DELIVERED, "succeeded": State.DELIVERED,
}
FAILED = frozenset({"error", "failed"})
REJECTIONS = {
    "bad_request": ("bad_request", "terminal"),
    "forbidden": ("forbidden_scope", "needs_human"),
    "not_found": ("resource_not_found", "terminal"),
    "invalid_parameter": ("invalid_parameter", "terminal"),
    "not_implemented": ("not_implemented", "needs_human"),
}


def create_commands(order_id: UUID, answer: CreateAnswer) -> list[c.Command]:
    common = {"order_id": order_id, "source": "command", "raw": answer.raw}
    http = answer.http_status
    if answer.kind == "created" and answer.order is not None:
        return [c.Place(**common, vendor_ref=answer.order.id, vendor_ref_kind="ivcap.order_id"),
                *status_commands(order_id, answer.order, source="command", raw=answer.raw)]
    if answer.kind in REJECTIONS:
        reason, classification = REJECTIONS[answer.kind]
        error = answer.error
        details = None if error is None else {
            k: v for k, v in msgspec.structs.asdict(error).items() if v is not None}
        return [c.Reject(**common, reason_code=reason, classification=classification,
                         http_status=http, vendor_code=str(http),
                         message=error.message if error else None, details=details)]
    if answer.kind == "needs_reauth":
        return [c.FailSubmission(**common, classification="needs_reauth", http_status=http,
                                 message=answer.reason or "credential refused")]
    if answer.kind in ("unavailable", "not_sent"):
        return [c.FailSubmission(**common, classification="retryable", http_status=http,
                                 message=answer.reason or "service unavailable")]
    if answer.kind == "unexpected":
        return [c.FailSubmission(**common, classification="needs_human", http_status=http,
                                 message=f"unexpected HTTP {http}")]
    return [c.MarkOutcomeUnknown(**common, reason=answer.reason or "answer lost", http_status=http)]


def _products_digest(products: object) -> str:
    return hashlib.sha256(msgspec.json.encode(products)).hexdigest()[:16]


NO_PRODUCTS = _products_digest([])
"""The digest of an order with no products yet, as most polls find it: made once."""


def status_commands(order_id: UUID, order: OrderStatus, source: str = "poll",
                    raw: Any = None) -> list[c.Command]:
    """``raw``: what IVCAP sent, for audit (``msgspec.Raw`` of the body keeps it verbatim, and
    is stored as it came); by default the decoded order."""
    fragment = msgspec.to_builtins(order) if raw is None else raw
    products = _products_digest(order.products) if order.products else NO_PRODUCTS
    common = {"order_id": order_id, "source": source, "raw": fragment,
              "dedupe_key": f"{order.id}:{order.status}:{products}"}
    if order.status in FAILED:
        return [c.Fail(**common, reason_code="vendor_error", raw_status=order.status)]
    normalized = STATUS_MAP.get(order.status)
    commands: list[c.Command] = [c.ChangeStatus(**common, raw_status=order.status,
                                                normalized=normalized)]
    if normalized is State.DELIVERED:
        for product in order.products:
            data = product.links.data if product.links else None
            if data:
                commands.append(c.AnnounceResult(
                    **common, result_ref=product.id, name=product.name or None,
                    media_type=product.mime_type or None, size=product.size, download_ref=data))
    return commands
