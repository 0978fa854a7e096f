"""Helpers for tests that watch a real ordertrail process: run it with its stderr read line by
line, scrape its metrics, and receive its alerts on a real aiohttp webhook."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.sims import ROOT


class Running:
    """A real ``ordertrail`` child process whose stderr lines are collected as they come."""

    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), *args],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def line(self, test: Callable[[str], bool], timeout: float = 30) -> str:
        """The first stderr line passing ``test``, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in list(self.lines) if test(line)), None)
            if found is not None:
                return found
            if self.process.poll() is not None:
                self._reader.join(5)
                break
            time.sleep(0.05)
        raise AssertionError("no such line; stderr so far:\n" + "\n".join(self.lines[-40:]))

    def url(self, prefix: str) -> str:
        """The address printed on the line starting with ``prefix`` (``listening on``)."""
        return self.line(lambda line: line.startswith(prefix)).split()[-1]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self._reader.join(5)
        return code

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(url: str) -> tuple[int, Any]:
    status, body = get(url)
    return status, json.loads(body)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    """Every sample at ``url`` (Prometheus text), by (name, labels)."""
    status, body = get(url)
    assert status == 200, body
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples}


def sample(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def until(check: Callable[[], Any], timeout: float = 30, every: float = 0.1) -> Any:
    """Wait until ``check()`` is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


@dataclass
class Webhook:
    """A real aiohttp webhook in a background thread; keeps every JSON body posted to it."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@contextmanager
def webhook(path: str = "/hook") -> Iterator[Webhook]:
    hook = Webhook()
    loop = asyncio.new_event_loop()
    ready, stop = threading.Event(), asyncio.Event()

    async def handle(request: web.Request) -> web.Response:
        hook.posts.append(await request.json())
        return web.Response(status=204)

    async def serve() -> None:
        app = web.Application()
        app.router.add_post(path, handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}{path}"
        ready.set()
        await stop.wait()
        await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield hook
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
