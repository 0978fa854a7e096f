"""The API's wire types: query parameters and request bodies as msgspec Structs, decoded
strictly, every problem a ``BadRequest`` naming the parameter or field and what is allowed.

The same Structs produce the OpenAPI document's schemas (``ordertrail.adapters.service.openapi``),
so what is documented is what is checked.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, TypeVar, cast
from uuid import UUID

import msgspec
from multidict import MultiMapping

from ordertrail.domain.state_machine import State

MAX_PAGE = 1000
"""The most rows one page holds; ``cursor`` pages on."""
DEFAULT_PAGE = 200
"""As ``ordertrail status``."""
MAX_DEPTH = 32
"""How deeply a request body may nest."""
INT64 = 2**63 - 1

Limit = Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE,
                                    description=f"rows per page, 1 to {MAX_PAGE}")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
VendorName = Annotated[str, msgspec.Meta(
    pattern=r"^\s*[A-Za-z][A-Za-z0-9_]*\s*$", max_length=100,
    description="a registered vendor's name (GET /api/report lists them)")]
"""Which vendors are registered is checked after decoding (``ordertrail.adapters.registry``)."""


class BadRequest(Exception):
    """What is wrong with a request, in one line naming the parameter or field."""


class OrdersQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``GET /api/orders``: the filters of ``ordertrail status``, its default page size."""

    vendor: VendorName | None = None
    state: State | None = None
    needs_attention: bool = False
    limit: Limit = DEFAULT_PAGE
    cursor: str | None = None


class AttentionQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    limit: Limit = DEFAULT_PAGE
    cursor: str | None = None


class ReportQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``GET /api/report``: the last ``days`` days, as ``ordertrail report`` (default 7)."""

    days: Annotated[int, msgspec.Meta(ge=1, le=3660, description="days, 1 to 3660")] = 7


class NoQuery(msgspec.Struct, forbid_unknown_fields=True):
    """Endpoints that take no query parameters."""


class PlaceOrder(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST /api/orders``: what ``ordertrail place`` takes. The key is required: a client
    that retries after a lost answer must send the same key to get the same order."""

    vendor: VendorName
    request: dict[str, Any]
    idempotency_key: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Choose(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    choice: Text


class Reconcile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Exactly one: ``found`` (the vendor's reference) or ``not_created: true``."""

    found: Text | None = None
    not_created: bool = False


class Resubmit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    changes: dict[str, Any]


class Cancel(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Text | None = None
    confirm: bool = False


class Fail(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Text


T = TypeVar("T", bound=msgspec.Struct)


def _allowed(kind: type[msgspec.Struct], name: str) -> str:
    """What a parameter accepts, in words, from its type."""
    schema = msgspec.json.schema(kind)
    defs = schema["$defs"]
    props = defs[kind.__name__]["properties"].get(name, {})
    options = [defs[o["$ref"].rpartition("/")[2]] if "$ref" in o else o
               for o in [props, *props.get("anyOf", [])]]
    choices = [v for option in options for v in option.get("enum", [])]
    if choices:
        return "one of " + ", ".join(map(str, choices))
    if props.get("description"):
        return str(props["description"])
    if props.get("type") == "boolean" or {"type": "boolean"} in props.get("anyOf", []):
        return "true or false"
    return "text"


def parse_query(query: MultiMapping[str], kind: type[T]) -> T:
    """The query string as ``kind``; BadRequest naming an unknown, repeated or bad parameter."""
    known = set(kind.__struct_fields__)
    for name in query:
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise BadRequest(f"unknown query parameter {name!r} (allowed: {allowed})")
        if len(query.getall(name)) > 1:
            raise BadRequest(f"query parameter {name!r} given more than once")
    try:
        return msgspec.convert(dict(query), kind, strict=False)
    except msgspec.ValidationError as error:
        name = str(error).rpartition("$.")[2].rstrip("`")
        value = query.get(name, "")
        raise BadRequest(f"query parameter {name}={value!r} is not allowed: expected "
                         f"{_allowed(kind, name)}") from None


def parse_body(body: bytes, kind: type[T]) -> T:
    """A JSON body as ``kind``; BadRequest naming the field (``$.request.x``) that is wrong."""
    try:
        value = msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as error:
        text, _, where = str(error).partition(" - at `")
        field = where.rstrip("`").removeprefix("$.").removeprefix("$") or "body"
        raise BadRequest(f"{field}: {text}") from None
    except msgspec.DecodeError as error:
        raise BadRequest(f"body is not JSON: {error}") from None
    except RecursionError:
        raise BadRequest(f"body nests deeper than {MAX_DEPTH} levels") from None
    for name in kind.__struct_fields__:
        check_value(getattr(value, name), name)
    return value


def check_value(value: Any, where: str, depth: int = 0) -> None:
    """Refuse what would decode but not store: deep nesting, integers beyond 64 bits, text
    that is not UTF-8 (lone surrogates)."""
    if depth > MAX_DEPTH:
        raise BadRequest(f"{where}: nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            check_value(key, where, depth + 1)
            check_value(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{where}[{index}]", depth + 1)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int) and not -INT64 - 1 <= value <= INT64:
        raise BadRequest(f"{where}: integer out of range")
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest(f"{where}: text is not valid UTF-8") from None


def encode_cursor(*key: Any) -> str:
    """An opaque cursor: the sort key of the last row a page held."""
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode("ascii").rstrip("=")


def order_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The (requested_at, order_id) a ``GET /api/orders`` cursor holds."""
    return cast(tuple[datetime, UUID], _decode_cursor(cursor, tuple[datetime, UUID]))


def attention_cursor(cursor: str) -> tuple[datetime, str, str, str]:
    """The (since, vendor, order_id, ref) sort key a ``GET /api/attention`` cursor holds."""
    return cast(tuple[datetime, str, str, str],
                _decode_cursor(cursor, tuple[datetime, str, str, str]))


def _decode_cursor(cursor: str, kind: Any) -> Any:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.convert(msgspec.json.decode(raw), kind, strict=False)
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError,
            RecursionError):
        raise BadRequest(f"query parameter cursor={cursor!r} is not allowed: expected a cursor "
                         "this API gave out (next_cursor)") from None
