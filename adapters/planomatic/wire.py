"""PlanOmatic wire types (msgspec). The response envelope is parsed defensively.

The seed names the ``data`` key but not the field carrying the named status:
we read ``status`` and fall back to ``code``, and keep the raw body for audit.
"""

from __future__ import annotations

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
