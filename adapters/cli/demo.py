"""``ordertrail demo``: the main job, end to end, with no configuration and no server.

An embedded SQLite store in a working directory; the four vendors played by
their simulators on loopback; about forty orders whose outcomes cover what
matters (a user must choose, payments declined, the daily cap, a lost answer
reconciled, a PPW duplicate); the real sync engine and PPW receiver; the
results downloaded; the read models brought up to date and printed. Each run
starts from an empty directory, so running it again is safe.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ordertrail.adapters.cli.demo_orders import (
    PLANOMATIC_OUTCOMES,
    PPW_DUPLICATE,
    PPW_WORK_ORDERS,
    planomatic_request,
    ppw_work_order,
)
from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.polled import PolledVendor
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.client import IvcapClient
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.ivcap.simulator import IvcapSim, start_ivcap_simulator
from ordertrail.adapters.ivcap.simulator import Plan as IvcapPlan
from ordertrail.adapters.planomatic.adapter import PlanomaticAdapter
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.config import PlanomaticConfig
from ordertrail.adapters.planomatic.simulator import PlanomaticSim, start_planomatic_simulator
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.client import PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.planviewer.simulator import Plan as PlanviewerPlan
from ordertrail.adapters.planviewer.simulator import PlanviewerSim, start_planviewer_simulator
from ordertrail.adapters.ppw import PPWConfig, PPWLink, PPWOutbox, PPWSimulator, make_app
from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.sync.engine import SyncEngine
from ordertrail.domain.errors import OrdertrailError
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import OrderView

DEMO_DIR = Path("ordertrail-demo")
PLANVIEWER_ORDERS = 11
PLANVIEWER_DAILY_CAP = 10  # so the eleventh order meets the cap
IVCAP_ORDERS = 13
PPW_USER, PPW_PASSWORD = "ordertrail-demo", "demo-password"
PPW_SITE, PPW_REMOTE_SITE = "demo-site-0001", "ordertrail-demo-remote"
MAX_PASSES = 60


@dataclass
class Simulators:
    planviewer: PlanviewerSim
    ivcap: IvcapSim
    planomatic: PlanomaticSim
    ppw: PPWSimulator
    ppw_link: PPWLink
    urls: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VendorTally:
    """What one vendor saw: how many things, and the most made for any one order."""

    total: int
    most_per_order: int
    line: str

    def __str__(self) -> str:
        return self.line


@dataclass
class DemoResult:
    store_url: str
    workdir: Path
    orders: dict[str, list[UUID]]
    states: Counter[str]
    passes: int
    seconds: float
    files: int
    vendor_side: dict[str, VendorTally]


# ---------------------------------------------------------------- the order mix
def planviewer_plans() -> dict[str, PlanviewerPlan]:
    plans = {f"demo-intention-{n:02d}": PlanviewerPlan(steps=3 + n % 4) for n in range(11)}
    plans["demo-intention-02"] = PlanviewerPlan(steps=5, wait_at=2)  # a user must pick a location
    plans["demo-intention-06"] = PlanviewerPlan(steps=4, wait_at=1)
    plans["demo-intention-08"] = PlanviewerPlan(steps=4, error_at=2)  # the job fails at Planviewer
    return plans


def place_orders(tracker: Tracker) -> dict[str, list[UUID]]:
    """What a business would request today: about forty orders over the four vendors."""
    orders: dict[str, list[UUID]] = {"planviewer": [], "ivcap": [], "planomatic": [], "ppw": []}
    for n in range(PLANVIEWER_ORDERS):
        request = {"intention_uuid": f"demo-intention-{n:02d}", "product": "bestemmingsplanrapport"}
        orders["planviewer"].append(tracker.request_order("planviewer", request, f"pv-{n:02d}",
                                                          requested_by="demo"))
    for n in range(IVCAP_ORDERS):
        params: dict[str, Any] = {"parameters": [{"name": "parcel", "value": f"demo-parcel-{n:02d}"}]}
        orders["ivcap"].append(tracker.request_order("ivcap", params, f"iv-{n:02d}",
                                                     requested_by="demo"))
    for i, outcome in enumerate(PLANOMATIC_OUTCOMES):
        orders["planomatic"].append(tracker.request_order(
            "planomatic", planomatic_request(i, outcome), f"po-{i:02d}", requested_by="demo"))
    for i in range(1, PPW_WORK_ORDERS + 1):
        work_order = ppw_work_order(i)
        orders["ppw"].append(tracker.request_order("ppw", work_order, work_order["wo_number"],
                                                   requested_by="demo"))
    return orders


# ---------------------------------------------------------------- settled?
def settled(view: OrderView, now: datetime) -> bool:
    """Nothing more will happen to this order without a person, the vendor's people or tomorrow."""
    if view.is_terminal or view.needs_a_person:
        return True
    if view.state is State.REQUESTED and view.hold_until is not None:
        return view.hold_until > now  # held: the daily cap resets tomorrow
    # PlanOmatic has no status route: once placed, its people push the rest.
    return view.vendor == "planomatic" and view.state is State.PLACED


