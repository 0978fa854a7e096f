"""The password hash PPW sends never reaches stored events, logs, replies or reprs."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from ordertrail.adapters.ppw import PPWLink, PPWSimulator, request_complete, sha1_hex
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import PASSWORD, with_ppw
from tests.adapters.ppw.test_handshake import request


def test_the_password_hash_never_appears_in_events_logs_or_replies(
    tracker: Tracker, link: PPWLink, caplog: pytest.LogCaptureFixture
) -> None:
    secret = sha1_hex(PASSWORD)
    order_id = request(tracker)
    request(tracker, "OT-DUP")
    replies: list[bytes] = []

    async def scenario(ppw: PPWSimulator) -> Any:
        await ppw.validate_user()
        await ppw.run_cycle()
        await ppw.send_ready_for_office("1000")
        request_complete(tracker, link.outbox, order_id)
        await ppw.run_cycle()
        await ppw.ack(ppw.acks_sent[0]["transaction_id"], status="success")  # repeated
        for body, content_type in [
            (b"payload=" + secret.encode(), "application/x-www-form-urlencoded"),
            (b"payload=" + secret.encode(), "text/plain"),
        ]:
            replies.append((await ppw.post_raw(body, content_type))[1])
        bad = ppw.payload("ack_transaction", "{broken")
        replies.append((await ppw.post_raw(_form(bad)))[1])
        wrong = ppw.payload("get_all_orders", {}, site_id="other")
        replies.append((await ppw.post_raw(_form(wrong)))[1])

    with caplog.at_level(logging.DEBUG):
        with_ppw(link, scenario, duplicates={"OT-DUP"})

    stored = tracker.recorder.select_notifications(1, 10_000)
    assert len(stored) > 10
    assert not [n.id for n in stored if secret.encode() in n.state]
    assert secret not in caplog.text
    assert caplog.text, "the refused requests were logged"
    assert not [r for r in replies if secret.encode() in r]
    assert secret not in repr(link.config) and secret not in str(link.config)


def _form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()
