"""An IVCAP Orders API simulator (seed 003, vendor-spec B.7).

Orders advance one status per read (pending -> executing -> finished, or
error). Controls on ``IvcapSim``: per-name ``plans``, ``fail_next_create``
(an HTTP status to answer the next create with; 400 answers an empty body
like an invalid credential), ``drop_next_creates`` (create, then close the
connection), ``lose_next_creates`` (close before creating), ``unknown_status``
and ``read_failures`` (5xx or 429 on reads, with ``retry_after`` as the
``Retry-After`` header). ``created_per_name`` counts orders; ``log`` keeps
every request with its time.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

FILTER = re.compile(r"^\s*(name|status)\s+eq\s+'((?:[^']|'')*)'\s*$")


@dataclass
class Plan:
    executing_reads: int = 1
    ends: str = "finished"
    products: int = 1
    product_size: int = 2048


@dataclass
class Order:
    id: str
    name: str
    request: dict[str, Any]
    plan: Plan
    reads: int = 0

    @property
    def status(self) -> str:
        if self.reads == 0:
            return "pending"
        if self.reads <= self.plan.executing_reads:
            return "executing"
        return self.plan.ends


@dataclass
class IvcapSim:
    token: str = "ivcap-demo-token"
    plans: dict[str, Plan] = field(default_factory=dict)
    default_plan: Plan = field(default_factory=Plan)
    fail_next_create: int | None = None
    fail_body: dict[str, Any] | None = None
    drop_next_creates: int = 0
    lose_next_creates: int = 0
    unavailable_after_create: int = 0
    """Create the order, then answer 503 as an overloaded gateway would."""
    unknown_status: str | None = None
    shapeless_next_lists: int = 0
    """Answer that many order listings 200 with a JSON object that is not a list of orders
    (no ``orders`` field), as a confused gateway or cache might."""
    read_failures: int = 0
    read_failure_status: int = 503
    """What each of ``read_failures`` answers (503, 429, 500...)."""
    retry_after: str | None = None
    """A ``Retry-After`` header sent with read failures and ``fail_next_create``."""
    orders: dict[str, Order] = field(default_factory=dict)
    created_per_name: Counter[str] = field(default_factory=Counter)
    base_url: str = ""
    read_refusals: dict[str, int] = field(default_factory=dict)
    """Order id -> the HTTP status every read of it answers (404, 403, 501)."""
    requests: Counter[str] = field(default_factory=Counter)
    """Every request received, by method and route (``"GET /1/orders/{id}"``)."""
    log: list[tuple[float, str]] = field(default_factory=list)
    """The same requests in the order they came, each with its ``time.monotonic()``."""

    @property
    def failure_headers(self) -> dict[str, str] | None:
        return {"Retry-After": self.retry_after} if self.retry_after is not None else None

    def add_order(self, name: str, plan: Plan | None = None) -> Order:
        """An order that exists at IVCAP without our asking (another one carrying ``name``)."""
        order = Order(str(uuid.uuid4()), name, {"name": name}, plan or Plan())
        self.orders[order.id] = order
        return order

    def body(self, order: Order) -> dict[str, Any]:
        status = self.unknown_status or order.status
        products = []
        if status == "finished":
            for i in range(order.plan.products):
                pid = f"{order.id}-p{i}"
                products.append({
                    "id": pid, "name": f"result-{i}.csv", "status": "ready", "mime-type": "text/csv",
                    "size": order.plan.product_size,
                    "links": {"self": f"/1/products/{pid}", "data": f"{self.base_url}/1/data/{pid}",
                              "describedBy": {"href": "urn:ivcap:schema:product", "type": "json"}}})
        return {
            "id": order.id, "name": order.name, "status": status, "ordered_at": "2026-11-22",
            "metadata": order.request.get("metadata", []),
            "parameters": order.request.get("parameters", []), "products": products,
            "account": {"id": order.request.get("accountID", ""), "links": {"self": ""}},
            "service": {"id": order.request.get("serviceID", ""), "links": {"self": ""}},
            "links": {"self": f"/1/orders/{order.id}"},
        }


SIM = web.AppKey("ivcap_sim", IvcapSim)


@web.middleware
async def bearer(request: web.Request, handler: Any) -> web.StreamResponse:
    sim = request.app[SIM]
    route = request.match_info.route.resource
    what = f"{request.method} {route.canonical if route else request.path}"
    sim.requests[what] += 1
    sim.log.append((time.monotonic(), what))
    header = request.headers.get("Authorization", "")
    if not header:
        return web.Response(status=401)
    if header != f"Bearer {sim.token}":
        return web.Response(status=400)  # seed-era API: invalid credential, empty body
    response: web.StreamResponse = await handler(request)
    return response


def close_without_answer(request: web.Request) -> web.StreamResponse:
    """Close the connection without answering: the client sees a dropped response."""
    assert request.transport is not None
    request.transport.close()
    return web.Response()  # never sent: the transport is gone


async def create(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM]
    if sim.lose_next_creates > 0:
        sim.lose_next_creates -= 1
        return close_without_answer(request)
    if sim.fail_next_create is not None:
        status, sim.fail_next_create = sim.fail_next_create, None
        if sim.fail_body is None:
            return web.Response(status=status, headers=sim.failure_headers)
        return web.json_response(sim.fail_body, status=status, headers=sim.failure_headers)
    try:
        body = json.loads(await request.read())
    except ValueError:
        return web.json_response({"message": "body is not JSON"}, status=400)
    if not isinstance(body, dict) or not body.get("serviceID") or not body.get("accountID"):
        return web.json_response({"message": "serviceID and accountID are required"}, status=400)
    if not isinstance(body.get("parameters"), list):
        return web.json_response({"message": "parameters is required", "name": "parameters"},
                                 status=422)
    name = str(body.get("name") or "")
    order = Order(str(uuid.uuid4()), name, body, sim.plans.get(name, Plan(**vars(sim.default_plan))))
    sim.orders[order.id] = order
    sim.created_per_name[name] += 1
    if sim.drop_next_creates > 0:
        sim.drop_next_creates -= 1
        return close_without_answer(request)
    if sim.unavailable_after_create > 0:
        sim.unavailable_after_create -= 1
        return web.Response(status=503)
    return web.json_response(sim.body(order), status=200)


async def read(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    if sim.read_failures > 0:
        sim.read_failures -= 1
        return web.Response(status=sim.read_failure_status, headers=sim.failure_headers)
    order = sim.orders.get(request.match_info["id"])
    refusal = sim.read_refusals.get(request.match_info["id"])
    if order is None or refusal == 404:
        return web.json_response({"id": request.match_info["id"], "message": "order not found"},
                                 status=404)
    if refusal is not None:
        return web.json_response({"id": str(uuid.uuid4()), "message": f"refused ({refusal})"},
                                 status=refusal)
    answer = sim.body(order)
    order.reads += 1
    return web.json_response(answer)


async def list_orders(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    if sim.shapeless_next_lists > 0:
        sim.shapeless_next_lists -= 1
        return web.json_response({"status": "ok", "id": []})
    query = request.query
    try:
        limit = int(query.get("limit", query.get("$top", "10")))
        offset = int(query.get("pageToken", query.get("$skip", query.get("offset", "0"))))
    except ValueError:
        return web.json_response({"message": "limit and paging must be integers"}, status=400)
    if not 1 <= limit <= 50 or offset < 0:
        return web.json_response({"message": "limit must be 1..50"}, status=400)
    orders = list(sim.orders.values())
    if "$filter" in query:
        match = FILTER.match(query["$filter"])
        if match is None:
            return web.json_response({"message": "unsupported $filter"}, status=400)
        key, value = match.group(1), match.group(2).replace("''", "'")
        orders = [o for o in orders if (o.name if key == "name" else o.status) == value]
    if query.get("$orderby", "").startswith("name"):
        orders.sort(key=lambda o: o.name, reverse=query["$orderby"].endswith("desc"))
    page = orders[offset:offset + limit]
    links: dict[str, str] = {"self": str(request.rel_url), "first": "/1/orders"}
    if offset + limit < len(orders):
        nxt = dict(query)
        nxt.pop("$skip", None)
        nxt["pageToken"] = str(offset + limit)
        links["next"] = str(request.rel_url.with_query(nxt))
    items = [{"id": o.id, "name": o.name, "status": o.status, "ordered_at": "2026-11-22",
              "finished_at": "", "account_id": "", "service_id": "",
              "links": {"self": f"/1/orders/{o.id}"}} for o in page]
    return web.json_response({"orders": items, "links": links})


async def data(request: web.Request) -> web.Response:
    pid = request.match_info["pid"]
    order = request.app[SIM].orders.get(pid.rsplit("-p", 1)[0])
    if order is None:
        return web.Response(status=404)
    body = (f"product,{pid}\n".encode() * order.plan.product_size)[:order.plan.product_size]
    return web.Response(body=body, content_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{pid}.csv"'})


def make_app(sim: IvcapSim) -> web.Application:
    app = web.Application(middlewares=[bearer])
    app[SIM] = sim
    app.router.add_get("/1/orders", list_orders)
    app.router.add_post("/1/orders", create)
    app.router.add_get("/1/orders/{id}", read)
    app.router.add_get("/1/data/{pid}", data)
    return app


async def start_ivcap_simulator(
    host: str = "127.0.0.1", port: int = 0, sim: IvcapSim | None = None
) -> tuple[web.AppRunner, str, IvcapSim]:
    sim = sim or IvcapSim()
    runner = web.AppRunner(make_app(sim), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    sim.base_url = f"http://{host}:{bound}"
    return runner, sim.base_url, sim