# ---------------------------------------------------------------- simulators
async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@asynccontextmanager
async def simulators(tracker: Tracker, workdir: Path, session: aiohttp.ClientSession,
                     orders: dict[str, list[UUID]]) -> AsyncIterator[Simulators]:
    async with AsyncExitStack() as stack:
        pv_runner, pv_url, pv = await start_planviewer_simulator(
            sim=PlanviewerSim(plans=planviewer_plans(), daily_cap=PLANVIEWER_DAILY_CAP))
        stack.push_async_callback(pv_runner.cleanup)
        iv_runner, iv_url, iv = await start_ivcap_simulator(
            sim=IvcapSim(default_plan=IvcapPlan(executing_reads=2), drop_next_creates=1,
                         plans={str(orders["ivcap"][7]): IvcapPlan(ends="failed")}))
        stack.push_async_callback(iv_runner.cleanup)
        po_sim = PlanomaticSim(status_by_email={
            planomatic_request(i, o)["order"]["client"]["email"]: o
            for i, o in enumerate(PLANOMATIC_OUTCOMES)
        })
        po_runner, po_url, po = await start_planomatic_simulator(sim=po_sim)
        stack.push_async_callback(po_runner.cleanup)
        outbox = PPWOutbox(workdir / "ppw-link.sqlite3")
        stack.callback(outbox.close)
        link = PPWLink(tracker, outbox, PPWConfig.with_password(
            PPW_USER, PPW_PASSWORD, PPW_SITE, PPW_REMOTE_SITE))
        receiver, receiver_url = await _serve(make_app(link))
        stack.push_async_callback(receiver.cleanup)
        ppw = PPWSimulator(f"{receiver_url}/ppw/receiver", PPW_USER, PPW_PASSWORD, PPW_SITE,
                           duplicates={PPW_DUPLICATE}, session=session)
        yield Simulators(pv, iv, po, ppw, link, {
            "planviewer": pv_url, "ivcap": iv_url, "planomatic": po_url, "ppw": receiver_url})


def demo_engine(tracker: Tracker, sims: Simulators, session: aiohttp.ClientSession,
                results: Path) -> SyncEngine:
    pv_config = PlanviewerConfig(
        sims.planviewer.key_id, Secret(sims.planviewer.secret), base_url=sims.urls["planviewer"],
        daily_cap=PLANVIEWER_DAILY_CAP, poll_fast_seconds=0, poll_slow_seconds=0,
        poll_waiting_seconds=3600, retries=1)
    iv_config = IvcapConfig(
        Secret(sims.ivcap.token), sims.urls["ivcap"], service_id="urn:ivcap:service:demo",
        account_id="urn:ivcap:account:demo", poll_fast_seconds=0, poll_slow_seconds=0, retries=1,
        reconcile_after_seconds=0)
    po_config = PlanomaticConfig(Secret(next(iter(sims.planomatic.tokens))),
                                 base_url=sims.urls["planomatic"])
    vendors: dict[str, PolledVendor] = {
        "planviewer": PlanviewerAdapter(PlanviewerClient(session, pv_config), pv_config),
        "ivcap": IvcapAdapter(IvcapClient(session, iv_config), iv_config),
        "planomatic": PlanomaticAdapter(PlanomaticClient(session, po_config)),
    }
    return SyncEngine(tracker, vendors, SafeDownloader(session, results),
                      configured={*vendors, "ppw"}, pass_interval=timedelta(seconds=0.2))


