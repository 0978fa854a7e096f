"""A person's instructions to PPW, end to end: `ordertrail cancel`, `ppw update`, `ppw rtv` and
`ppw complete` queue offers that a running `ordertrail serve` hands PPW on its next
get_all_updates; PPW's acks record the outcomes, repeated acks record nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ordertrail.adapters.ppw import PPWSimulator
from ordertrail.adapters.ppw.config import sha1_hex
from ordertrail.adapters.store import open_tracker
from ordertrail.domain.state_machine import State
from tests.integration.sims import ROOT
from tests.integration.test_service import PASSWORD, serving, write_config


def ordertrail(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEST_PPW_PASSWORD_SHA1": sha1_hex(PASSWORD)}
    return subprocess.run([sys.executable, "-m", "ordertrail", "--config", str(config), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                          check=False)


def work_order(n: int) -> dict[str, Any]:
    return {"wo_number": f"WO-{n}", "address": "1 Main St", "city": "Springfield", "state": "IL",
            "zip": "62701", "date_due": "20261201",
            "line_items": [{"desc": "Lawn", "qty": "1", "price": "45.00", "total": "45.00"}]}


def test_instructions_reach_ppw_on_its_next_call_and_its_acks_settle_them(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    tracker = open_tracker(store_url)
    update, cancel, rtv, complete, early = (
        tracker.request_order("ppw", work_order(n), f"WO-{n}") for n in range(5))
    tracker.close()
    config = write_config(tmp_path, store_url)
    assert "cancelled" in ordertrail(config, "cancel", str(early)).stdout  # not yet offered

    with serving(config) as base:
        async def ppw_cycle(ready: list[str] | None = None) -> Any:
            async with PPWSimulator(f"{base}/ppw/receiver", "ppw-import", PASSWORD,
                                    "site-123") as ppw:
                for report_id in ready or []:
                    await ppw.send_ready_for_office(report_id)
                cycle = await ppw.run_cycle()
                for ack in list(ppw.acks_sent):
                    await ppw.ack(ack["transaction_id"], status="success")  # PPW repeats itself
                return cycle

        first = asyncio.run(ppw_cycle())
        assert len(first.imported) == 4  # the early one was cancelled before any offer
        tracker = open_tracker(store_url)
        ref = {o: tracker.get_order(o).vendor_ref for o in (update, cancel, rtv, complete)}
        tracker.close()
        assert all(ref.values())

        done = ordertrail(config, "ppw", "update", str(update), "lot_size", "45,000 sqft")
        assert done.returncode == 0, done.stderr
        done = ordertrail(config, "cancel", str(cancel), "--reason", "no longer needed")
        assert done.returncode == 0 and "Cancel offered to PPW" in done.stdout, done.stderr
        second = asyncio.run(ppw_cycle(ready=[ref[rtv], ref[complete]]))
        assert {(u["wo_status"], u["report_id"]) for u in second.updates} == {
            ("Update", ref[update]), ("Cancel", ref[cancel])}

        assert ordertrail(config, "ppw", "rtv", str(rtv), "--reason", "photos missing").returncode == 0
        assert ordertrail(config, "ppw", "complete", str(complete)).returncode == 0
        third = asyncio.run(ppw_cycle())
        assert {u["wo_status"] for u in third.updates} == {"RTV", "Complete"}
        fourth = asyncio.run(ppw_cycle())
        assert fourth.updates == [] and fourth.imported == []  # settled: offered no more

    tracker = open_tracker(store_url)
    try:
        history = {o: [e.type for e in tracker.history(o)] for o in (update, cancel, rtv, complete)}
        assert history[update][-2:] == ["AmendmentSent", "Acked"]
        assert history[cancel][-3:] == ["CancellationRequested", "Acked", "Cancelled"]
        assert tracker.get_order(cancel).state is State.CANCELLED
        assert tracker.get_order(rtv).state is State.IN_PROGRESS
        assert history[rtv][-2:] == ["Acked", "ReturnedToVendor"]
        assert tracker.get_order(complete).state is State.COMPLETED
        assert tracker.get_order(early).state is State.CANCELLED
        acked = [e.fields["transaction_id"] for o in history for e in tracker.history(o)
                 if e.type == "Acked"]
        assert len(acked) == 8 == len(set(acked))  # four imports, four instructions; no repeat
    finally:
        tracker.close()


def test_an_instruction_the_order_cannot_take_is_one_line_and_nothing_is_offered(
    tmp_path: Path
) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    tracker = open_tracker(store_url)
    order = tracker.request_order("ppw", work_order(1), "WO-1")
    tracker.close()
    config = write_config(tmp_path, store_url)
    done = ordertrail(config, "ppw", "complete", str(order))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "REQUESTED" in done.stderr
