"""A sync pass with nothing due: what it costs per open order, viewing every order or not.

In steady state most open orders wait for their next poll (Planviewer's every minute, IVCAP's
every five, after their first two minutes) while the engine runs a pass every five seconds.
Such a pass should cost what its due orders cost, not what every open order does. For each
size this seeds the open orders as ``bench/scale.py`` does, runs one pass that polls them all
with the vendors' default poll intervals and a clock an hour on (the orders are past their
first minutes), one more (the orders the first pass changed are looked at once more), and
then takes turns: a pass that views every open order (the baseline: ``look_at_every_order``,
as every pass did before) and ours, which leaves out those unchanged and not due. Printed per
size: the passes' medians, microseconds per open order, and ours over the baseline.

The case ``refused`` is the other where a pass has nothing to do: after the first two passes
both vendors refuse our credentials (recorded as a pass that met a 401 records it) and the
clock moves an hour further on and stops there, so every order is overdue, none may be polled,
and no probe of the credentials comes due. The baseline views every order; ours leaves them
all out.

    python bench/quiet_pass.py [--sizes 10000,100000] [--rounds 3] [--store sqlite|postgres]
                               [--cases nothing-due,refused]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale import seeded  # noqa: E402  (the scale benchmark's seeding and stores)

from ordertrail.adapters.common.download import SafeDownloader  # noqa: E402
from ordertrail.adapters.common.runtime import tune_garbage_collector  # noqa: E402
from ordertrail.adapters.common.secret import Secret  # noqa: E402
from ordertrail.adapters.ivcap.adapter import IvcapAdapter  # noqa: E402
from ordertrail.adapters.ivcap.client import IvcapClient  # noqa: E402
from ordertrail.adapters.ivcap.config import IvcapConfig  # noqa: E402
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter  # noqa: E402
from ordertrail.adapters.planviewer.client import PlanviewerClient  # noqa: E402
from ordertrail.adapters.planviewer.config import PlanviewerConfig  # noqa: E402
from ordertrail.adapters.store import open_tracker  # noqa: E402
from ordertrail.adapters.sync.engine import SyncEngine  # noqa: E402
from ordertrail.domain import commands as c  # noqa: E402
from ordertrail.domain.tracker import Tracker  # noqa: E402

LATER = timedelta(hours=1)
"""The engine's clock runs this far ahead: the seeded orders are past their fast polls."""


CASES = {"nothing-due": "nothing due",
         "refused": "every order overdue, credentials refused"}


def an_hour_on() -> datetime:
    return datetime.now(UTC) + LATER


def refuse_credentials(tracker: Tracker, at: datetime) -> None:
    """Both vendors' credentials refused at ``at``, as a pass records a 401."""
    tracker.execute([c.RefuseCredentials(vendor=vendor, operation="poll", http_status=401,
                                         message="HTTP 401", at=at)
                     for vendor in ("planviewer", "ivcap")])


async def measure(kind: str, orders: int, rounds: int, refused: bool) -> dict[str, float]:
    with seeded(kind, orders) as run:
        sims = json.loads(run.sims_json)
        tracker = open_tracker(run.url)
        try:
            async with aiohttp.ClientSession() as session:
                pv = PlanviewerConfig(sims["pv_key"], Secret(sims["pv_secret"]),
                                      base_url=sims["planviewer"], daily_cap=10**9)
                iv = IvcapConfig(Secret(sims["iv_token"]), sims["ivcap"])
                engine = SyncEngine(tracker, {
                    "planviewer": PlanviewerAdapter(PlanviewerClient(session, pv), pv),
                    "ivcap": IvcapAdapter(IvcapClient(session, iv), iv),
                }, SafeDownloader(session, run.folder), clock=an_hour_on)
                first = await engine.run_once()
                assert first.polled == orders, f"the first pass polled {first.polled} of {orders}"
                await engine.run_once()
                if refused:
                    stopped = an_hour_on() + LATER
                    refuse_credentials(tracker, stopped - timedelta(seconds=10))
                    engine.clock = lambda: stopped  # no probe's minute comes round
                every: list[float] = []
                ours: list[float] = []
                for _ in range(rounds):
                    for look, times in ((True, every), (False, ours)):
                        engine.look_at_every_order = look
                        report = await engine.run_once()
                        assert report.polled == 0 and report.open_orders == orders
                        times.append(report.seconds)
                left_out = report.left_out
        finally:
            tracker.close()
    return {"first": first.seconds, "every": statistics.median(every),
            "ours": statistics.median(ours), "left_out": left_out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--cases", default=",".join(CASES),
                        help="nothing-due: every order waits for its next poll; refused: every "
                             "order overdue, both vendors refusing our credentials")
    args = parser.parse_args()
    cases = args.cases.split(",")
    if not cases or set(cases) - set(CASES):
        parser.error(f"--cases: choose among {', '.join(CASES)}")
    tune_garbage_collector()  # as the ordertrail command does
    for case in cases:
        print(f"{args.store}: a pass with {CASES[case]}, medians of {args.rounds} (seconds; "
              "us per open order)")
        print(f"{'orders':>8} {'first pass':>11} {'every order':>12} {'ours':>8} "
              f"{'left out':>9} {'us/order: every':>16} {'ours':>6} {'ratio ours/every':>17}")
        for size in (int(s) for s in args.sizes.split(",")):
            r = asyncio.run(measure(args.store, size, args.rounds, case == "refused"))
            print(f"{size:>8,} {r['first']:>11.2f} {r['every']:>12.3f} {r['ours']:>8.3f} "
                  f"{r['left_out']:>9,.0f} {r['every'] / size * 1e6:>16.1f} "
                  f"{r['ours'] / size * 1e6:>6.1f} {r['ours'] / r['every']:>17.2f}", flush=True)


if __name__ == "__main__":
    main()
