"""PPW receiver throughput: events handled per second over loopback, ours vs bare aiohttp.

Both servers run in this process on 127.0.0.1 and are driven by the same
client loop in the same run. Ours answers from a SQLite store:

- ``ack_transaction`` for a fresh order each time (records Acked + OrderPlaced);
- ``get_all_orders`` listing --pending open orders (after the first offer, a
  read of the notification log and the outbox; nothing new recorded).

The baseline is a bare aiohttp handler that reads the same body and returns
the same envelope bytes. Printed: events/s for each and the ratio (target >= 0.5).

The client keeps ``--concurrency`` requests in flight (default 4) against ours
and against the bare handler alike: PPW's Auto Import is sequential per site, but
many sites share one receiver, and concurrent acks are what our group commit
gathers into one transaction. Ours and bare alternate in ``--rounds`` chunks per
event, so a load spike on a shared machine hits both.

    python bench/ppw_receiver.py [--quick] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from ordertrail.adapters.common.runtime import tune_garbage_collector
from ordertrail.adapters.ppw import PPWConfig, PPWLink, PPWOutbox, make_app, sha1_hex, translate
from ordertrail.adapters.store import open_tracker

USER, PASSWORD, SITE, REMOTE = "bench", "bench-password-1234567890", "site-1", "remote-1"


def body(event_name: str, event_data: dict[str, Any]) -> bytes:
    payload = {"username": USER, "password": sha1_hex(PASSWORD), "site_id": SITE,
               "event_name": event_name, "event_data": json.dumps(event_data)}
    return urlencode({"payload": json.dumps(payload)}).encode()


def bare_app(replies: dict[bytes, bytes]) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=replies[await request.read()], content_type="application/json")

    app = web.Application()
    app.router.add_post("/ppw/receiver", handle)
    return app


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/ppw/receiver"


async def drive(url: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[bytes]]:
    """Post every body (``concurrency`` at a time, in order per worker); seconds and replies."""
    replies: list[bytes] = [b""] * len(bodies)
    queue = list(enumerate(bodies))[::-1]
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession() as session:

        async def worker() -> None:
            while queue:
                i, data = queue.pop()
                async with session.post(url, data=data, headers=headers) as response:
                    replies[i] = await response.read()
                    assert response.status == 200, replies[i][:200]

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start, replies


def ledger_alone(link: PPWLink, headers: list[dict[str, Any]], group: int) -> float:
    """Acks/s the ledger itself records for these offered orders: the same commands, no HTTP,
    ``group`` orders per transaction (1: one commit per ack)."""
    start = time.perf_counter()
    for i in range(0, len(headers), group):
        commands = []
        for header in headers[i:i + group]:
            offer = link.outbox.offer(header["transaction_id"])
            assert offer is not None
            ack = translate.AckReading(translate.AckOutcome.IMPORTED, None)
            commands += translate.ack_commands(offer, ack, already_placed=False, raw=None)
        link.tracker.execute(commands)
    return len(headers) / (time.perf_counter() - start)


async def main(pending: int, acks: int, listings: int, concurrency: int, rounds: int) -> float:
    tune_garbage_collector()  # as the ordertrail command does; the bare loop shares it
    with tempfile.TemporaryDirectory() as tmp:
        tracker = open_tracker(f"sqlite:///{Path(tmp) / 'ordertrail.db'}")
        outbox = PPWOutbox(Path(tmp) / "ppw.sqlite3")
        link = PPWLink(tracker, outbox, PPWConfig.with_password(USER, PASSWORD, SITE, REMOTE))
        for i in range(pending + 2 * acks):
            tracker.request_order("ppw", {"wo_number": f"B-{i}", "address": f"{i} Main St"},
                                  idempotency_key=f"bench-{i}")
        ours, ours_url = await serve(make_app(link))
        list_body = body("get_all_orders", {})
        _, (first,) = await drive(ours_url, [list_body], 1)  # the first offer records
        offered = [h for h in json.loads(first)["result_data"] if "report_id" in h]
        phases: dict[str, list[bytes]] = {  # acks first: then --pending orders stay listed
            "ack_transaction": [
                body("ack_transaction", {"transaction_id": h["transaction_id"], "status": "ok"})
                for h in offered[pending:pending + acks]
            ],
            "get_all_orders": [list_body] * listings,
        }
        results: dict[str, tuple[float, float]] = {}
        ledger_rates = (0.0, 0.0)
        for name, bodies in phases.items():
            if name == "get_all_orders":  # before listing, so only --pending stay unacked
                spare = offered[pending + acks:]
                ledger_rates = (ledger_alone(link, spare[:len(spare) // 2], 1),
                                ledger_alone(link, spare[len(spare) // 2:], concurrency))
            replies: dict[bytes, bytes] = {}
            bare, bare_url = await serve(bare_app(replies))
            ours_seconds = bare_seconds = 0.0
            step = -(-len(bodies) // rounds)
            for start in range(0, len(bodies), step):  # alternate, so load spikes hit both
                chunk = bodies[start:start + step]
                seconds, ours_replies = await drive(ours_url, chunk, concurrency)
                ours_seconds += seconds
                replies.update(zip(chunk, ours_replies, strict=True))
                seconds, bare_replies = await drive(bare_url, chunk, concurrency)
                bare_seconds += seconds
                assert bare_replies == ours_replies
            await bare.cleanup()
            results[name] = (len(bodies) / ours_seconds, len(bodies) / bare_seconds)
        await ours.cleanup()
        outbox.close()
        tracker.close()
    print(f"concurrency {concurrency} (both servers), {rounds} alternating rounds per event")
    print(f"{'event':<16} {'ours ev/s':>10} {'bare ev/s':>10} {'ratio':>6}")
    for name, (ours_rate, bare_rate) in results.items():
        print(f"{name:<16} {ours_rate:>10.0f} {bare_rate:>10.0f} {ours_rate / bare_rate:>6.2f}")
    total_ours = sum(len(b) for b in phases.values()) / sum(
        len(phases[n]) / r[0] for n, r in results.items())
    total_bare = sum(len(b) for b in phases.values()) / sum(
        len(phases[n]) / r[1] for n, r in results.items())
    ratio = total_ours / total_bare
    print(f"{'mixed':<16} {total_ours:>10.0f} {total_bare:>10.0f} {ratio:>6.2f}  (target >= 0.5)")
    print(f"context: the ledger alone (the same RecordAck+Place per order, no HTTP) records "
          f"{ledger_rates[0]:.0f} acks/s one transaction each, {ledger_rates[1]:.0f} acks/s "
          f"{concurrency} orders per transaction: the bound for ack_transaction")
    # Each client waits for the commit holding its ack, so with every client in one group the
    # HTTP work and the ledger's take turns: a group costs at best the bare handler's time
    # for its requests plus the ledger's for its acks, with no overhead of ours at all.
    bare_acks = results["ack_transaction"][1]
    lockstep = 1 / (1 / bare_acks + 1 / ledger_rates[1])
    print(f"lockstep bound: the bare handler's time plus the ledger's, per ack: {lockstep:.0f} "
          f"acks/s, a ratio of {lockstep / bare_acks:.2f} for ack_transaction")
    return ratio


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few hundred events only")
    parser.add_argument("--pending", type=int, default=20, help="orders listed by get_all_orders")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="requests in flight, the same for ours and bare")
    parser.add_argument("--rounds", type=int, default=5,
                        help="ours and bare alternate this many times per event")
    args = parser.parse_args()
    n = 200 if args.quick else 2000
    asyncio.run(main(args.pending, acks=n, listings=n, concurrency=args.concurrency,
                     rounds=args.rounds))
