"""Hostile posts to the real receiver over loopback: deeply nested, huge and malformed payloads,
before and after authentication. Each is answered 4xx or with PPW's failure envelope, never a
5xx, and neither the event store nor the receiver's bookkeeping file changes.

``ORDERTRAIL_FUZZ_EXAMPLES`` sets how many posts the property test makes (default 300).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordertrail.adapters.ppw import PPWLink, sha1_hex
from ordertrail.adapters.ppw.link import RESULT_EVENTS
from ordertrail.adapters.ppw.wire import MAX_DEPTH
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import PASSWORD, SITE_ID, USERNAME
from tests.adapters.ppw.test_handshake import request
from tests.adapters.ppw.test_properties import poster

FORM = "application/x-www-form-urlencoded"
EXAMPLES = int(os.environ.get("ORDERTRAIL_FUZZ_EXAMPLES", "300"))
CREDENTIALS = {"username": USERNAME, "password": sha1_hex(PASSWORD), "site_id": SITE_ID}
WRONG_CREDENTIALS = {**CREDENTIALS, "password": sha1_hex("guess")}
TYPED_FIELD = {
    "validate_user": "ppwlink_push", "get_all_orders": "timestamp",
    "get_all_updates": "timestamp", "get_all_notes": "timestamp", "get_order": "report_id",
    "ack_transaction": "transaction_id", **{name: "dst_report_id" for name in RESULT_EVENTS},
}
"""Each event's field with a type the receiver checks."""
OUT_OF_ANY_RANGE = ["1e400", "-1e400", "1" + "0" * 5000, "-" + "9" * 4400]
"""Numbers msgspec refuses wherever they stand."""
OUT_OF_ID_RANGE = ["9" * 30, "18446744073709551616", "-1"]
"""Numbers that are JSON, but not a report id or a timestamp."""
WRONG_TYPES = ["[]", '{"x": 1}', "[1, 2]"]
BAD_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xf8\x88\x80\x80\x80"]


def nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a": ' * depth + "1" + "}" * depth


def deep() -> st.SearchStrategy[str]:
    return st.builds(nested, st.integers(MAX_DEPTH + 1, 3000), st.sampled_from(["list", "dict"]))


def poisons(event_name: str) -> st.SearchStrategy[str]:
    """JSON text that makes ``event_name``'s typed field unreadable."""
    ranged = OUT_OF_ID_RANGE if TYPED_FIELD[event_name] != "transaction_id" else []
    return deep() | st.sampled_from(OUT_OF_ANY_RANGE + ranged + WRONG_TYPES)


def payload_text(creds: dict[str, str], event_name: str, event_data: str, as_text: bool) -> str:
    """The payload JSON with ``event_data`` spliced in as written (``as_text``: JSON in JSON)."""
    head = json.dumps({**creds, "event_name": event_name})[:-1]
    data = json.dumps(event_data) if as_text else event_data
    return f'{head}, "event_data": {data}}}'


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    """A form body whose payload cannot be read, however it gets there."""
    creds = draw(st.sampled_from([CREDENTIALS, WRONG_CREDENTIALS]))
    event_name = draw(st.sampled_from(sorted(TYPED_FIELD)))
    field = TYPED_FIELD[event_name]
    how = draw(st.sampled_from(["typed field", "extra field", "whole payload", "payload field",
                                "raw bad utf-8", "encoded bad utf-8", "huge body"]))
    if how == "whole payload":
        return form(draw(deep() | st.sampled_from(OUT_OF_ANY_RANGE + WRONG_TYPES)))
    if how == "payload field":
        name = draw(st.sampled_from(["username", "password", "site_id", "event_name"]))
        bad = draw(deep() | st.sampled_from(WRONG_TYPES + OUT_OF_ANY_RANGE))
        text = json.dumps({**creds, "event_name": event_name, "event_data": "{}"})
        return form(text.replace(json.dumps(name) + ": " + json.dumps(
            {**creds, "event_name": event_name}[name]), f'"{name}": {bad}'))
    if how == "typed field":
        data = f'{{"{field}": {draw(poisons(event_name))}}}'
    elif how == "extra field":
        bad = draw(deep() | st.sampled_from(OUT_OF_ANY_RANGE))
        data = f'{{"{field}": "1", "extra": {bad}}}'
    else:
        data = f'{{"{field}": "1"}}'
    text = payload_text(creds, event_name, data, draw(st.booleans()))
    if how == "raw bad utf-8":
        body = form(text)
        at = draw(st.integers(8, len(body)))
        return body[:at] + draw(st.sampled_from(BAD_UTF8)) + body[at:]
    if how == "encoded bad utf-8":
        at = text.rindex("1")  # inside the typed field's string value
        bad = "".join(f"%{b:02X}" for b in draw(st.sampled_from(BAD_UTF8)))
        return b"payload=" + (quote(text[:at]) + bad + quote(text[at:])).encode()
    if how == "huge body":
        size = draw(st.integers(1 << 20, (1 << 20) + 4096))  # past the 1 MiB limit
        return form(text[:-1] + f', "pad": "{"x" * size}"}}')
    return form(text)


