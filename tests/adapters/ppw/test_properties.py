"""Property tests: whatever PPW (or anyone) posts, no 5xx, no crash, nothing recorded."""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordertrail.adapters.ppw import PPWLink, make_app, sha1_hex
from ordertrail.adapters.ppw.link import RESULT_EVENTS
from ordertrail.adapters.ppw.translate import classify_ack
from ordertrail.adapters.ppw.wire import AckData
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import PASSWORD, SITE_ID, USERNAME, served_in_thread
from tests.adapters.ppw.test_handshake import request

SETTINGS = settings(
    max_examples=120, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EVENTS = ["validate_user", "get_all_orders", "get_order", "get_all_updates", "get_all_notes",
          "ack_transaction", *sorted(RESULT_EVENTS)]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
    "text/plain", "application/json",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
event_data = st.one_of(
    json_values,
    json_values.map(json.dumps),
    st.text(),
    st.fixed_dictionaries({}, optional={
        "report_id": json_values, "transaction_id": json_values, "timestamp": json_values,
        "dst_report_id": json_values, "wo_status": json_values, "status": json_values,
        "ppwlink_push": json_values,
    }).map(json.dumps),
)


def payloads(correct_credentials: bool) -> st.SearchStrategy[dict[str, Any]]:
    if correct_credentials:
        creds = st.just({"username": USERNAME, "password": sha1_hex(PASSWORD), "site_id": SITE_ID})
    else:
        creds = st.fixed_dictionaries({
            "username": st.sampled_from([USERNAME, "demo", ""]) | st.text(),
            "password": st.sampled_from([sha1_hex(PASSWORD).upper(), sha1_hex("")]) | st.text(),
            "site_id": st.sampled_from([SITE_ID, SITE_ID.upper()]) | st.text(),
        }).filter(lambda c: (c["username"], c["password"].lower(), c["site_id"]) !=
                  (USERNAME, sha1_hex(PASSWORD), SITE_ID))
    return st.builds(
        lambda c, name, data: {**c, "event_name": name, "event_data": data},
        creds, st.sampled_from(EVENTS) | st.text(), event_data,
    )


bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: urlencode({"payload": t}).encode()),
    payloads(correct_credentials=False).map(
        lambda p: urlencode({"payload": json.dumps(p)}).encode()
    ),
)


@contextmanager
def poster(link: PPWLink) -> Iterator[Any]:
    with served_in_thread(make_app(link)) as base:
        netloc = urlsplit(base).netloc
        connection = http.client.HTTPConnection(netloc, timeout=10)

        def post(body: bytes, content_type: str) -> tuple[int, bytes]:
            connection.request("POST", "/ppw/receiver", body=body,
                               headers={"Content-Type": content_type})
            response = connection.getresponse()
            return response.status, response.read()

        try:
            yield post
        finally:
            connection.close()


def check(status: int, content: bytes) -> None:
    assert status < 500
    if status == 200:
        envelope = json.loads(content)
        assert list(envelope) == [
            "remote_site_id", "error", "success", "return_error_msg", "result_data",
        ]


def test_no_body_ever_gets_a_5xx_or_records_anything_without_credentials(
    tracker: Tracker, link: PPWLink, caplog: pytest.LogCaptureFixture
) -> None:
    request(tracker)
    before = tracker.recorder.max_notification_id()

    with poster(link) as post, caplog.at_level(logging.WARNING):

        @SETTINGS
        @given(body=bodies, content_type=st.sampled_from(CONTENT_TYPES))
        def prop(body: bytes, content_type: str) -> None:
            check(*post(body, content_type))

        prop()
    assert tracker.recorder.max_notification_id() == before
    assert link.outbox.get_state("ppwlink_push") is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_authenticated_garbage_never_gets_a_5xx_and_records_nothing(
    tracker: Tracker, link: PPWLink, caplog: pytest.LogCaptureFixture
) -> None:
    before = tracker.recorder.max_notification_id()
    with poster(link) as post, caplog.at_level(logging.WARNING):

        @SETTINGS
        @given(payload=payloads(correct_credentials=True))
        def prop(payload: dict[str, Any]) -> None:
            body = urlencode({"payload": json.dumps(payload)}).encode()
            check(*post(body, "application/x-www-form-urlencoded"))

        prop()
    assert tracker.recorder.max_notification_id() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@given(st.builds(AckData, transaction_id=st.text(), status=json_values, success=json_values,
                 error=json_values, reason=json_values, message=json_values))
def test_any_ack_is_classified_and_any_dup_reason_means_duplicate(ack: AckData) -> None:
    outcome = classify_ack(ack)
    assert outcome.outcome in ("imported", "duplicate", "refused", "unknown")
    texts = [v for v in (ack.reason, ack.message, ack.error, ack.status) if isinstance(v, str)]
    assert (outcome.outcome == "duplicate") == any("dup" in t.lower() for t in texts)
