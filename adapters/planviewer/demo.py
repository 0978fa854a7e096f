"""Planviewer's share of ``ordertrail demo``: eleven orders over a daily cap of ten, two that
wait for a person's choice of parcel and one the job fails at Planviewer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp

from ordertrail.adapters.common.plugin import DemoTally
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.client import PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim, start_planviewer_simulator
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import OrderView

ORDERS = 11
DAILY_CAP = 10  # so the eleventh order meets the cap


def plans() -> dict[str, Plan]:
    found = {f"demo-intention-{n:02d}": Plan(steps=3 + n % 4) for n in range(ORDERS)}
    found["demo-intention-02"] = Plan(steps=5, wait_at=2)  # a user must pick a location
    found["demo-intention-06"] = Plan(steps=4, wait_at=1)
    found["demo-intention-08"] = Plan(steps=4, error_at=2)  # the job fails at Planviewer
    return found


@dataclass
class Running:
    sim: PlanviewerSim
    url: str

    def adapter(self, session: aiohttp.ClientSession) -> PlanviewerAdapter:
        config = PlanviewerConfig(
            self.sim.key_id, Secret(self.sim.secret), base_url=self.url, daily_cap=DAILY_CAP,
            poll_fast_seconds=0, poll_slow_seconds=0, poll_waiting_seconds=3600, retries=1)
        return PlanviewerAdapter(PlanviewerClient(session, config), config)

    async def after_pass(self, tracker: Tracker, n: int) -> None:
        return None

    def settled(self, view: OrderView) -> bool:
        return False

    def tally(self) -> DemoTally:
        counts = self.sim.jobs_per_intention
        total, most = sum(counts.values()), max(counts.values(), default=0)
        return DemoTally(total, most, f"{total} jobs, at most {most} per intention")


class PlanviewerDemo:
    def orders(self) -> list[tuple[str, dict[str, Any]]]:
        return [(f"pv-{n:02d}", {"intention_uuid": f"demo-intention-{n:02d}",
                                 "product": "bestemmingsplanrapport"}) for n in range(ORDERS)]

    @asynccontextmanager
    async def start(self, tracker: Tracker, workdir: Path, session: aiohttp.ClientSession,
                    order_ids: list[UUID]) -> AsyncIterator[Running]:
        runner, url, sim = await start_planviewer_simulator(
            sim=PlanviewerSim(plans=plans(), daily_cap=DAILY_CAP))
        try:
            yield Running(sim, url)
        finally:
            await runner.cleanup()


DEMO = PlanviewerDemo()
