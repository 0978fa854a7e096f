"""What sharing the GIL with a busy thread costs the event loop's own work, per request.

A sync pass polls on the event loop's thread while worker threads record and list orders:
Python work that holds the GIL about a third to a half of the pass (``scale_split.py``). This
script sends the bare loop's requests (``sync_throughput.bare``, the orders seeded as
``scale.py`` seeds them) alternately alone and beside a thread that runs Python code for
``--busy`` of each ``--slice`` seconds and sleeps the rest, and prints the CPU seconds of the
event loop's thread per request each way, in microseconds. Their ratio is what the loop's
work costs more for the sharing alone: no store, no engine, the same requests and the same
aiohttp. The collector is tuned as the ``ordertrail`` command tunes it; one discarded round
warms the client up first, and the two ways take turns going first, as each poll moves the
simulated orders on.

    python bench/gil_sharing.py [--orders 10000] [--rounds 5] [--busy 0.4] [--slice 0.005]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale import seeded  # noqa: E402  (the scale benchmark's seeding and stores)
from sync_throughput import bare  # noqa: E402

from ordertrail.adapters.common.runtime import tune_garbage_collector  # noqa: E402


class BusyThread:
    """A thread running Python code for ``share`` of every ``slice_s`` seconds (holding the GIL
    as a worker thread's recording does), asleep the rest, until stopped."""

    def __init__(self, share: float, slice_s: float) -> None:
        self._share, self._slice = share, slice_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BusyThread:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        work, rest = self._slice * self._share, self._slice * (1 - self._share)
        while not self._stop.is_set():
            started = time.perf_counter()
            while time.perf_counter() - started < work:
                sum(range(200))
            time.sleep(rest)


async def loop_cpu_per_request(sims: dict[str, str], jobs: list[str], ivcap: list[str]
                               ) -> float:
    """The bare loop once: CPU microseconds of this (the event loop's) thread per request."""
    started = time.thread_time()
    requests, _ = await bare(sims, jobs, ivcap)
    return (time.thread_time() - started) / requests * 1e6


async def measure(orders: int, rounds: int, share: float, slice_s: float) -> None:
    with seeded("sqlite", orders) as run:
        sims, known = json.loads(run.sims_json), json.loads(run.refs.read_text())
        print(f"{orders:,} orders; a thread busy {share:.0%} of every {slice_s * 1000:g} ms "
              "beside one of the two loops of each round (event loop's CPU, us a request)")
        tune_garbage_collector()  # as the ordertrail command does
        await loop_cpu_per_request(sims, known["jobs"], known["ivcap"])  # warm-up
        alone, shared = [], []
        for n in range(1, rounds + 1):
            for sharing in (n % 2 == 0, n % 2 == 1):
                if sharing:
                    with BusyThread(share, slice_s):
                        shared.append(await loop_cpu_per_request(sims, known["jobs"],
                                                                 known["ivcap"]))
                else:
                    alone.append(await loop_cpu_per_request(sims, known["jobs"],
                                                            known["ivcap"]))
            print(f"round {n}: alone {alone[-1]:6.1f}  sharing {shared[-1]:6.1f}  "
                  f"ratio {shared[-1] / alone[-1]:.2f}", flush=True)
        ratios = [s / a for s, a in zip(shared, alone, strict=True)]
        print(f"median ratio sharing/alone: {statistics.median(ratios):.2f} "
              f"(range {min(ratios):.2f}-{max(ratios):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--busy", type=float, default=0.4,
                        help="the share of each slice the thread runs Python code (0-1)")
    parser.add_argument("--slice", type=float, default=0.005, dest="slice_s",
                        help="seconds of one slice (CPython's switch interval: 0.005)")
    args = parser.parse_args()
    if args.orders < 2 or args.rounds < 1 or not 0 < args.busy < 1 or args.slice_s <= 0:
        parser.error("--orders >= 2, --rounds >= 1, 0 < --busy < 1 and --slice > 0")
    asyncio.run(measure(args.orders, args.rounds, args.busy, args.slice_s))


if __name__ == "__main__":
    main()
