"""The service app (API, guard, receiver) on loopback in a thread, over a real SQLite store,
with a configuration file as a user writes it; ``call`` speaks plain HTTP to it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from ordertrail.adapters.config import load_config
from ordertrail.adapters.ppw.config import sha1_hex
from ordertrail.adapters.service.app import make_service
from ordertrail.adapters.service.read_side import ProjectedReadSide
from ordertrail.adapters.store import open_tracker
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import served_in_thread

TOKEN = "a-test-token-of-32-characters-00"
CONFIG = """
[store]
url = "{url}"

[service]
api_token_env = "TEST_API_TOKEN"

[vendors.planviewer]
access_key_id_env = "TEST_PV_ID"
access_key_secret_env = "TEST_PV_SECRET"

[vendors.ivcap]
base_url = "http://127.0.0.1:9"
token_env = "TEST_IVCAP_TOKEN"

[vendors.ppw]
username = "ppw-import"
password_sha1_env = "TEST_PPW_SHA1"
site_id = "site-1"
remote_site_id = "remote-1"
"""
"""Three vendors configured; PlanOmatic is not."""


@dataclass
class Served:
    base: str
    tracker: Tracker
    app: web.Application


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    for name, value in {"TEST_API_TOKEN": TOKEN, "TEST_PV_ID": "id", "TEST_PV_SECRET": "secret",
                        "TEST_IVCAP_TOKEN": "t", "TEST_PPW_SHA1": sha1_hex("pw")}.items():
        monkeypatch.setenv(name, value)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    file = tmp_path / "ordertrail.toml"
    file.write_text(CONFIG.format(url=url), encoding="utf-8")
    config = load_config(file)
    tracker = open_tracker(url)
    read_side = ProjectedReadSide(tracker, url)
    service = make_service(tracker, read_side, config)
    try:
        with served_in_thread(service.main.app) as base:
            yield Served(base, tracker, service.main.app)
    finally:
        read_side.close()
        if service.vendor_receiver is not None:
            service.vendor_receiver.close()
        tracker.close()


def call(base: str, method: str, path: str, body: Any = None, token: str | None = TOKEN,
         raw: bytes | None = None) -> tuple[int, Any, dict[str, str]]:
    """(status, decoded JSON body, headers) of one request; ``raw`` is sent as it is."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)
