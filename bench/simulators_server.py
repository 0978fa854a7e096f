"""Both polled vendors' simulators in their own process, for benchmarks.

Prints one JSON line with their base URLs and credentials, then serves until
stdin closes. Jobs and orders run long, so every poll sees progress.

    python bench/simulators_server.py
"""

from __future__ import annotations

import asyncio
import json
import sys

from ordertrail.adapters.ivcap.simulator import IvcapSim, start_ivcap_simulator
from ordertrail.adapters.ivcap.simulator import Plan as IvcapPlan
from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim, start_planviewer_simulator


class LongPlans(dict[str, Plan]):
    def get(self, key: str, default: Plan | None = None) -> Plan:  # type: ignore[override]
        return Plan(steps=100_000)


async def main() -> None:
    pv = PlanviewerSim(daily_cap=10**9, plans=LongPlans())
    iv = IvcapSim(default_plan=IvcapPlan(executing_reads=10**9))
    pv_runner, pv_url, _ = await start_planviewer_simulator(sim=pv)
    iv_runner, iv_url, _ = await start_ivcap_simulator(sim=iv)
    print(json.dumps({"planviewer": pv_url, "ivcap": iv_url, "pv_key": pv.key_id,
                      "pv_secret": pv.secret, "iv_token": iv.token}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await pv_runner.cleanup()
    await iv_runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
