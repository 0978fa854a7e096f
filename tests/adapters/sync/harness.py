"""Both polled vendors' simulators on loopback, their adapters and a sync engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.client import IvcapClient
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.ivcap.simulator import IvcapSim, start_ivcap_simulator
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.client import PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.planviewer.simulator import PlanviewerSim, start_planviewer_simulator
from ordertrail.adapters.store.leases import LeaseBook
from ordertrail.adapters.sync.engine import SyncEngine
from ordertrail.domain.tracker import Tracker


@dataclass
class Rig:
    engine: SyncEngine
    planviewer: PlanviewerSim
    ivcap: IvcapSim
    session: aiohttp.ClientSession
    adapters: dict[str, Any]


@asynccontextmanager
async def rig(tracker: Tracker, results: Path, *, daily_cap: int = 10,
              pv: PlanviewerSim | None = None, iv: IvcapSim | None = None,
              leases: LeaseBook | None = None, max_bytes: int = 100 << 20,
              poll_seconds: float = 0, waiting_seconds: float | None = None,
              **engine_options: Any) -> AsyncIterator[Rig]:
    """``poll_seconds``: both vendors' poll intervals (0: every order is polled every pass);
    ``waiting_seconds``: Planviewer's slow check of a job waiting for an answer (by default
    ``poll_seconds``)."""
    pv_runner, pv_url, pv_sim = await start_planviewer_simulator(sim=pv)
    iv_runner, iv_url, iv_sim = await start_ivcap_simulator(sim=iv)
    try:
        async with aiohttp.ClientSession() as session:
            pv_config = PlanviewerConfig("demo-key", Secret(pv_sim.secret), base_url=pv_url,
                                         daily_cap=daily_cap, poll_fast_seconds=poll_seconds,
                                         poll_slow_seconds=poll_seconds,
                                         poll_waiting_seconds=poll_seconds
                                         if waiting_seconds is None else waiting_seconds,
                                         retries=1)
            iv_config = IvcapConfig(Secret(iv_sim.token), iv_url, service_id="urn:s",
                                    account_id="urn:a", poll_fast_seconds=poll_seconds,
                                    poll_slow_seconds=poll_seconds, retries=1)
            adapters = {
                "planviewer": PlanviewerAdapter(PlanviewerClient(session, pv_config), pv_config),
                "ivcap": IvcapAdapter(IvcapClient(session, iv_config), iv_config),
            }
            engine = SyncEngine(tracker, adapters, SafeDownloader(session, results, max_bytes=max_bytes),
                                leases=leases, **engine_options)
            yield Rig(engine, pv_sim, iv_sim, session, adapters)
    finally:
        await pv_runner.cleanup()
        await iv_runner.cleanup()
