"""Where a sync pass's CPU goes, stage by stage, in CPU seconds of the threads doing it.

The orders are seeded as ``bench/scale.py`` seeds them; then this process runs ``--passes``
passes of our sync engine over them, and the bare loop once (its request rate against the
last pass's is printed as the ratio). Per pass it prints the pass's
wall time, the CPU of the whole process, of the event loop's thread (requests, decoding,
translation, the engine), of recording (``Tracker.execute``, in worker threads) and of listing
the open orders (``open_order_chunks``, in worker threads), and the time the cyclic garbage
collector took. Unlike a sampling profile these are exact and cost nothing measurable; run it
on a quiet machine, and compare passes of the same number (the first is cold, and the orders
change less from pass to pass). ``busy`` is the process's CPU over its wall time (1.00: one
core, all the GIL allows), and ``sims`` the simulators' CPU in the same time: for our pass and
for the bare loop, they show which side waits for which.

    python bench/scale_split.py [--store sqlite|postgres] [--orders 100000] [--passes 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale import seeded  # noqa: E402  (the scale benchmark's seeding and stores)
from sync_throughput import bare, ours  # noqa: E402


class Split:
    """CPU seconds of each stage since the last ``take``."""

    def __init__(self, tracker: Any) -> None:
        self.recording = self.listing = self.gc = 0.0
        self.commands = self.collections = 0
        self._gc_started = 0.0
        execute, chunks = tracker.execute, tracker.open_order_chunks

        def timed_execute(commands: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return execute(commands, *args, **kwargs)
            finally:
                self.recording += time.thread_time() - started
                self.commands += len(commands)

        def timed_chunks(*args: Any, **kwargs: Any) -> Iterator[Any]:
            listed = chunks(*args, **kwargs)
            while True:
                started = time.thread_time()
                chunk = next(listed, None)
                self.listing += time.thread_time() - started
                if chunk is None:
                    return
                yield chunk

        tracker.execute = timed_execute
        tracker.open_order_chunks = timed_chunks
        gc.callbacks.append(self._collected)

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc += time.perf_counter() - self._gc_started
            self.collections += 1

    def take(self) -> dict[str, float]:
        taken = {"recording": self.recording, "commands": self.commands,
                 "listing": self.listing, "gc": self.gc, "collections": self.collections}
        self.recording = self.listing = self.gc = 0.0
        self.commands = self.collections = 0
        return taken


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(kind: str, orders: int, passes: int) -> None:
    from ordertrail.adapters.common.runtime import tune_garbage_collector
    from ordertrail.adapters.store import open_tracker

    with seeded(kind, orders) as run:
        sims, simulators = json.loads(run.sims_json), run.simulators_pid
        tune_garbage_collector()  # as the ordertrail command does
        tracker = open_tracker(run.url)
        split = Split(tracker)
        print(f"{kind}, {orders:,} open orders (CPU seconds; per order in us)")
        print(f"{'pass':>4} {'wall s':>7} {'CPU':>7} {'busy':>5} {'sims':>5} {'loop':>7} "
              f"{'recording':>10} {'commands':>9} {'listing':>8} {'GC':>6} "
              f"{'us/order: loop rec list':>24}")
        our_requests, wall = 0, 0.0
        for n in range(1, passes + 1):
            cpu, loop, sim = time.process_time(), time.thread_time(), cpu_seconds(simulators)
            our_requests, _, wall = await ours(sims, tracker, run.folder)
            cpu, loop = time.process_time() - cpu, time.thread_time() - loop
            sim = cpu_seconds(simulators) - sim
            s = split.take()
            per = [x / orders * 1e6 for x in (loop, s["recording"], s["listing"])]
            print(f"{n:>4} {wall:>7.2f} {cpu:>7.2f} {cpu / wall:>5.2f} {sim:>5.2f} "
                  f"{loop:>7.2f} {s['recording']:>10.2f} "
                  f"{s['commands']:>9,.0f} {s['listing']:>8.2f} {s['gc']:>6.2f} "
                  f"{per[0]:>10.0f} {per[1]:>5.0f} {per[2]:>5.0f}", flush=True)
        tracker.close()
        known = json.loads(run.refs.read_text())
        loop, sim = time.thread_time(), cpu_seconds(simulators)
        requests, bare_wall = await bare(sims, known["jobs"], known["ivcap"])
        loop, sim = time.thread_time() - loop, cpu_seconds(simulators) - sim
        print(f"bare loop: {bare_wall:.2f} s wall, {loop:.2f} s CPU (busy "
              f"{loop / bare_wall:.2f}), sims {sim:.2f} s, {requests:,} requests; "
              "ratio of request rates, the last pass to it: "
              f"{(our_requests / wall) / (requests / bare_wall):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    if args.passes < 1 or args.orders < 2:
        parser.error("--passes must be at least 1 and --orders at least 2")
    asyncio.run(measure(args.store, args.orders, args.passes))


if __name__ == "__main__":
    main()