def form(payload: str) -> bytes:
    return b"payload=" + quote(payload).encode()


def bookkeeping(path: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every row of the receiver's bookkeeping file, table by table."""
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type = 'table' "
                                           "order by name")]
        return [(t, db.execute(f'select * from "{t}" order by 1').fetchall()) for t in tables]
    finally:
        db.close()


def snapshot(tracker: Tracker, outbox_file: Path) -> tuple[Any, ...]:
    return tracker.recorder.max_notification_id(), bookkeeping(outbox_file)


def answer_kind(status: int, content: bytes) -> str:
    """``failure envelope``, ``4xx`` or what went wrong (a 5xx, a success)."""
    if status >= 500:
        return f"{status}"
    if status >= 400:
        return "4xx"
    envelope = json.loads(content)
    if (envelope["success"], envelope["error"], envelope["result_data"]) == (False, True, ""):
        return "failure envelope"
    return "success"


@pytest.fixture
def offered(tracker: Tracker, link: PPWLink, tmp_path: Path) -> Path:
    """A PPW order on offer, so a listing that got through would record its offer."""
    request(tracker)
    link.outbox.sync(tracker)
    link.outbox.set_state("ppwlink_push", "https://ppw.invalid/push")
    return tmp_path / "ppw-link.sqlite3"


@pytest.mark.parametrize("creds", [CREDENTIALS, WRONG_CREDENTIALS], ids=["authenticated", "not"])
@pytest.mark.parametrize(("where", "as_text"), [("event_data object", False),
                                                 ("event_data text", True)])
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 20_000])
def test_deeply_nested_event_data_gets_the_failure_envelope_and_changes_nothing(
    tracker: Tracker, link: PPWLink, offered: Path, creds: dict[str, str], where: str,
    as_text: bool, depth: int,
) -> None:
    before = snapshot(tracker, offered)
    body = form(payload_text(creds, "get_all_orders", nested(depth, "dict"), as_text))
    with poster(link) as post:
        status, content = post(body, FORM)
    assert (status, answer_kind(status, content)) == (200, "failure envelope")
    if creds is CREDENTIALS or not as_text:  # text is read only after the credentials
        assert "deeper than" in json.loads(content)["return_error_msg"]
    assert snapshot(tracker, offered) == before


def test_nesting_up_to_the_limit_is_read(tracker: Tracker, link: PPWLink, offered: Path) -> None:
    body = form(payload_text(CREDENTIALS, "get_all_orders",
                             '{"timestamp": "0", "x": ' + nested(MAX_DEPTH - 1, "list") + "}",
                             True))
    with poster(link) as post:
        status, content = post(body, FORM)
    assert status == 200 and json.loads(content)["success"] is True


def test_hostile_posts_never_get_a_5xx_and_change_nothing(
    tracker: Tracker, link: PPWLink, offered: Path
) -> None:
    before = snapshot(tracker, offered)
    answers: Counter[str] = Counter()
    with poster(link) as post:

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(body=hostile_bodies())
        def prop(body: bytes) -> None:
            answers[answer_kind(*post(body, FORM))] += 1

        prop()
    print(f"\n{sum(answers.values())} hostile posts: {dict(answers)}")
    assert set(answers) <= {"failure envelope", "4xx"}, answers
    assert snapshot(tracker, offered) == before
