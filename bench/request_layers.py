"""The event loop's CPU per poll, layer by layer, against the bare loop: where a sync pass's
own work on the loop's thread goes, with no store and no other thread beside it.

Both polled vendors' simulators run in a child process (``simulators_server.py``), holding
``--orders`` orders each. Each round sends every poll three ways, in turn (which goes first
rotates from round to round), on a fresh session with the same concurrency, and takes the
event loop's thread CPU for each:

- **bare**: aiohttp sends the request and reads the bytes (as ``sync_throughput.py``'s bare
  loop does);
- **client**: our vendor client's read (the HTTP choke point, the status check, decoding the
  answer into its wire type);
- **adapter**: the adapter's ``poll`` (the client, then translating the answer into domain
  commands), one request per call as a pass makes it.

Printed per vendor: CPU microseconds per request (median of the rounds) for each layer, and
the bare loop's over each (the ratio a pass could reach if this were all it did). What a whole
pass costs the loop's thread, with the engine and the store's threads beside it, is
``scale_split.py``'s ``loop`` column.

    python bench/request_layers.py [--orders 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

from ordertrail.adapters.common.runtime import tune_garbage_collector
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.client import IvcapClient
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.client import PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sync_throughput import place_at_simulators  # noqa: E402  (the benchmarks' placing)

LAYERS = ("bare", "client", "adapter")


def views_of(refs: list[str]) -> list[Any]:
    """What an adapter's ``poll`` reads of an order view: its id, reference and troubles."""
    return [SimpleNamespace(id=uuid.uuid4(), vendor_ref=ref, troubles=frozenset(),
                            vendor_ref_kind=None) for ref in refs]


async def cpu_of(calls: list[Callable[[], Awaitable[Any]]], concurrency: int) -> float:
    """The event loop's thread CPU seconds to run ``calls``, ``concurrency`` at a time."""
    limit = asyncio.Semaphore(concurrency)

    async def one(call: Callable[[], Awaitable[Any]]) -> None:
        async with limit:
            await call()

    started = time.thread_time()
    await asyncio.gather(*(one(call) for call in calls))
    return time.thread_time() - started


async def round_of(sims: dict[str, str], jobs: list[str], iv_ids: list[str],
                   out: dict[tuple[str, str], list[float]], first: int) -> None:
    pv_config = PlanviewerConfig(sims["pv_key"], Secret(sims["pv_secret"]),
                                 base_url=sims["planviewer"], daily_cap=10**9)
    iv_config = IvcapConfig(Secret(sims["iv_token"]), sims["ivcap"])
    size = pv_config.poll_batch_size
    pv_batches = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    for layer in LAYERS[first:] + LAYERS[:first]:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
            pv_calls, iv_calls = calls(layer, session, sims, pv_config, iv_config, pv_batches,
                                       iv_ids)
            out["planviewer", layer].append(
                await cpu_of(pv_calls, pv_config.max_concurrency) / len(pv_batches))
            out["ivcap", layer].append(
                await cpu_of(iv_calls, iv_config.max_concurrency) / len(iv_ids))


Call = Callable[[], Awaitable[Any]]


def calls(layer: str, session: aiohttp.ClientSession, sims: dict[str, str],
          pv_config: PlanviewerConfig, iv_config: IvcapConfig, pv_batches: list[list[str]],
          iv_ids: list[str]) -> tuple[list[Call], list[Call]]:
    """Each poll of one round, as ``layer`` sends it: Planviewer's batches, IVCAP's orders."""
    if layer == "bare":
        pv_auth = {"Authorization": aiohttp.encode_basic_auth(sims["pv_key"], sims["pv_secret"])}
        iv_auth = {"Authorization": f"Bearer {sims['iv_token']}"}
        pv_url = f"{sims['planviewer']}/product_api/v1/jobs/status"
        return ([partial(bare_get, session, pv_url, pv_auth, [("uuids[]", u) for u in batch])
                 for batch in pv_batches],
                [partial(bare_get, session, f"{sims['ivcap']}/1/orders/{ref}", iv_auth, None)
                 for ref in iv_ids])
    pv_client, iv_client = PlanviewerClient(session, pv_config), IvcapClient(session, iv_config)
    if layer == "client":
        return ([partial(pv_client.status, batch) for batch in pv_batches],
                [partial(iv_client.read_answer, ref) for ref in iv_ids])
    pv, iv, now = PlanviewerAdapter(pv_client, pv_config), IvcapAdapter(iv_client, iv_config), \
        datetime.now(UTC)
    return ([partial(pv.poll, views_of(batch), now) for batch in pv_batches],
            [partial(iv.poll, views_of([ref]), now) for ref in iv_ids])


async def bare_get(session: aiohttp.ClientSession, url: str, headers: dict[str, str],
                   params: list[tuple[str, str]] | None) -> None:
    async with session.get(url, params=params, headers=headers) as response:
        await response.read()


async def main(orders: int, rounds: int) -> None:
    simulators = subprocess.Popen([sys.executable, str(HERE / "simulators_server.py")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert simulators.stdout is not None
        sims = json.loads(simulators.stdout.readline())
        tune_garbage_collector()  # as the ordertrail command does
        jobs, iv_ids = await place_at_simulators(sims, orders, orders)
        out: dict[tuple[str, str], list[float]] = {
            (vendor, layer): [] for vendor in ("planviewer", "ivcap") for layer in LAYERS}
        for n in range(rounds):
            await round_of(sims, jobs, iv_ids, out, n % len(LAYERS))
    finally:
        if simulators.stdin is not None:
            simulators.stdin.close()
        simulators.wait(timeout=30)
    print(f"event loop CPU per request, us (median of {rounds} rounds; ratio: bare / layer)")
    print(f"{'vendor':11} " + " ".join(f"{layer:>16}" for layer in LAYERS))
    for vendor in ("planviewer", "ivcap"):
        bare = statistics.median(out[vendor, "bare"])
        cells = []
        for layer in LAYERS:
            us = statistics.median(out[vendor, layer])
            cells.append(f"{us * 1e6:>7.1f} ({bare / us:.2f})")
        print(f"{vendor:11} " + " ".join(f"{cell:>16}" for cell in cells), flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.orders < 1 or args.rounds < 1:
        parser.error("--orders and --rounds must be at least 1")
    asyncio.run(main(args.orders, args.rounds))


if __name__ == "__main__":
    cli()
