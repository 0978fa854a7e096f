"""``ordertrail demo``: the main job, end to end, with no configuration and no server.

An embedded SQLite store in a working directory; every registered vendor with a demo played
by its simulator on loopback (each plugin's ``demo()``: its orders, its simulator, what it
does on its own between passes); about forty orders whose outcomes cover what matters (a user
must choose, payments declined, the daily cap, a lost answer reconciled, a duplicate offer);
the real sync engine and receivers; the results downloaded; the read models brought up to
date and printed. Each run starts from an empty directory, so running it again is safe.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import aiohttp
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.plugin import DemoRun, DemoTally, VendorDemo
from ordertrail.adapters.common.polled import PolledVendor
from ordertrail.adapters.registry import plugins
from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.sync.engine import SyncEngine
from ordertrail.domain.errors import OrdertrailError
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import OrderView

DEMO_DIR = Path("ordertrail-demo")
MAX_PASSES = 60
VendorTally = DemoTally


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


# ---------------------------------------------------------------- the vendors
def demos() -> dict[str, VendorDemo]:
    """Each registered vendor's part of the demo, by name."""
    found = {}
    for plugin in plugins():
        demo = plugin.demo()
        if demo is not None:
            found[plugin.name] = demo
    return found


def place_orders(tracker: Tracker, parts: dict[str, VendorDemo]) -> dict[str, list[UUID]]:
    """What a business would request today: about forty orders over the vendors."""
    return {vendor: [tracker.request_order(vendor, request, key, requested_by="demo")
                     for key, request in part.orders()]
            for vendor, part in parts.items()}


@asynccontextmanager
async def simulators(tracker: Tracker, workdir: Path, session: aiohttp.ClientSession,
                     parts: dict[str, VendorDemo],
                     orders: dict[str, list[UUID]]) -> AsyncIterator[dict[str, DemoRun]]:
    async with AsyncExitStack() as stack:
        yield {vendor: await stack.enter_async_context(
                   part.start(tracker, workdir, session, orders[vendor]))
               for vendor, part in parts.items()}


# ---------------------------------------------------------------- settled?
def settled(view: OrderView, now: datetime, run: DemoRun) -> bool:
    """Nothing more will happen to this order without a person, the vendor's people or tomorrow."""
    if view.is_terminal or view.needs_a_person:
        return True
    if view.state is State.REQUESTED and view.hold_until is not None:
        return view.hold_until > now  # held: the daily cap resets tomorrow
    return run.settled(view)


def demo_engine(tracker: Tracker, runs: dict[str, DemoRun], session: aiohttp.ClientSession,
                results: Path) -> SyncEngine:
    vendors: dict[str, PolledVendor] = {}
    for vendor, run in runs.items():
        adapter = run.adapter(session)
        if adapter is not None:
            vendors[vendor] = adapter
    return SyncEngine(tracker, vendors, SafeDownloader(session, results),
                      configured=set(runs), pass_interval=timedelta(seconds=0.2))


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
    parts = demos()
    try:
        orders = place_orders(tracker, parts)
        console.print(f"placed {sum(map(len, orders.values()))} orders in {store_url}: "
                      + ", ".join(f"{len(v)} {k}" for k, v in orders.items()))
        async with aiohttp.ClientSession() as session, \
                simulators(tracker, workdir, session, parts, orders) as runs:
            engine = demo_engine(tracker, runs, session, workdir / "results")
            passes = await _sync_until_settled(tracker, engine, runs, orders, console, on_pass)
            vendor_side = {vendor: run.tally() for vendor, run in runs.items()}
        views = [tracker.get_order(o) for group in orders.values() for o in group]
        states = Counter(v.state.value for v in views)
        files = sum(1 for p in (workdir / "results").rglob("*") if p.is_file())
    finally:
        tracker.close()
    return DemoResult(store_url, workdir, orders, states, passes,
                      time.perf_counter() - started, files, vendor_side)


async def _sync_until_settled(tracker: Tracker, engine: SyncEngine, runs: dict[str, DemoRun],
                              orders: dict[str, list[UUID]], console: Console,
                              on_pass: Callable[[int], None] | None) -> int:
    columns = (TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks = {vendor: progress.add_task(vendor, total=len(ids), detail="")
                 for vendor, ids in orders.items()}
        for n in range(MAX_PASSES):
            await engine.run_once()
            for run in runs.values():
                await run.after_pass(tracker, n)
            now = datetime.now(timezone.utc)
            all_settled = True
            for vendor, ids in orders.items():
                views = await asyncio.to_thread(_views, tracker, ids)
                done = sum(1 for v in views if settled(v, now, runs[vendor]))
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


def doubled(result: DemoResult) -> list[str]:
    """Vendors that saw something twice (the demo's own at-most-once check)."""
    return [vendor for vendor, tally in result.vendor_side.items() if tally.most_per_order > 1]
