"""``ordertrail serve`` as a real process: PPW imports through its receiver, the JSON API
answers from the read models, and SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ordertrail.adapters.ppw import PPWSimulator
from ordertrail.adapters.ppw.config import sha1_hex
from ordertrail.adapters.store import open_tracker
from tests.integration.sims import ROOT

PASSWORD = "receiver-password"


def write_config(tmp_path: Path, store_url: str) -> Path:
    config = tmp_path / "ordertrail.toml"
    config.write_text(f"""
[store]
url = "{store_url}"

[results]
dir = "results"

[service]
host = "127.0.0.1"
port = 0

[vendors.ppw]
username = "ppw-import"
password_sha1_env = "TEST_PPW_PASSWORD_SHA1"
site_id = "site-123"
remote_site_id = "remote-456"
""", encoding="utf-8")
    return config


@contextmanager
def serving(config: Path) -> Iterator[str]:
    env = {**os.environ, "TEST_PPW_PASSWORD_SHA1": sha1_hex(PASSWORD)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), "serve"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith("listening on "), line + process.stderr.read()
        yield line.split()[-1]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0


def get(base: str, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_ppw_imports_through_the_service_and_the_api_reports_it(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    tracker = open_tracker(store_url)
    work_orders = [{"wo_number": f"WO-{n}", "address": "1 Main St", "city": "Springfield",
                    "state": "IL", "zip": "62701", "date_due": "20261201"} for n in range(3)]
    ids = [tracker.request_order("ppw", wo, wo["wo_number"]) for wo in work_orders]
    tracker.close()

    with serving(write_config(tmp_path, store_url)) as base:

        async def ppw_side() -> Any:
            async with PPWSimulator(f"{base}/ppw/receiver", "ppw-import", PASSWORD, "site-123",
                                    duplicates={"WO-2"}) as ppw:
                await ppw.validate_user()
                return await ppw.run_cycle()

        cycle = asyncio.run(ppw_side())
        assert len(cycle.imported) == 2 and len(cycle.duplicates) == 1

        status, listing = get(base, "/api/orders?vendor=ppw")
        assert status == 200
        states = {row["order_id"]: row["state"] for row in listing["orders"]}
        assert states == {str(ids[0]): "PLACED", str(ids[1]): "PLACED", str(ids[2]): "REJECTED"}
        status, one = get(base, f"/api/orders/{ids[0]}")
        assert status == 200 and one["state"] == "PLACED"
        status, history = get(base, f"/api/orders/{ids[0]}/history")
        assert [e["type"] for e in history["events"]][-2:] == ["Acked", "OrderPlaced"]
        assert get(base, "/api/attention")[0] == 200
        status, report = get(base, "/api/report?days=1")
        assert status == 200 and report["vendors"]
        status, missing = get(base, "/api/orders/00000000-0000-0000-0000-000000000000")
        assert status == 404 and "00000000-0000-0000-0000-000000000000" in missing["error"]
        assert get(base, "/api/orders?state=NOPE")[0] == 400


def test_a_wrong_ppw_password_is_refused_and_records_nothing(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    tracker = open_tracker(store_url)
    order = tracker.request_order("ppw", {"wo_number": "WO-1", "address": "1 Main St",
                                          "city": "X", "state": "IL", "zip": "1",
                                          "date_due": "20261201"}, "WO-1")
    tracker.close()
    with serving(write_config(tmp_path, store_url)) as base:

        async def intruder() -> Any:
            async with PPWSimulator(f"{base}/ppw/receiver", "ppw-import", "guess",
                                    "site-123") as ppw:
                return await ppw.post_payload(ppw.payload("get_all_orders", {}))

        envelope = asyncio.run(intruder())
        assert envelope["success"] is False and envelope["result_data"] in ([], "", None)
    tracker = open_tracker(store_url)
    assert [e.type for e in tracker.history(order)] == ["OrderRequested"]
    tracker.close()


@pytest.mark.parametrize("args", [["serve"], ["sync", "--follow"]])
def test_a_missing_credential_variable_is_one_clear_line(tmp_path: Path, args: list[str]) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    env = {k: v for k, v in os.environ.items() if k != "TEST_PPW_PASSWORD_SHA1"}
    done = subprocess.run([sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "TEST_PPW_PASSWORD_SHA1" in done.stderr
