"""A fifth vendor, entirely inside ``tests/``: its plugin, a tiny client and adapter, and a
tiny aiohttp simulator. It proves the plugin API is enough to add a vendor: nothing outside
``tests/`` knows it.

Toy's API: ``POST /orders`` (bearer token; ``{"item": ...}``) answers ``{"id": ...}``;
``GET /orders/{id}`` answers ``{"status": "running"}`` once, then ``{"status": "done",
"file": "/files/{id}"}``; ``GET /files/{id}`` is the result.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

import aiohttp
import msgspec
from aiohttp import web

from ordertrail.adapters.common.config_types import EnvVar, HttpURL
from ordertrail.adapters.common.download import Result, retrieve_results
from ordertrail.adapters.common.plugin import PluginBase, VendorSettings
from ordertrail.adapters.common.polled import Downloader, PolledVendor
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.views import OrderView
from ordertrail.domain.vocabulary import Source

TOKEN = "toy-token-0123456789"
RESULT = b"the toy vendor's report\n"


# ---------------------------------------------------------------- the simulator
@dataclass
class ToySim:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    reads: dict[str, int] = field(default_factory=dict)
    created_per_name: dict[str, int] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/orders", self.create)
        app.router.add_get("/orders/{id}", self.read)
        app.router.add_get("/files/{id}", self.file)
        return app

    def _authorized(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            raise web.HTTPUnauthorized()

    async def create(self, request: web.Request) -> web.Response:
        self._authorized(request)
        body = await request.json()
        order_id = f"toy-{next(self._ids)}"
        self.orders[order_id] = body
        self.created_per_name[body["name"]] = self.created_per_name.get(body["name"], 0) + 1
        return web.json_response({"id": order_id}, status=201)

    async def read(self, request: web.Request) -> web.Response:
        self._authorized(request)
        order_id = request.match_info["id"]
        if order_id not in self.orders:
            raise web.HTTPNotFound()
        self.reads[order_id] = self.reads.get(order_id, 0) + 1
        if self.reads[order_id] == 1:
            return web.json_response({"status": "running"})
        return web.json_response({"status": "done", "file": f"/files/{order_id}"})

    async def file(self, request: web.Request) -> web.Response:
        self._authorized(request)
        return web.Response(body=RESULT, content_type="text/plain", headers={
            "Content-Disposition": f'attachment; filename="{request.match_info["id"]}.txt"'})


@contextmanager
def serving(sim: ToySim) -> Iterator[str]:
    """``sim`` on loopback in a thread of its own (the CLI runs its own event loop); its URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(sim.app(), access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


# ---------------------------------------------------------------- the client and adapter
class ToyTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """``[vendors.toy]``."""

    base_url: HttpURL
    token_env: EnvVar


class ToyClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.auth_headers = {"Authorization": f"Bearer {token}"}

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        async with self.session.request(method, self.base_url + path,
                                        headers=self.auth_headers, **kwargs) as response:
            response.raise_for_status()
            answer: dict[str, Any] = await response.json()
            return answer

    async def create(self, name: str, request: Mapping[str, Any]) -> str:
        return str((await self._request("POST", "/orders", json={"name": name, **request}))["id"])

    async def read(self, order_id: str) -> dict[str, Any]:
        return await self._request("GET", f"/orders/{order_id}")


@dataclass
class ToyAdapter:
    client: ToyClient
    vendor: str = "toy"
    daily_cap: int | None = None
    max_concurrency: int = 2
    poll_batch_size: int = 1
    waiting_poll_interval: timedelta = timedelta(minutes=10)

    def submission_day(self, now: datetime) -> date:
        return now.date()

    def next_day_start(self, now: datetime) -> datetime:
        return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)

    def poll_interval(self, order: OrderView, now: datetime) -> timedelta:
        return timedelta(0)

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        return request_problem(request)

    async def probe(self) -> bool:
        return False

    async def submit(self, order: OrderView, now: datetime) -> list[c.AnyCommand]:
        ref = await self.client.create(str(order.id), order.vendor_request)
        return [c.Place(order_id=order.id, vendor_ref=ref, vendor_ref_kind="toy.order_id")]

    async def reconcile(self, order: OrderView, now: datetime) -> list[c.AnyCommand]:
        return []

    async def poll(self, orders: Sequence[OrderView], now: datetime) -> list[c.AnyCommand]:
        commands: list[c.AnyCommand] = []
        for order in orders:
            assert order.vendor_ref is not None
            answer = await self.client.read(order.vendor_ref)
            common: dict[str, Any] = {"order_id": order.id, "source": Source.POLL,
                                      "dedupe_key": f"{order.vendor_ref}:{answer['status']}"}
            if answer["status"] == "running":
                commands.append(c.ChangeStatus(**common, raw_status="running",
                                               normalized=State.IN_PROGRESS))
            elif answer["status"] == "done":
                commands += [
                    c.ChangeStatus(**common, raw_status="done", normalized=State.DELIVERED),
                    c.AnnounceResult(**common, result_ref="report", name="report.txt",
                                     media_type="text/plain",
                                     download_ref=self.client.base_url + answer["file"])]
        return commands

    async def retrieve(self, order: OrderView, download: Downloader,
                       now: datetime) -> list[c.AnyCommand]:
        results = [Result(ref, str(info["download_ref"]), fallback_name="report.txt",
                          media_type=info.get("media_type"))
                   for ref, info in order.results_available.items()
                   if ref not in order.results_retrieved]
        return await retrieve_results(order, results, download, self.client.auth_headers, now)

    async def close(self) -> None:
        return None


def request_problem(request: Mapping[str, Any]) -> str | None:
    if not isinstance(request.get("item"), str):
        return "item: expected a string"
    return None


# ---------------------------------------------------------------- the plugin
@dataclass(frozen=True)
class ToyPlugin(PluginBase):
    def table(self) -> type[msgspec.Struct]:
        return ToyTable

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        return request_problem(request)

    def build(self, settings: VendorSettings, session: aiohttp.ClientSession) -> PolledVendor:
        table: ToyTable = settings.table
        return ToyAdapter(ToyClient(session, table.base_url, settings.secret("token_env")))


PLUGIN = ToyPlugin(name="toy", title="Toy", ref_kind="toy.order_id",
                   stuck_after={"IN_PROGRESS": timedelta(minutes=5)})
