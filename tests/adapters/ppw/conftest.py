"""The PPW receiver on loopback, a tracker behind it, and PPW's simulator in front."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web

from ordertrail.adapters.ppw import PPWConfig, PPWLink, PPWOutbox, PPWSimulator, make_app
from ordertrail.domain.tracker import Tracker

T = TypeVar("T")
USERNAME = "ordertrail-ppw"
PASSWORD = "correct horse battery staple 7f3a9c"
SITE_ID = "dcc363d0-8ed1-48a2ba2e-f638275db4f"
REMOTE_SITE_ID = "1fc25d06-72bd-42f8-ad34-ecbdc5f1a4a4"


@pytest.fixture
def ppw_config() -> PPWConfig:
    return PPWConfig.with_password(USERNAME, PASSWORD, SITE_ID, REMOTE_SITE_ID)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[PPWOutbox]:
    box = PPWOutbox(tmp_path / "ppw-link.sqlite3", first_report_id=1000)
    try:
        yield box
    finally:
        box.close()


@pytest.fixture
def link(tracker: Tracker, outbox: PPWOutbox, ppw_config: PPWConfig) -> PPWLink:
    return PPWLink(tracker, outbox, ppw_config)


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 on a free port; yield its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def with_ppw(
    link: PPWLink, scenario: Callable[[PPWSimulator], Awaitable[T]], **options: Any
) -> T:
    """Run ``scenario`` against our receiver, PPW played by a simulator with our credential."""

    async def main() -> T:
        async with serving(make_app(link)) as base:
            simulator = PPWSimulator(
                f"{base}/ppw/receiver", USERNAME, PASSWORD, SITE_ID, **options
            )
            async with simulator:
                return await scenario(simulator)

    return asyncio.run(main())


@contextmanager
def served_in_thread(app: web.Application) -> Iterator[str]:
    """The app on loopback in a background thread, for synchronous (hypothesis) clients."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    box: dict[str, str] = {}

    async def serve() -> None:
        async with serving(app) as base:
            box["base"] = base
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield box["base"]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
