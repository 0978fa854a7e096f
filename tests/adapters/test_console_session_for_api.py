"""``console_session_ok``: a route of a sub-application (the API under /api) can admit a
logged-in console session, and only that."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ordertrail.adapters.config import load_config
from ordertrail.adapters.service.console import add_console, console_session_ok
from ordertrail.adapters.service.read_side import ProjectedReadSide
from ordertrail.domain.tracker import Tracker

TOKEN = "a-console-token-for-the-api"


async def whoami(request: web.Request) -> web.Response:
    return web.Response(text="yes" if console_session_ok(request) else "no")


def test_a_sub_application_sees_the_console_session(
        tracker: Tracker, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_CONSOLE_API_TOKEN", TOKEN)
    config_file = tmp_path / "ordertrail.toml"
    config_file.write_text('[service]\napi_token_env = "TEST_CONSOLE_API_TOKEN"\n')
    config = load_config(config_file, store_url=store_url)
    read_side = ProjectedReadSide(tracker, store_url)
    app, api = web.Application(), web.Application()
    api.router.add_get("/whoami", whoami)
    app.add_subapp("/api", api)
    add_console(app, tracker, read_side, config)

    async def run() -> list[str]:
        async with TestClient(TestServer(app)) as client:
            seen = [await (await client.get("/api/whoami")).text()]
            await client.post("/login", data={"token": "wrong-but-long-enough"})
            seen.append(await (await client.get("/api/whoami")).text())
            login = await client.post("/login", data={"token": TOKEN}, allow_redirects=False)
            assert login.status == 303
            seen.append(await (await client.get("/api/whoami")).text())
            return seen

    try:
        assert asyncio.run(run()) == ["no", "no", "yes"]
    finally:
        read_side.close()
