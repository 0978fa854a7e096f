"""Planviewer wire types: decoded strictly from bytes, unknown fields tolerated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import msgspec

from ordertrail.adapters.common.errors import VendorProtocolError

VENDOR = "planviewer"
T = TypeVar("T")


class Job(msgspec.Struct, frozen=True):
    uuid: str


class OrderedJob(msgspec.Struct, frozen=True):
    uuid: str
    """The product intention the job was ordered for."""
    job: Job


class Progress(msgspec.Struct, frozen=True):
    current: int = 0
    total: int | None = None


class JobStatus(msgspec.Struct, frozen=True):
    uuid: str
    status: str
    progress: Progress | None = None


class CapError(msgspec.Struct, frozen=True):
    message: str = ""
    error: bool | str = True
    """The seed's 429 body says ``"error": "true"``: a string."""


class Waiting(msgspec.Struct, frozen=True):
    locaties: dict[str, str]
    message: str = ""


class Product(msgspec.Struct, frozen=True):
    slug: str
    name: str


def decode(body: bytes, kind: type[T], what: str) -> T:
    """``body`` as ``kind``; a VendorProtocolError naming the field when it does not fit."""
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as error:
        raise VendorProtocolError(VENDOR, f"{what}: {error}") from None
    except msgspec.DecodeError as error:
        raise VendorProtocolError(VENDOR, f"{what}: not JSON ({error})") from None


_ELEMENTS = msgspec.json.Decoder(list[msgspec.Raw])


def elements(body: bytes) -> list[msgspec.Raw]:
    """Each element of a JSON array, as the bytes sent (call after ``decode`` accepted it)."""
    return _ELEMENTS.decode(body)


def raw(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return body[:500].decode("utf-8", "replace")


class OrderRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What an order for Planviewer asks for: one product intention (jobs/order sends one)."""

    intention_uuid: Annotated[str, msgspec.Meta(min_length=1)]
    product: str | None = None
    """The product's slug, for people reading the order; jobs/order does not need it."""


def request_problem(request: Mapping[str, Any]) -> str | None:
    """Why ``request`` is not a Planviewer order request (naming the field), or None."""
    try:
        msgspec.convert(dict(request), OrderRequest)
    except msgspec.ValidationError as error:
        return str(error)
    return None
