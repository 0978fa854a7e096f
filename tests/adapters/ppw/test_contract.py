"""Contract tests against the seed's verbatim PPW payloads (tests/fixtures/ppw)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from ordertrail.adapters.ppw import PPWConfig, PPWLink, PPWOutbox, make_app
from ordertrail.adapters.ppw.wire import decode_form, event_data
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import serving
from tests.conftest import fixture_bytes

REQUEST = fixture_bytes("ppw/get_all_orders_request_payload.json")
RESPONSE = fixture_bytes("ppw/get_all_orders_response.json")


def _key_orders(value: object) -> object:
    """The JSON value with every object turned into its list of (key, value) pairs."""
    if isinstance(value, dict):
        return [(k, _key_orders(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_key_orders(v) for v in value]
    return value


def test_the_seed_request_payload_decodes_with_its_double_encoded_event_data() -> None:
    payload = decode_form(urlencode({"payload": REQUEST.decode()}).encode())
    assert (payload.username, payload.site_id, payload.event_name) == (
        "demo", "dcc363d0-8ed1-48a2ba2e-f638275db4f", "get_all_orders",
    )
    assert payload.password == "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert event_data(payload) == json.loads(
        fixture_bytes("ppw/derived/get_all_orders_event_data_decoded.json")
    )


def test_the_derived_wire_form_decodes_to_the_same_payload_as_the_verbatim_one() -> None:
    wire = json.loads(fixture_bytes("ppw/derived/get_all_orders_request_wire.json"))
    assert wire["content_type"] == "application/x-www-form-urlencoded"
    from_wire = decode_form(urlencode(wire["form"]).encode())
    verbatim = decode_form(urlencode({"payload": REQUEST.decode()}).encode())
    assert from_wire == verbatim
    assert event_data(from_wire) == {"timestamp": "1491699142"}


def test_get_all_orders_reproduces_the_seed_response_exactly(
    tracker: Tracker, tmp_path: Path
) -> None:
    expected = json.loads(RESPONSE)
    headers = [item for item in expected["result_data"] if "report_id" in item]
    outbox = PPWOutbox(
        tmp_path / "ppw.sqlite3",
        transaction_ids=iter([h["transaction_id"] for h in headers]).__next__,
    )
    for header in headers:
        order_id = tracker.request_order(
            "ppw",
            {"wo_number": header["wo_number"], "org_wo_num": header["org_wo_num"],
             "address": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701"},
            idempotency_key=f"seed-{header['org_wo_num']}",
        )
        outbox.assign_report_id(order_id, int(header["report_id"]))
    # The seed's own request: user "demo", SHA-1 of the empty password, its site_id.
    config = PPWConfig.with_password(
        "demo", "", "dcc363d0-8ed1-48a2ba2e-f638275db4f", expected["remote_site_id"]
    )

    async def post() -> tuple[int, str, bytes]:
        app = make_app(PPWLink(tracker, outbox, config))
        async with serving(app) as base, aiohttp.ClientSession() as session:
            url = f"{base}/ppw/receiver"
            async with session.post(url, data={"payload": REQUEST.decode()}) as response:
                return response.status, response.content_type, await response.read()

    try:
        status, content_type, body = asyncio.run(post())
    finally:
        outbox.close()
    assert (status, content_type) == (200, "application/json")
    ours = json.loads(body)
    assert ours == expected
    assert _key_orders(ours) == _key_orders(expected)


def test_the_config_reads_the_environment_and_never_shows_the_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in [("USERNAME", "u"), ("PASSWORD_SHA1", "ab" * 20), ("SITE_ID", "s"),
                        ("REMOTE_SITE_ID", "r")]:
        monkeypatch.setenv(f"ORDERTRAIL_PPW_{name}", value)
    config = PPWConfig.from_env()
    assert (config.username, config.site_id, config.remote_site_id) == ("u", "s", "r")
    assert config.password_sha1.reveal() == "ab" * 20
    assert "abab" not in repr(config)
