"""SIGKILL the real ``ordertrail projections run`` after a batch's rows are written and before
they commit, again and again while new events arrive; the read models end equal to a rebuild
from zero, with every event in the audit log exactly once."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.store.engines import engine_for
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from tests.integration.test_cli_errors import ordertrail

KILLED = -9


def add_history(store_url: str, start: int, orders: int) -> int:
    """Orders with a few events each; returns how many events were written."""
    tracker = open_tracker(store_url)
    written = 0
    try:
        for n in range(start, start + orders):
            oid = tracker.request_order("ivcap", {"n": n}, f"k-{n}")
            tracker.execute([
                c.Place(order_id=oid, vendor_ref=f"ref-{n}", vendor_ref_kind="ivcap.order_id"),
                c.ChangeStatus(order_id=oid, raw_status="executing", normalized=State.IN_PROGRESS),
                c.ReportProgress(order_id=oid, current=1, total=2),
            ])
            written += 4
    finally:
        tracker.close()
    return written


def snapshot(store_url: str) -> dict[str, Any]:
    engine = engine_for(store_url)
    try:
        with engine.connect() as conn:
            return {
                "status": sorted(tuple(map(str, r)) for r in conn.execute(sa.text(
                    "select order_id, state, last_raw_status, progress_current, last_version "
                    "from order_status"))),
                "audit": conn.execute(sa.text("select count(*), count(distinct "
                                              "order_id || ':' || version) from audit_log")).one(),
                "health": sorted(tuple(map(str, r)) for r in conn.execute(sa.text(
                    "select vendor, hour, outcome, count from vendor_health"))),
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("seed", [0, 1])
def test_a_projection_runner_killed_mid_batch_ends_equal_to_a_rebuild(
    store_url: str, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    events = add_history(store_url, 0, 60)
    kills = 0
    store = ("--store", store_url)
    for round_ in range(4):
        crash = {"ORDERTRAIL_CRASH_AT": f"projection_before_commit:{rng.randint(1, 3)}"}
        done = ordertrail(*store, "projections", "run", "--batch-size", str(rng.randint(7, 50)),
                          cwd=tmp_path, env=crash)
        if done.returncode == KILLED:
            kills += 1
        else:
            assert done.returncode == 0, done.stderr
        events += add_history(store_url, 100 * (round_ + 1), 10)  # the ledger moves on meanwhile
    finished = ordertrail(*store, "projections", "run", "--batch-size", "25", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert kills >= 3
    caught_up = snapshot(store_url)
    assert tuple(caught_up["audit"]) == (events, events)  # every event once
    verify = ordertrail(*store, "projections", "verify", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    rebuilt = ordertrail(*store, "projections", "rebuild", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert snapshot(store_url) == caught_up
