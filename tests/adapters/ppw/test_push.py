"""The optional ping of PPW's push URL: GET, 2xx is done, failures stay due."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from aiohttp import web

from ordertrail.adapters.ppw import PPWOutbox, ping_if_due, request_ping
from tests.adapters.ppw.conftest import serving


def push_server(statuses: list[int], seen: list[str]) -> web.Application:
    async def push(request: web.Request) -> web.Response:
        seen.append(request.method)
        return web.Response(status=statuses.pop(0))

    app = web.Application()
    app.router.add_route("*", "/push", push)
    return app


def test_a_failed_ping_is_retried_until_ppw_answers_2xx(
    outbox: PPWOutbox, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    async def main() -> list[bool]:
        async with serving(push_server([503, 204], seen)) as base, aiohttp.ClientSession() as s:
            outbox.set_state("ppwlink_push", f"{base}/push")
            request_ping(outbox)
            return [await ping_if_due(s, outbox) for _ in range(3)]

    with caplog.at_level(logging.WARNING):
        results = asyncio.run(main())
    assert results == [False, True, False]  # the third: nothing due any more
    assert seen == ["GET", "GET"]
    assert "answered HTTP 503; will retry" in caplog.text


def test_an_unreachable_push_url_is_logged_and_stays_due(outbox: PPWOutbox) -> None:
    async def main() -> bool:
        async with aiohttp.ClientSession() as session:
            outbox.set_state("ppwlink_push", "http://127.0.0.1:9/push")
            request_ping(outbox)
            return await ping_if_due(session, outbox)

    assert asyncio.run(main()) is False
    assert outbox.get_state("push_ping_due") == "1"
