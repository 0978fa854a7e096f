"""Two real ``ordertrail sync --follow`` workers on one PostgreSQL store split the open
orders by lease; SIGKILL one and the other takes its orders over once their leases expire."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from ordertrail.adapters.ivcap.simulator import IvcapSim
from ordertrail.adapters.ivcap.simulator import Plan as IvcapPlan
from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim
from ordertrail.adapters.store.engines import engine_for
from tests.integration.sims import ROOT, Sims, running, write_config
from tests.integration.test_crash_recovery import (
    check_nothing_lost_or_doubled,
    place,
    settled,
    views,
)


class SlowPlans(dict[str, Plan]):
    def get(self, key: str, default: Plan | None = None) -> Plan:  # type: ignore[override]
        return Plan(steps=12)


@contextmanager
def worker(config: Path, name: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), "sync", "--follow",
         "--worker", name],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(20)


def lease_owners(store_url: str) -> set[str]:
    engine = engine_for(store_url)
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(sa.text("select owner from ordertrail_leases"))}
    except sa.exc.ProgrammingError:
        return set()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_two_workers_split_the_orders_and_one_takes_over_when_the_other_dies(
    postgres_url: str, tmp_path: Path
) -> None:
    place(postgres_url, n=6)
    sims = Sims(planviewer=PlanviewerSim(daily_cap=1000, plans=SlowPlans()),
                ivcap=IvcapSim(default_plan=IvcapPlan(executing_reads=12)))
    with running(sims):
        config = tmp_path / "ordertrail.toml"
        env = write_config(config, sims, postgres_url, tmp_path / "results")
        with config.open("a") as extra:
            extra.write("\n[sync]\npass_interval_seconds = 0.2\nlease_seconds = 2\n")
        seen: set[str] = set()
        with worker(config, "worker-a", env) as a, worker(config, "worker-b", env) as b:
            deadline = time.monotonic() + 30
            while seen != {"worker-a", "worker-b"} and time.monotonic() < deadline:
                seen |= lease_owners(postgres_url)
                time.sleep(0.1)
            assert seen == {"worker-a", "worker-b"}, f"only {seen} ever held a lease"
            a.send_signal(signal.SIGKILL)
            a.wait(10)
            deadline = time.monotonic() + 60
            while not all(settled(v) for v in views(postgres_url)):
                assert b.poll() is None, b.stderr.read() if b.stderr else ""
                assert time.monotonic() < deadline, [(v.vendor, v.state) for v in
                                                     views(postgres_url)]
                time.sleep(0.3)
            assert lease_owners(postgres_url) <= {"worker-b"}
        check_nothing_lost_or_doubled(sims, views(postgres_url), postgres_url,
                                      tmp_path / "results")
