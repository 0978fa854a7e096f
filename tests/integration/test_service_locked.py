"""``ordertrail serve`` as a real process, locked: 401 without the token on /api and /metrics,
a refusal to start beyond loopback without one, and the PPW receiver on its own listener."""

from __future__ import annotations

import asyncio
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
from tests.integration.test_service import PASSWORD

TOKEN = "serve-test-token-0123456789abcdef"
ENV = {"TEST_PPW_PASSWORD_SHA1": sha1_hex(PASSWORD), "TEST_API_TOKEN": TOKEN}


def write_config(tmp_path: Path, service: str) -> Path:
    config = tmp_path / "ordertrail.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{tmp_path / 'store.db'}"

[service]
{service}

[vendors.ppw]
username = "ppw-import"
password_sha1_env = "TEST_PPW_PASSWORD_SHA1"
site_id = "site-123"
remote_site_id = "remote-456"
""", encoding="utf-8")
    return config


def command(config: Path) -> list[str]:
    return [sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), "serve"]


@contextmanager
def serving(config: Path, listeners: int = 1) -> Iterator[list[str]]:
    """The base URL of each listener, in the order ``serve`` announces them."""
    process = subprocess.Popen(command(config), cwd=ROOT, env={**os.environ, **ENV},
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        bases = []
        for _ in range(listeners):
            line = process.stderr.readline()
            assert line.startswith("listening on "), line + process.stderr.read()
            bases.append(line.split()[2])
        yield bases
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0


def status_of(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_api_and_metrics_answer_401_without_the_token_and_200_with_it(
        tmp_path: Path) -> None:
    config = write_config(tmp_path, 'host = "127.0.0.1"\nport = 0\napi_token_env = "TEST_API_TOKEN"')
    with serving(config) as (base,):
        for path in ("/api/orders", "/api/attention", "/api/openapi.json", "/metrics"):
            assert status_of(base + path) == 401, path
            assert status_of(base + path, "not-the-token-but-long-enough") == 401, path
            assert status_of(base + path, TOKEN[:-1] + "X") == 401, path
        for path in ("/api/orders", "/api/attention", "/api/report", "/api/openapi.json"):
            assert status_of(base + path, TOKEN) == 200, path
        assert status_of(base + "/metrics", TOKEN) != 401


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_serve_refuses_an_api_beyond_loopback_without_a_token(tmp_path: Path, host: str) -> None:
    config = write_config(tmp_path, f'host = "{host}"\nport = 0')
    done = subprocess.run(command(config), cwd=ROOT, env={**os.environ, **ENV},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert host in done.stderr and "api_token_env" in done.stderr


def test_serve_listens_beyond_loopback_with_a_token(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'host = "0.0.0.0"\nport = 0\napi_token_env = "TEST_API_TOKEN"')
    with serving(config) as (base,):
        local = base.replace("0.0.0.0", "127.0.0.1")
        assert status_of(local + "/api/orders") == 401
        assert status_of(local + "/api/orders", TOKEN) == 200


def test_the_receiver_and_the_api_listen_apart(tmp_path: Path) -> None:
    tracker = open_tracker(f"sqlite:///{tmp_path / 'store.db'}")
    order = tracker.request_order("ppw", {"wo_number": "WO-1", "address": "1 Main St",
                                          "city": "X", "state": "IL", "zip": "1",
                                          "date_due": "20261201"}, "WO-1")
    tracker.close()
    config = write_config(tmp_path, 'host = "127.0.0.1"\nport = 0\nreceiver_port = 0\n'
                                     'api_token_env = "TEST_API_TOKEN"')
    with serving(config, listeners=2) as (api, receiver):
        assert api != receiver

        async def ppw_side() -> Any:
            async with PPWSimulator(f"{receiver}/ppw/receiver", "ppw-import", PASSWORD,
                                    "site-123") as ppw:
                await ppw.validate_user()
                return await ppw.run_cycle()

        cycle = asyncio.run(ppw_side())
        assert len(cycle.imported) == 1
        assert status_of(receiver + "/api/orders", TOKEN) == 404
        assert status_of(api + "/ppw/receiver") == 404
        assert status_of(api + f"/api/orders/{order}", TOKEN) == 200


def test_sync_follow_runs_its_receiver_where_the_receiver_is_configured(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'port = 0\nreceiver_host = "127.0.0.2"\nreceiver_port = 0')
    process = subprocess.Popen(
        [sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), "sync",
         "--follow"], cwd=ROOT, env={**os.environ, **ENV}, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith("listening on http://127.0.0.2:"), line

        async def ppw_side() -> Any:
            async with PPWSimulator(f"{line.split()[2]}/ppw/receiver", "ppw-import", PASSWORD,
                                    "site-123") as ppw:
                return await ppw.validate_user()

        asyncio.run(ppw_side())
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
