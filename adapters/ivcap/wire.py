"""IVCAP wire types (the seed-era API, tolerant of the newer field spellings where cheap).

Decoded strictly from bytes: unknown fields are skipped, wrong types are a
VendorProtocolError naming the field. ``metadata`` may be an array of
name/value pairs (seed) or a map (generated client); both are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from ordertrail.adapters.common.errors import VendorProtocolError

VENDOR = "ivcap"
T = TypeVar("T")


class NameValue(msgspec.Struct, frozen=True):
    name: str
    value: str = ""


class DescribedBy(msgspec.Struct, frozen=True):
    href: str = ""
    type: str = ""


class Links(msgspec.Struct, frozen=True, rename={"described_by": "describedBy"}):
    self_: str = msgspec.field(default="", name="self")
    described_by: DescribedBy | None = None
    data: str | None = None
    next: str | None = None
    first: str | None = None


class Product(msgspec.Struct, frozen=True, rename={"mime_type": "mime-type"}):
    id: str
    name: str = ""
    status: str = ""
    mime_type: str = ""
    size: int | None = None
    links: Links | None = None


class OrderStatus(msgspec.Struct, frozen=True):
    id: str
    status: str
    name: str | None = None
    ordered_at: str | None = None
    metadata: list[NameValue] | dict[str, str] | None = None
    parameters: list[NameValue] = []
    products: list[Product] = []
    links: Links | None = None


class OrderListItem(msgspec.Struct, frozen=True):
    id: str
    status: str
    name: str | None = None
    ordered_at: str | None = None
    finished_at: str | None = None
    account_id: str | None = None
    service_id: str | None = None
    links: Links | None = None


class OrderList(msgspec.Struct, frozen=True):
    """``OrderListRT``. ``orders`` is required (as the spec marks it): an answer without it
    is not "no order has that name", and taking it for one would create an order twice."""

    orders: list[OrderListItem]
    links: Links | None = None


class ErrorBody(msgspec.Struct, frozen=True):
    message: str = ""
    id: str | None = None
    name: str | None = None
    value: str | None = None


class OrderRequest(msgspec.Struct, frozen=True):
    service_id: str = msgspec.field(name="serviceID")
    account_id: str = msgspec.field(name="accountID")
    parameters: list[NameValue] = []
    name: str | None = None
    metadata: list[NameValue] = []


def decode(body: bytes, kind: type[T], what: str) -> T:
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as error:
        raise VendorProtocolError(VENDOR, f"{what}: {error}") from None
    except msgspec.DecodeError as error:
        raise VendorProtocolError(VENDOR, f"{what}: not JSON ({error})") from None


def raw(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return body[:500].decode("utf-8", "replace")


class RequestParameter(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    value: str | int | float | bool = ""


class IvcapOrderRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What an order for IVCAP asks for: service parameters, optionally its own service and
    account (the configured ones otherwise) and metadata."""

    parameters: list[RequestParameter] = []
    service_id: str | None = None
    account_id: str | None = None
    metadata: dict[str, str] = {}


def request_problem(request: Mapping[str, Any]) -> str | None:
    """Why ``request`` is not an IVCAP order request (naming the field), or None."""
    try:
        msgspec.convert(dict(request), IvcapOrderRequest)
    except msgspec.ValidationError as error:
        return str(error)
    return None
