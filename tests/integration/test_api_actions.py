"""A system places an order through a real ``ordertrail serve`` and a person answers the
vendor's question through it, while ``ordertrail sync`` runs against the simulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from uuid import UUID

from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim
from ordertrail.adapters.store import open_tracker
from ordertrail.domain.state_machine import State
from tests.integration.sims import ROOT, Sims, ordertrail, running, write_config


def post(base: str, path: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def state(url: str, order_id: UUID) -> State:
    tracker = open_tracker(url)
    try:
        return tracker.get_order(order_id).state
    finally:
        tracker.close()


def test_an_order_placed_and_answered_through_the_api_completes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'o.db'}"
    sims = Sims(planviewer=PlanviewerSim(daily_cap=100, plans={"int-q": Plan(steps=3, wait_at=1)}))
    with running(sims):
        config = tmp_path / "ordertrail.toml"
        env = write_config(config, sims, url, tmp_path / "results")
        config.write_text(config.read_text() + "\n[service]\nport = 0\n")
        serve = subprocess.Popen(
            [sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), "serve"],
            cwd=ROOT, env={**os.environ, **env}, stderr=subprocess.PIPE, text=True)
        try:
            assert serve.stderr is not None
            base = serve.stderr.readline().split()[-1]
            order = {"vendor": "planviewer", "request": {"intention_uuid": "int-q",
                                                          "product": "p"},
                     "idempotency_key": "from-the-shop"}
            status, placed = post(base, "/api/orders", order)
            assert status == 201, placed
            oid = UUID(placed["id"])
            for _ in range(4):
                if state(url, oid) is State.WAITING_FOR_USER:
                    break
                assert ordertrail(config, "sync", "--once", env=env).returncode == 0
            assert state(url, oid) is State.WAITING_FOR_USER
            status, wrong = post(base, f"/api/orders/{oid}/choose", {"choice": "9"})
            assert status == 400 and "not one of the offered choices" in wrong["error"]
            status, answered = post(base, f"/api/orders/{oid}/choose", {"choice": "2"})
            assert status == 200 and answered["done"] == "answered 2", answered
        finally:
            serve.send_signal(signal.SIGTERM)
            assert serve.wait(20) == 0
        for _ in range(6):
            assert ordertrail(config, "sync", "--once", env=env).returncode == 0
    assert state(url, oid) is State.COMPLETED
    tracker = open_tracker(url)
    answered_events = [e for e in tracker.history(oid) if e.type == "UserInputProvided"]
    tracker.close()
    assert answered_events and answered_events[0].source == "human"
