"""PlanOmatic wire types (msgspec). The response envelope is parsed defensively.

The seed names the ``data`` key but not the field carrying the named status:
we read ``status`` and fall back to ``code``, and keep the raw body for audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from ordertrail.adapters.common.errors import VendorProtocolError

VENDOR = "planomatic"


class PayAndSubmitBody(msgspec.Struct, frozen=True, omit_defaults=True):
    order: dict[str, Any]
    token: str
    application: str = "planoorder"
    payment_method_id: int | None = None
    promotion_code: str | None = None


class Envelope(msgspec.Struct, frozen=True):
    status: str | None = None
    code: str | int | None = None
    data: Any = None
    message: str | None = None
    session: dict[str, Any] | None = None

    @property
    def named_status(self) -> str | None:
        if self.status:
            return self.status
        return self.code if isinstance(self.code, str) and self.code else None


_decoder = msgspec.json.Decoder(Envelope)


def decode_envelope(body: bytes) -> Envelope:
    """The response envelope; an empty or non-object body is a protocol error."""
    try:
        return _decoder.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        raise VendorProtocolError(VENDOR, f"response body: {error}") from None


def raw_json(body: bytes) -> Any:
    """The body as JSON for audit, or a short text form when it is not JSON."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return body[:2000].decode("utf-8", "replace")


def vendor_reference(data: Any) -> tuple[str, str] | None:
    """(reference, kind) from ``data.order.id`` | ``data.id`` | ``data.request_id``."""
    if not isinstance(data, dict):
        return None
    order = data.get("order")
    if isinstance(order, dict) and order.get("id") not in (None, ""):
        return str(order["id"]), "planomatic.order_id"
    if data.get("id") not in (None, ""):
        return str(data["id"]), "planomatic.order_id"
    if data.get("request_id") not in (None, ""):
        return str(data["request_id"]), "planomatic.request_id"
    return None


def payment_amount(data: Any) -> Decimal | None:
    """What was charged, when the answer says (``data.payment.amount`` | ``data.amount`` |
    ``data.order.total``; the field is undocumented, B.8): None when it does not."""
    if not isinstance(data, dict):
        return None
    candidates = [data.get("amount")]
    for key, field in (("payment", "amount"), ("order", "total")):
        inner = data.get(key)
        if isinstance(inner, dict):
            candidates.insert(0, inner.get(field))
    for value in candidates:
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                continue
            if amount.is_finite() and amount >= 0:
                return amount
    return None


class PlanomaticOrderRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What an order for PlanOmatic asks for: the order object (its schema is undocumented,
    so it passes through as given), the stored payment method and a promotion code."""

    order: dict[str, Any]
    payment_method_id: int | None = None
    promotion_code: str | None = None


def request_problem(request: Mapping[str, Any]) -> str | None:
    """Why ``request`` is not a PlanOmatic order request (naming the field), or None."""
    try:
        msgspec.convert(dict(request), PlanomaticOrderRequest)
    except msgspec.ValidationError as error:
        return str(error)
    return None
