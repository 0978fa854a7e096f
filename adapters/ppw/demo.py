"""PPW's share of ``ordertrail demo``: eight work orders PPW imports through our receiver (one
offered twice), then field work reported back, one order sent for follow-up."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
from aiohttp import web

from ordertrail.adapters.common.plugin import DemoTally
from ordertrail.adapters.ppw.config import PPWConfig
from ordertrail.adapters.ppw.link import PPWLink
from ordertrail.adapters.ppw.outbox import PPWOutbox
from ordertrail.adapters.ppw.receiver import make_app
from ordertrail.adapters.ppw.simulator import PPWSimulator
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import OrderView

WORK_ORDERS = 8
DUPLICATE = "DEMO-WO-0005"
USER, PASSWORD = "ordertrail-demo", "demo-password"
SITE, REMOTE_SITE = "demo-site-0001", "ordertrail-demo-remote"


def work_order(i: int) -> dict[str, Any]:
    return {
        "wo_number": f"DEMO-WO-{i:04d}",
        "address": f"{20 + i} Elm Street", "city": "Springfield", "state": "IL", "zip": "62701",
        "date_due": "20261215", "work_type_alias": "Lawn Maintenance",
        "client_company_alias": "Demo Servicing", "loan_number": f"LN{9000 + i}",
        "line_items": [{"desc": "Initial grass cut", "qty": "1", "price": "45.00",
                        "total": "45.00", "add": "0"}],
    }


@dataclass
class Running:
    sim: PPWSimulator
    link: PPWLink
    order_ids: list[UUID]

    def adapter(self, session: aiohttp.ClientSession) -> None:
        return None  # PPW calls us

    async def after_pass(self, tracker: Tracker, n: int) -> None:
        """One Auto Import cycle, then the field work PPW reports back for what it imported."""
        if n == 0:
            await self.sim.validate_user()
        await self.sim.run_cycle()
        for report_id in sorted(self.sim.imported):
            order_id = self.link.outbox.order_of(int(report_id))
            if order_id is None or order_id not in self.order_ids:
                continue
            view = tracker.get_order(order_id)
            index = self.order_ids.index(order_id)
            if view.state is State.PLACED:
                await self.sim.send_result("bid_comp_confirm", report_id, wo_status="In Field")
            elif view.state is State.IN_PROGRESS and index == 2:
                await self.sim.send_result("bid_comp_confirm", report_id, wo_status="Follow Up")
            elif view.state is State.IN_PROGRESS:
                await self.sim.send_ready_for_office(report_id)
            elif view.state is State.DELIVERED:
                await self.sim.send_result("bid_comp_confirm", report_id, wo_status="Complete")

    def settled(self, view: OrderView) -> bool:
        return False

    def tally(self) -> DemoTally:
        counts = Counter(self.sim.import_log)
        total, most = sum(counts.values()), max(counts.values(), default=0)
        return DemoTally(total, most, f"{total} work orders imported, at most {most} per "
                                      "work order")


class PPWDemo:
    def orders(self) -> list[tuple[str, dict[str, Any]]]:
        return [(work_order(i)["wo_number"], work_order(i)) for i in range(1, WORK_ORDERS + 1)]

    @asynccontextmanager
    async def start(self, tracker: Tracker, workdir: Path, session: aiohttp.ClientSession,
                    order_ids: list[UUID]) -> AsyncIterator[Running]:
        outbox = PPWOutbox(workdir / "ppw-link.sqlite3")
        link = PPWLink(tracker, outbox, PPWConfig.with_password(USER, PASSWORD, SITE,
                                                                REMOTE_SITE))
        runner = web.AppRunner(make_app(link), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}/ppw/receiver"
            sim = PPWSimulator(url, USER, PASSWORD, SITE, duplicates={DUPLICATE},
                               session=session)
            yield Running(sim, link, order_ids)
        finally:
            await runner.cleanup()
            outbox.close()
DEMO = PPWDemo()
