"""Drive the Planviewer adapter against its simulator over loopback, as the engine does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp

from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.client import PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.planviewer.simulator import PlanviewerSim, start_planviewer_simulator
from ordertrail.domain import commands as c
from ordertrail.domain.tracker import Tracker


def NOW() -> datetime:
    return datetime.now(UTC)


class Driver:
    def __init__(self, tracker: Tracker, adapter: PlanviewerAdapter, sim: PlanviewerSim,
                 downloader: SafeDownloader) -> None:
        self.tracker, self.adapter, self.sim, self.downloader = tracker, adapter, sim, downloader

    def request(self, intention: str, key: str | None = None) -> UUID:
        return self.tracker.request_order(
            "planviewer", {"intention_uuid": intention, "product": "bestemmingsplanrapport"},
            key or intention)

    async def submit(self, order_id: UUID) -> None:
        self.tracker.run(c.AttemptSubmission(order_id=order_id, channel="jobs/order"))
        self.tracker.execute(await self.adapter.submit(self.tracker.get_order(order_id), NOW()))

    async def poll(self, *order_ids: UUID) -> None:
        views = [self.tracker.get_order(o) for o in order_ids]
        self.tracker.execute(await self.adapter.poll(views, NOW()))

    async def retrieve(self, order_id: UUID) -> None:
        view = self.tracker.get_order(order_id)
        download = self.downloader.for_order(order_id, "planviewer")
        self.tracker.execute(await self.adapter.retrieve(view, download, NOW()))

    def types(self, order_id: UUID) -> list[str]:
        return [e.type for e in self.tracker.history(order_id)]


def drive(tracker: Tracker, tmp_path: Path, scenario: Callable[[Driver], Awaitable[Any]],
          sim: PlanviewerSim | None = None, secret: str | None = None) -> Any:
    async def go() -> Any:
        runner, url, simulator = await start_planviewer_simulator(sim=sim)
        try:
            async with aiohttp.ClientSession() as session:
                config = PlanviewerConfig("demo-key", Secret(secret or simulator.secret),
                                          base_url=url, retries=2, order_timeout_seconds=5)
                adapter = PlanviewerAdapter(PlanviewerClient(session, config), config)
                downloader = SafeDownloader(session, tmp_path / "results")
                return await scenario(Driver(tracker, adapter, simulator, downloader))
        finally:
            await runner.cleanup()

    return asyncio.run(go())
