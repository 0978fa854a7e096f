"""Sync throughput: 10,000 open orders over both polled simulators, ours vs a bare client loop.

The simulators run in a child process (bench/simulators_server.py). Orders are
placed there in bulk, then recorded as PLACED in our store. Each round runs one
pass of our sync engine (status requests, decoding, translation, one store
transaction per batch of changes) and then one pass of a bare aiohttp loop that
sends the same requests with the same concurrency and only reads the bytes.
Printed: HTTP requests/s for both, their ratio (target >= 0.5), and the status
changes (events) recorded per second by ours.

    python bench/sync_throughput.py [--orders 10000] [--rounds 3] [--store sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.runtime import tune_garbage_collector
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.client import IvcapClient
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.client import PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.sync.engine import SyncEngine
from ordertrail.domain import commands as c

PG = os.environ.get("ORDERTRAIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def counting_session(counter: list[int]) -> aiohttp.ClientSession:
    trace = aiohttp.TraceConfig()

    async def ended(*_: Any) -> None:
        counter[0] += 1

    trace.on_request_end.append(ended)
    return aiohttp.ClientSession(trace_configs=[trace],
                                 connector=aiohttp.TCPConnector(limit=64))


async def place_at_simulators(sims: dict[str, str], jobs: int,
                              iv_orders: int) -> tuple[list[str], list[str]]:
    """``jobs`` Planviewer jobs and ``iv_orders`` IVCAP orders created at the simulators: their
    references, in order."""
    pv_auth = {"Authorization": aiohttp.encode_basic_auth(sims["pv_key"], sims["pv_secret"])}
    iv_headers = {"Authorization": f"Bearer {sims['iv_token']}"}
    refs: list[str] = []
    async with aiohttp.ClientSession(headers=pv_auth) as session:
        for start in range(0, jobs, 500):
            chunk = [f"intention-{n}" for n in range(start, min(jobs, start + 500))]
            async with session.post(f"{sims['planviewer']}/product_api/v1/jobs/order",
                                    json={"uuids": chunk}) as response:
                refs += [pair["job"]["uuid"] for pair in await response.json()]
    async with aiohttp.ClientSession(headers=iv_headers) as session:
        limit = asyncio.Semaphore(16)

        async def create(n: int) -> str:
            async with limit, session.post(f"{sims['ivcap']}/1/orders", json={
                    "serviceID": "urn:s", "accountID": "urn:a", "name": f"bench-{n}",
                    "parameters": []}) as response:
                return str((await response.json())["id"])

        iv_ids = list(await asyncio.gather(*(create(n) for n in range(iv_orders))))
    return refs, iv_ids


async def seed(sims: dict[str, str], tracker: Any, orders: int) -> tuple[list[str], list[str]]:
    """Create the jobs and orders at the simulators and record them as placed."""
    half = orders // 2
    jobs, iv_ids = await place_at_simulators(sims, half, orders - half)
    commands: list[c.Command] = []
    for vendor, refs, kind in (("planviewer", jobs, "planviewer.job_uuid"),
                               ("ivcap", iv_ids, "ivcap.order_id")):
        for n, ref in enumerate(refs):
            oid = tracker.request_order(vendor, {"n": n}, f"{vendor}-{n}")
            commands.append(c.Place(order_id=oid, vendor_ref=ref, vendor_ref_kind=kind))
            if len(commands) == 500:
                tracker.execute(commands)
                commands = []
    tracker.execute(commands)
    return jobs, iv_ids


async def ours(sims: dict[str, str], tracker: Any, results: Path) -> tuple[int, int, float]:
    requests = [0]
    async with counting_session(requests) as session:
        pv = PlanviewerConfig(sims["pv_key"], Secret(sims["pv_secret"]),
                              base_url=sims["planviewer"], poll_fast_seconds=0,
                              poll_slow_seconds=0, daily_cap=10**9)
        iv = IvcapConfig(Secret(sims["iv_token"]), sims["ivcap"], poll_fast_seconds=0,
                         poll_slow_seconds=0)
        engine = SyncEngine(tracker, {
            "planviewer": PlanviewerAdapter(PlanviewerClient(session, pv), pv),
            "ivcap": IvcapAdapter(IvcapClient(session, iv), iv),
        }, SafeDownloader(session, results))
        started = time.perf_counter()
        report = await engine.run_once()
        elapsed = time.perf_counter() - started
    return requests[0], report.recorded, elapsed


async def bare(sims: dict[str, str], jobs: list[str], iv_ids: list[str]) -> tuple[int, float]:
    requests = [0]
    pv_headers = {"Authorization": aiohttp.encode_basic_auth(sims["pv_key"], sims["pv_secret"])}
    iv_headers = {"Authorization": f"Bearer {sims['iv_token']}"}
    async with counting_session(requests) as session:
        pv_limit, iv_limit = asyncio.Semaphore(4), asyncio.Semaphore(8)

        async def pv_batch(batch: list[str]) -> None:
            async with pv_limit, session.get(
                    f"{sims['planviewer']}/product_api/v1/jobs/status",
                    params=[("uuids[]", u) for u in batch], headers=pv_headers) as response:
                await response.read()

        async def iv_read(ref: str) -> None:
            async with iv_limit, session.get(f"{sims['ivcap']}/1/orders/{ref}",
                                             headers=iv_headers) as response:
                await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(pv_batch(jobs[i:i + 50]) for i in range(0, len(jobs), 50)),
                             *(iv_read(ref) for ref in iv_ids))
        elapsed = time.perf_counter() - started
    return requests[0], elapsed


async def main(orders: int, rounds: int, store: str) -> None:
    tune_garbage_collector()  # as the ordertrail command does; the bare loop shares it
    server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("simulators_server.py"))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    sims = json.loads(server.stdout.readline())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if store == "postgres":
                import psycopg

                schema = f"bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(PG, autocommit=True) as conn:
                    conn.execute(f'create schema "{schema}"')
                url = f"{PG}?schema={schema}"
            else:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            tracker = open_tracker(url)
            jobs, iv_ids = await seed(sims, tracker, orders)
            print(f"{orders} open orders on {store} ({len(jobs)} Planviewer jobs, "
                  f"{len(iv_ids)} IVCAP orders); simulators in a child process")
            ratios = []
            for n in range(rounds):
                our_requests, recorded, our_seconds = await ours(sims, tracker, Path(tmp))
                bare_requests, bare_seconds = await bare(sims, jobs, iv_ids)
                ours_rps, bare_rps = our_requests / our_seconds, bare_requests / bare_seconds
                ratios.append(ours_rps / bare_rps)
                print(f"round {n + 1}: ours {ours_rps:7.0f} req/s ({our_requests} requests, "
                      f"{recorded / our_seconds:7.0f} status changes recorded/s, "
                      f"{recorded} events in {our_seconds:.2f}s) | bare {bare_rps:7.0f} req/s "
                      f"({bare_requests} requests) | ratio {ours_rps / bare_rps:.2f}")
            tracker.close()
            if store == "postgres":
                with psycopg.connect(PG, autocommit=True) as conn:
                    conn.execute(f'drop schema "{schema}" cascade')
        ratios.sort()
        print(f"median ratio ours/bare: {ratios[len(ratios) // 2]:.2f} (target >= 0.5)")
    finally:
        server.stdin.close()
        server.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.rounds, args.store))
