"""PlanOmatic's share of ``ordertrail demo``: eight shoots paid and submitted, with a declined
payment, an expired card and a crash among them."""

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
from ordertrail.adapters.planomatic.adapter import PlanomaticAdapter
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.config import PlanomaticConfig
from ordertrail.adapters.planomatic.simulator import PlanomaticSim, start_planomatic_simulator
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import OrderView

OUTCOMES = [
    "action-successful", "action-successful", "action-successful", "action-successful",
    "declined-payment", "card-expired", "action-successful", "application-crash",
]


def request(i: int, outcome: str) -> dict[str, Any]:
    return {
        "order": {
            "client": {"first_name": "Demo", "last_name": f"Client {i}",
                       "email": f"client{i}+{outcome}@example.com"},
            "primary_service": {"group_slug": "hdr-photos", "quantity": 1},
            "property_info": {"sqft": 1800 + 50 * i, "address": {
                "street": f"{100 + i} Congress Ave", "city": "Austin", "province": "TX",
                "postal_code": "78701"}},
            "appointments": [{"start_datetime": "2026-12-01T10:00:00-06:00", "duration": 90}],
        },
        "payment_method_id": 700 + i,
    }


@dataclass
class Running:
    sim: PlanomaticSim
    url: str

    def adapter(self, session: aiohttp.ClientSession) -> PlanomaticAdapter:
        config = PlanomaticConfig(Secret(next(iter(self.sim.tokens))), base_url=self.url)
        return PlanomaticAdapter(PlanomaticClient(session, config))

    async def after_pass(self, tracker: Tracker, n: int) -> None:
        return None

    def settled(self, view: OrderView) -> bool:
        """PlanOmatic has no status route: once placed, its people push the rest."""
        return view.state is State.PLACED

    def tally(self) -> DemoTally:
        counts = self.sim.charges
        total, most = sum(counts.values()), max(counts.values(), default=0)
        return DemoTally(total, most, f"{total} card charges, at most {most} per order")


class PlanomaticDemo:
    def orders(self) -> list[tuple[str, dict[str, Any]]]:
        return [(f"po-{i:02d}", request(i, outcome)) for i, outcome in enumerate(OUTCOMES)]

    @asynccontextmanager
    async def start(self, tracker: Tracker, workdir: Path, session: aiohttp.ClientSession,
                    order_ids: list[UUID]) -> AsyncIterator[Running]:
        sim = PlanomaticSim(status_by_email={
            request(i, o)["order"]["client"]["email"]: o for i, o in enumerate(OUTCOMES)})
        runner, url, sim = await start_planomatic_simulator(sim=sim)
        try:
            yield Running(sim, url)
        finally:
            await runner.cleanup()


DEMO = PlanomaticDemo()
