"""Each new attention item reaches a real webhook receiver once, as JSON, retried with backoff
when the receiver fails; stuck orders become items (and alerts) by their age."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from ordertrail.adapters.alerts.limits import stuck_limits
from ordertrail.adapters.alerts.webhook import AlertSender
from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner, open_read_models


@dataclass
class Receiver:
    """A webhook that records every post and fails the first ``failures`` of them."""

    failures: int = 0
    posts: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        self.posts.append(body)
        return web.Response(status=204)


@asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def send(tracker: Tracker, store_url: str, url: str, clock: Clock, rounds: int) -> None:
    runner = ProjectionRunner(tracker, store_url)
    models = open_read_models(store_url)
    try:
        async with aiohttp.ClientSession() as session:
            sender = AlertSender(runner, models, url, session, limits=stuck_limits(),
                                 link=lambda alert: f"https://console.example/orders/{alert['order_id']}",
                                 clock=clock)
            for _ in range(rounds):
                await sender.run_once()
    finally:
        runner.close()
        models.close()


def test_each_new_item_is_posted_once_with_what_a_person_needs(store_url: str) -> None:
    tracker = open_tracker(store_url)
    declined = tracker.request_order("planomatic", {"order": {}}, "declined")
    tracker.execute([
        c.AttemptSubmission(order_id=declined, channel="planomatic:submit"),
        c.DeclinePayment(order_id=declined, reason_code="card_expired"),
        c.OpenCircuit(vendor="planviewer", cause="payment_required", message="402",
                      at=datetime.now(UTC)),
    ])
    receiver, clock = Receiver(), Clock()

    async def go() -> None:
        async with receiving(receiver) as url:
            await send(tracker, store_url, url, clock, 3)

    asyncio.run(go())
    tracker.close()
    kinds = sorted((p["kind"], p["vendor"]) for p in receiver.posts)
    assert kinds == [("CIRCUIT_OPEN", "planviewer"), ("PAYMENT_DECLINED", "planomatic")]
    payment = next(p for p in receiver.posts if p["kind"] == "PAYMENT_DECLINED")
    assert payment["order_id"] == str(declined) and "card_expired" in payment["reason"]
    assert payment["link"].endswith(str(declined)) and payment["since"] and payment["id"]


def test_a_failing_receiver_gets_the_item_later_and_only_once(sqlite_url: str) -> None:
    tracker = open_tracker(sqlite_url)
    order = tracker.request_order("ivcap", {}, "k")
    tracker.execute([c.AttemptSubmission(order_id=order, channel="ivcap:submit"),
                     c.MarkOutcomeUnknown(order_id=order, reason="timeout")])
    receiver, clock = Receiver(failures=2), Clock()

    async def go() -> None:
        async with receiving(receiver) as url:
            await send(tracker, sqlite_url, url, clock, 1)  # 500
            await send(tracker, sqlite_url, url, clock, 2)  # not due yet: backing off
            assert receiver.posts == [] and receiver.failures == 1
            clock.now += timedelta(seconds=31)
            await send(tracker, sqlite_url, url, clock, 1)  # 500 again, now a minute
            clock.now += timedelta(seconds=61)
            await send(tracker, sqlite_url, url, clock, 3)

    asyncio.run(go())
    tracker.close()
    assert [p["kind"] for p in receiver.posts] == ["SUBMISSION_UNCERTAIN"]


def test_an_order_past_its_state_limit_is_stuck_and_alerted_once(sqlite_url: str) -> None:
    tracker = open_tracker(sqlite_url)
    order = tracker.request_order("ivcap", {}, "slow")
    tracker.run(c.Place(order_id=order, vendor_ref="iv-1", vendor_ref_kind="ivcap.order_id"))
    receiver, clock = Receiver(), Clock()

    async def go() -> None:
        async with receiving(receiver) as url:
            await send(tracker, sqlite_url, url, clock, 1)
            assert receiver.posts == []
            clock.now += timedelta(hours=2)  # past ivcap's PLACED limit of an hour
            await send(tracker, sqlite_url, url, clock, 3)

    asyncio.run(go())
    models = open_read_models(sqlite_url)
    items = models.attention(clock.now, stuck=stuck_limits())
    models.close()
    tracker.close()
    assert [(p["kind"], p["ref"]) for p in receiver.posts] == [("STUCK", "PLACED")]
    (item,) = items
    assert item.kind == "STUCK" and "PLACED for 2h" in item.reason and "limit of 1h" in item.reason


def test_upgrading_a_store_in_use_does_not_post_its_history(tmp_path: Any) -> None:
    import shutil

    from tests.integration.test_legacy_store import LEGACY

    shutil.copy(LEGACY / "ordertrail.db", tmp_path / "ordertrail.db")
    store_url = f"sqlite:///{tmp_path / 'ordertrail.db'}"
    tracker = open_tracker(store_url)
    receiver, clock = Receiver(), Clock()

    async def go() -> None:
        async with receiving(receiver) as url:
            await send(tracker, store_url, url, clock, 2)
            order = tracker.request_order("ivcap", {}, "after-the-upgrade")
            tracker.execute([c.AttemptSubmission(order_id=order, channel="ivcap:submit"),
                             c.MarkOutcomeUnknown(order_id=order, reason="timeout")])
            await send(tracker, store_url, url, clock, 1)

    asyncio.run(go())
    tracker.close()
    assert [p["kind"] for p in receiver.posts] == ["SUBMISSION_UNCERTAIN"]
