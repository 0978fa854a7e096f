"""Requests we refuse: wrong credentials, unreadable bodies, unknown events. Nothing is recorded."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from ordertrail.adapters.ppw import PPWLink, PPWSimulator, sha1_hex
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import PASSWORD, REMOTE_SITE_ID, SITE_ID, USERNAME, with_ppw
from tests.adapters.ppw.test_handshake import request

FORM = "application/x-www-form-urlencoded"
FAILURE = {
    "remote_site_id": REMOTE_SITE_ID,
    "error": True,
    "success": False,
    "return_error_msg": "Could not validate username and password.",
    "result_data": "",
}


def recorded(tracker: Tracker) -> int:
    return tracker.recorder.max_notification_id() or 0


def form(payload: Any) -> bytes:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return urlencode({"payload": text}).encode()


def good(event_name: str, event_data: Any) -> dict[str, Any]:
    data = event_data if isinstance(event_data, str) else json.dumps(event_data)
    return {"username": USERNAME, "password": sha1_hex(PASSWORD), "site_id": SITE_ID,
            "event_name": event_name, "event_data": data}


@pytest.mark.parametrize(
    "wrong",
    [{"username": "demo"}, {"password": sha1_hex("guess")}, {"site_id": SITE_ID.upper()},
     {"password": ""}, {"username": USERNAME + " "}],
    ids=["username", "password", "site_id", "empty password", "trailing space"],
)
@pytest.mark.parametrize("event_name", ["validate_user", "get_all_orders"])
def test_wrong_credentials_get_the_documented_failure_and_nothing_is_recorded(
    tracker: Tracker, link: PPWLink, wrong: dict[str, str], event_name: str
) -> None:
    request(tracker)
    before = recorded(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        data = {"ppwlink_push": "https://evil.invalid/"} if event_name == "validate_user" else {}
        return await ppw.post_payload(ppw.payload(event_name, data, **wrong))

    envelope = with_ppw(link, scenario)
    assert envelope == FAILURE
    assert list(envelope) == list(FAILURE)
    assert recorded(tracker) == before
    assert link.outbox.get_state("ppwlink_push") is None


CASES: list[tuple[str, bytes, str, int, str]] = [
    ("json content type", form(good("get_all_orders", {})), "application/json", 415,
     "content type must be application/x-www-form-urlencoded"),
    ("no payload field", b"data=1", FORM, 200,
     "form must have exactly one field 'payload' (has 0)"),
    ("two payload fields", form(good("get_all_orders", {})) + b"&payload=x",
     FORM, 200,
     "form must have exactly one field 'payload' (has 2)"),
    ("payload not json", form("{not json"), FORM, 200,
     "payload: JSON is malformed"),
    ("payload missing fields", form({"username": USERNAME}), FORM,
     200, "payload: Object missing required field `password`"),
    ("body not utf-8", b"payload=\xff\xfe", FORM, 200,
     "form body is not url-encoded UTF-8"),
    ("event_data not json", form(good("get_all_orders", "{oops")),
     FORM, 200, "unsupported event"),
    ("event_data an array", form(good("get_all_orders", [1, 2])),
     FORM, 200, "unsupported event"),
    ("unknown event", form(good("drop_tables", {})), FORM, 200,
     "unsupported event"),
    ("bad timestamp", form(good("get_all_orders", {"timestamp": "yesterday"})),
     FORM, 200,
     "get_all_orders: event_data Expected `int | null`, got `str` - at `$.timestamp`"),
    ("unknown report_id", form(good("get_order", {"report_id": "999999"})),
     FORM, 200, "unknown report_id 999999"),
    ("negative report_id", form(good("get_order", {"report_id": -1})),
     FORM, 200, "get_order: event_data Expected `int` >= 0"),
    ("ack without transaction_id", form(good("ack_transaction", {"status": "success"})),
     FORM, 200,
     "ack_transaction: event_data Object missing required field `transaction_id`"),
    ("ack for an unknown transaction", form(good("ack_transaction", {"transaction_id": "nope"})),
     FORM, 200, "unknown transaction_id 'nope'"),
    ("ready for office of an unknown order",
     form(good("send_ready_for_office", {"dst_report_id": "42"})),
     FORM, 200, "unknown report_id 42"),
]


@pytest.mark.parametrize(("body", "content_type", "status", "message"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gets_an_error_envelope_and_nothing_is_recorded(
    tracker: Tracker, link: PPWLink, body: bytes, content_type: str, status: int, message: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    request(tracker)
    before = recorded(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        return await ppw.post_raw(body, content_type)

    with caplog.at_level(logging.WARNING, logger="ordertrail.adapters.ppw"):
        got_status, content = with_ppw(link, scenario)
    envelope = json.loads(content)
    assert got_status == status
    assert (envelope["success"], envelope["error"], envelope["result_data"]) == (False, True, "")
    assert envelope["return_error_msg"].startswith(message)
    assert recorded(tracker) == before
    assert caplog.records, "every refused request is logged"


def test_a_body_over_the_size_limit_gets_413_and_nothing_is_recorded(
    tracker: Tracker, link: PPWLink
) -> None:
    request(tracker)
    small = PPWLink(link.tracker, link.outbox,
                    dataclasses.replace(link.config, max_body_bytes=4096))
    before = recorded(tracker)
    body = form(good("get_all_orders", {"pad": "x" * 5000}))

    async def scenario(ppw: PPWSimulator) -> Any:
        return await ppw.post_raw(body)

    status, _ = with_ppw(small, scenario)
    assert status == 413
    assert recorded(tracker) == before


def test_event_data_sent_as_an_object_is_accepted_too(tracker: Tracker, link: PPWLink) -> None:
    request(tracker)

    async def scenario(ppw: PPWSimulator) -> Any:
        payload = {**ppw.payload("get_all_orders", {}), "event_data": {"timestamp": "0"}}
        return await ppw.post_payload(payload)

    envelope = with_ppw(link, scenario)
    assert envelope["success"] is True
    assert envelope["result_data"][0]["wo_number"] == "OT-1001"
