"""The polled and paid vendors' simulators on loopback in a background thread,
and an ``ordertrail.toml`` pointing at them, for tests that run the real CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ordertrail.adapters.ivcap.simulator import IvcapSim, start_ivcap_simulator
from ordertrail.adapters.planomatic.simulator import PlanomaticSim, start_planomatic_simulator
from ordertrail.adapters.planviewer.simulator import PlanviewerSim, start_planviewer_simulator

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Sims:
    planviewer: PlanviewerSim = field(default_factory=lambda: PlanviewerSim(daily_cap=1000))
    ivcap: IvcapSim = field(default_factory=IvcapSim)
    planomatic: PlanomaticSim = field(default_factory=PlanomaticSim)
    urls: dict[str, str] = field(default_factory=dict)


@contextmanager
def running(sims: Sims | None = None) -> Iterator[Sims]:
    sims = sims or Sims()
    loop = asyncio.new_event_loop()
    ready, stop = threading.Event(), asyncio.Event()
    failure: list[BaseException] = []

    async def serve() -> None:
        try:
            starts = (
                ("planviewer", start_planviewer_simulator(sim=sims.planviewer)),
                ("ivcap", start_ivcap_simulator(sim=sims.ivcap)),
                ("planomatic", start_planomatic_simulator(sim=sims.planomatic)),
            )
            runners = []
            for name, start in starts:
                runner, url, _ = await start
                runners.append(runner)
                sims.urls[name] = url
        except BaseException as error:  # surfaced to the test below
            failure.append(error)
            ready.set()
            return
        ready.set()
        await stop.wait()
        for runner in runners:
            await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(10)
    if failure:
        raise failure[0]
    try:
        yield sims
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def write_config(path: Path, sims: Sims, store_url: str, results: Path) -> dict[str, str]:
    """The config file, and the environment holding the credentials it names."""
    path.write_text(f"""
[store]
url = "{store_url}"

[results]
dir = "{results.as_posix()}"

[vendors.planviewer]
base_url = "{sims.urls['planviewer']}"
access_key_id_env = "TEST_PV_KEY"
access_key_secret_env = "TEST_PV_SECRET"
daily_cap = 1000
poll_interval_seconds = 0

[vendors.ivcap]
base_url = "{sims.urls['ivcap']}"
token_env = "TEST_IVCAP_TOKEN"
service_id = "urn:ivcap:service:test"
account_id = "urn:ivcap:account:test"
poll_interval_seconds = 0
# The simulators answer at once and nothing between holds a request back: look up an
# uncertain creation one second after it (the default waits two minutes).
reconcile_after_seconds = 1

[vendors.planomatic]
base_url = "{sims.urls['planomatic']}"
token_env = "TEST_PLANOMATIC_TOKEN"
""", encoding="utf-8")
    return {
        "TEST_PV_KEY": sims.planviewer.key_id, "TEST_PV_SECRET": sims.planviewer.secret,
        "TEST_IVCAP_TOKEN": sims.ivcap.token,
        "TEST_PLANOMATIC_TOKEN": next(iter(sims.planomatic.tokens)),
    }


def ordertrail(config: Path, *args: str, env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process (so it can be killed like a real one)."""
    return subprocess.run(
        [sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), *args],
        cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=timeout, check=False,
    )


def child_env(**extra: Any) -> dict[str, str]:
    return {k: str(v) for k, v in extra.items()}
