"""IVCAP's share of ``ordertrail demo``: thirteen analytics orders, one lost answer to a create
(reconciled), one that fails at IVCAP."""

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
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.client import IvcapClient
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.ivcap.simulator import IvcapSim, Plan, start_ivcap_simulator
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import OrderView

ORDERS = 13
FAILING = 7
"""The order (by position) that fails at IVCAP."""


@dataclass
class Running:
    sim: IvcapSim
    url: str

    def adapter(self, session: aiohttp.ClientSession) -> IvcapAdapter:
        config = IvcapConfig(
            Secret(self.sim.token), self.url, service_id="urn:ivcap:service:demo",
            account_id="urn:ivcap:account:demo", poll_fast_seconds=0, poll_slow_seconds=0,
            retries=1, reconcile_after_seconds=0)
        return IvcapAdapter(IvcapClient(session, config), config)

    async def after_pass(self, tracker: Tracker, n: int) -> None:
        return None

    def settled(self, view: OrderView) -> bool:
        return False

    def tally(self) -> DemoTally:
        counts = self.sim.created_per_name
        total, most = sum(counts.values()), max(counts.values(), default=0)
        return DemoTally(total, most, f"{total} orders created, at most {most} per name")


class IvcapDemo:
    def orders(self) -> list[tuple[str, dict[str, Any]]]:
        return [(f"iv-{n:02d}", {"parameters": [{"name": "parcel",
                                                  "value": f"demo-parcel-{n:02d}"}]})
                for n in range(ORDERS)]

    @asynccontextmanager
    async def start(self, tracker: Tracker, workdir: Path, session: aiohttp.ClientSession,
                    order_ids: list[UUID]) -> AsyncIterator[Running]:
        runner, url, sim = await start_ivcap_simulator(
            sim=IvcapSim(default_plan=Plan(executing_reads=2), drop_next_creates=1,
                         plans={str(order_ids[FAILING]): Plan(ends="failed")}))
        try:
            yield Running(sim, url)
        finally:
            await runner.cleanup()


DEMO = IvcapDemo()
