"""PPW Link's wire shapes: the inbound form payload, each event's data, our envelope.

PPW posts ``application/x-www-form-urlencoded`` with one field, ``payload``,
whose value is JSON; inside it ``event_data`` is itself JSON-encoded text
(sometimes an object: both are accepted). Ids PPW calls numbers arrive as
strings; both are accepted and we always emit digit strings.

Decoding never raises anything but a PPWRequestError: JSON nested deeper than
``MAX_DEPTH`` (PPW's is two levels deep) is refused before it can exhaust the
stack here or when an event that holds it is stored, and numbers out of range
are msgspec's ValidationError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs, unquote_plus

import msgspec

from ordertrail.adapters.ppw.errors import MalformedRequestError, UnsupportedEventError

UnsignedId = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
MAX_DEPTH = 32
"""How deep ``event_data`` may nest; deeper is refused as malformed."""


class InboundPayload(msgspec.Struct, frozen=True):
    username: str
    password: str
    site_id: str
    event_name: str
    event_data: str | dict[str, Any] | None = None

    def __repr__(self) -> str:  # the password hash never shows
        return f"InboundPayload(username={self.username!r}, event_name={self.event_name!r})"


class ValidateUserData(msgspec.Struct, frozen=True):
    ppwlink_push: str | None = None


class SinceData(msgspec.Struct, frozen=True):
    """``get_all_orders`` / ``get_all_updates`` / ``get_all_notes``: a unix-seconds string."""

    timestamp: Annotated[int, msgspec.Meta(ge=0, le=2**40)] | None = None


class GetOrderData(msgspec.Struct, frozen=True):
    report_id: UnsignedId
    transaction_id: str | int | None = None


class AckData(msgspec.Struct, frozen=True):
    """Undocumented by PPW: the transaction id plus whatever outcome fields it sends."""

    transaction_id: str | int
    status: Any = None
    success: Any = None
    error: Any = None
    reason: Any = None
    message: Any = None


class ResultEventData(msgspec.Struct, frozen=True):
    """``send_ready_for_office``, ``bid_comp_confirm``, ``send_notes``, status reports."""

    dst_report_id: UnsignedId
    wo_status: str | None = None


class Envelope(msgspec.Struct, frozen=True):
    """Every response we give PPW, in PPW's key order."""

    remote_site_id: str
    error: bool
    success: bool
    return_error_msg: str | None
    result_data: Any


Day = Annotated[str, msgspec.Meta(pattern=r"^\d{8}$")]
"""A date as PPW writes it: YYYYMMDD."""


class LineItem(msgspec.Struct, frozen=True):
    """One line of a work order (get_order's ``line_items``); PPW writes numbers as text."""

    desc: str
    qty: str | None = None
    price: str | None = None
    total: str | None = None
    add: str | None = None


class WorkOrder(msgspec.Struct, frozen=True):
    """What an order for PPW holds: the work order PPW imports through ``get_order``. Only
    ``wo_number`` is required (PPW lists by it); the fields we know are typed, and any other
    get_order field (broker_*, key_values, ...) is passed through as given."""

    wo_number: Annotated[str, msgspec.Meta(min_length=1)]
    org_wo_num: str | int | None = None
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    date_received: Day | None = None
    date_due: Day | None = None
    start_date: Day | None = None
    work_type_alias: str | None = None
    client_company_alias: str | None = None
    loan_number: str | None = None
    comments: str | None = None
    line_items: list[LineItem] = []


def request_problem(request: Mapping[str, Any]) -> str | None:
    """Why ``request`` is not a PPW work order (naming the field), or None."""
    try:
        msgspec.convert(dict(request), WorkOrder)
    except msgspec.ValidationError as error:
        return str(error)
    return None


T = TypeVar("T")
CONTROL_OBJECTS: tuple[dict[str, str], ...] = ({"get_all_updates": "1"}, {"get_all_notes": "1"})
_payload_decoder = msgspec.json.Decoder(InboundPayload)
_data_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


def decode_form(body: bytes) -> InboundPayload:
    """The ``payload`` field of a form-encoded body, decoded; MalformedRequestError if not."""
    try:  # percent-encoded bytes that are not UTF-8 are refused too, never replaced
        text = body.decode("utf-8")
        if text.startswith("payload=") and "&" not in text:  # what PPW sends: one field
            values = [unquote_plus(text[8:], encoding="utf-8", errors="strict")]
        else:
            values = parse_qs(text, keep_blank_values=True, max_num_fields=20,
                              errors="strict").get("payload", [])
    except ValueError as error:  # includes UnicodeDecodeError
        raise MalformedRequestError(f"form body is not url-encoded UTF-8 ({error})") from None
    if len(values) != 1:
        raise MalformedRequestError(
            f"form must have exactly one field 'payload' (has {len(values)})"
        )
    try:
        payload = _payload_decoder.decode(values[0])
    except msgspec.DecodeError as error:
        raise MalformedRequestError(f"payload: {error}") from None
    except RecursionError:
        raise MalformedRequestError(f"payload: nests deeper than {MAX_DEPTH} levels") from None
    if isinstance(payload.event_data, dict):
        check_depth(payload.event_data, "payload")
    return payload


def check_depth(value: Any, where: str) -> None:
    """MalformedRequestError unless ``value`` nests at most ``MAX_DEPTH`` containers deep."""
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH):
        level = [
            item for container in level
            for item in (container.values() if isinstance(container, dict) else container)
            if isinstance(item, dict | list)
        ]
        if not level:
            return
    raise MalformedRequestError(f"{where}: nests deeper than {MAX_DEPTH} levels")


def event_data(payload: InboundPayload) -> dict[str, Any]:
    """``event_data`` as an object, decoding the JSON text inside the JSON when needed."""
    raw = payload.event_data
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        data = _data_decoder.decode(raw)
    except msgspec.DecodeError:
        raise UnsupportedEventError(f"{payload.event_name}: event_data is not JSON") from None
    except RecursionError:
        raise MalformedRequestError(
            f"{payload.event_name}: event_data nests deeper than {MAX_DEPTH} levels") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UnsupportedEventError(f"{payload.event_name}: event_data is not a JSON object")
    check_depth(data, f"{payload.event_name}: event_data")
    return data


def convert(data: dict[str, Any], into: type[T], event_name: str) -> T:
    """One event's data as its typed struct; MalformedRequestError naming the field if not."""
    try:
        return msgspec.convert(data, into, strict=False)
    except msgspec.ValidationError as error:
        raise MalformedRequestError(f"{event_name}: event_data {error}") from None


def encode(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)