# ---------------------------------------------------------------- PPW's side
async def ppw_cycle(sims: Simulators, tracker: Tracker, orders: list[UUID], cycle: int) -> None:
    """One Auto Import cycle, then the field work PPW reports back for what it imported."""
    if cycle == 0:
        await sims.ppw.validate_user()
    await sims.ppw.run_cycle()
    for report_id in sorted(sims.ppw.imported):
        order_id = sims.ppw_link.outbox.order_of(int(report_id))
        if order_id is None or order_id not in orders:
            continue
        view = tracker.get_order(order_id)
        index = orders.index(order_id)
        if view.state is State.PLACED:
            await sims.ppw.send_result("bid_comp_confirm", report_id, wo_status="In Field")
        elif view.state is State.IN_PROGRESS and index == 2:
            await sims.ppw.send_result("bid_comp_confirm", report_id, wo_status="Follow Up")
        elif view.state is State.IN_PROGRESS:
            await sims.ppw.send_ready_for_office(report_id)
        elif view.state is State.DELIVERED:
            await sims.ppw.send_result("bid_comp_confirm", report_id, wo_status="Complete")


# ---------------------------------------------------------------- the run
def reset(workdir: Path) -> None:
    """Start from nothing: the demo directory holds only what the demo made."""
    if workdir.exists():
        marker = workdir / ".ordertrail-demo"
        if not marker.exists():
            raise OrdertrailError(f"{workdir} exists and is not an ordertrail demo directory; "
                                  "choose another with --dir")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / ".ordertrail-demo").write_text("made by `ordertrail demo`; safe to delete\n")


async def run_demo(workdir: Path, console: Console,
                   on_pass: Callable[[int], None] | None = None) -> DemoResult:
    started = time.perf_counter()
    reset(workdir)
    store_url = f"sqlite:///{workdir / 'ordertrail.db'}"
    tracker = open_tracker(store_url)
    try:
        orders = place_orders(tracker)
        console.print(f"placed {sum(map(len, orders.values()))} orders in {store_url}: "
                      + ", ".join(f"{len(v)} {k}" for k, v in orders.items()))
        async with aiohttp.ClientSession() as session, \
                simulators(tracker, workdir, session, orders) as sims:
            engine = demo_engine(tracker, sims, session, workdir / "results")
            passes = await _sync_until_settled(tracker, engine, sims, orders, console, on_pass)
            vendor_side = _vendor_side_checks(sims, orders)
        views = [tracker.get_order(o) for group in orders.values() for o in group]
        states = Counter(v.state.value for v in views)
        files = sum(1 for p in (workdir / "results").rglob("*") if p.is_file())
    finally:
        tracker.close()
    return DemoResult(store_url, workdir, orders, states, passes,
                      time.perf_counter() - started, files, vendor_side)


async def _sync_until_settled(tracker: Tracker, engine: SyncEngine, sims: Simulators,
                              orders: dict[str, list[UUID]], console: Console,
                              on_pass: Callable[[int], None] | None) -> int:
    columns = (TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks = {vendor: progress.add_task(vendor, total=len(ids), detail="")
                 for vendor, ids in orders.items()}
        for n in range(MAX_PASSES):
            await engine.run_once()
            await ppw_cycle(sims, tracker, orders["ppw"], n)
            now = datetime.now(timezone.utc)
            all_settled = True
            for vendor, ids in orders.items():
                views = await asyncio.to_thread(_views, tracker, ids)
                done = sum(1 for v in views if settled(v, now))
                all_settled &= done == len(ids)
                progress.update(tasks[vendor], completed=done, detail=_detail(views))
            if on_pass is not None:
                on_pass(n)
            if all_settled:
                return n + 1
            await asyncio.sleep(0.2)  # lets a person watch the bars move
    return MAX_PASSES


def _views(tracker: Tracker, ids: list[UUID]) -> list[OrderView]:
    return [tracker.get_order(o) for o in ids]


def _detail(views: Iterable[OrderView]) -> str:
    counts = Counter(v.state.value.lower() for v in views)
    return " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))


def _vendor_side_checks(sims: Simulators, orders: dict[str, list[UUID]]) -> dict[str, VendorTally]:
    """What the vendors saw: nothing ordered, imported or charged twice."""
    counts = {
        "planviewer": (sims.planviewer.jobs_per_intention, "jobs", "per intention"),
        "ivcap": (sims.ivcap.created_per_name, "orders created", "per name"),
        "planomatic": (sims.planomatic.charges, "card charges", "per order"),
        "ppw": (Counter(sims.ppw.import_log), "work orders imported", "per work order"),
    }
    tallies = {}
    for vendor, (counter, things, each) in counts.items():
        total, most = sum(counter.values()), max(counter.values(), default=0)
        tallies[vendor] = VendorTally(total, most, f"{total} {things}, at most {most} {each}")
    return tallies


def doubled(result: DemoResult) -> list[str]:
    """Vendors that saw something twice (the demo's own at-most-once check)."""
    return [vendor for vendor, tally in result.vendor_side.items() if tally.most_per_order > 1]
