"""A read-only JSON API over the tracker and the read models.

    GET /api/orders?vendor=&state=&needs_attention=1&limit=   orders (read model)
    GET /api/orders/{order_id}                               one order (tracker)
    GET /api/orders/{order_id}/history                       its audit timeline
    GET /api/attention                                       what needs a person
    GET /api/report?days=                                    per vendor and day

Blocking store calls run in worker threads. Unknown ids answer 404 and bad
parameters 400, each with ``{"error": "<one line>"}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from ordertrail.adapters.common.jsonable import to_jsonable
from ordertrail.domain.errors import DomainError, MalformedOrderIdError, OrderNotFoundError, UnknownStateError
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vendors import Vendor


class ReadSide(Protocol):
    """The queries the API needs from the read models."""

    def list_orders(
        self, vendor: str | None, state: str | None, needs_attention: bool, limit: int
    ) -> list[dict[str, Any]]: ...

    def attention(self) -> list[dict[str, Any]]: ...

    def vendor_report(self, days: int) -> dict[str, Any]: ...


TRACKER = web.AppKey("tracker", Tracker)
READ_SIDE = web.AppKey("read_side", object)


def json_response(value: Any, status: int = 200) -> web.Response:
    body = json.dumps(to_jsonable(value), ensure_ascii=False)
    return web.Response(text=body, status=status, content_type="application/json")


def error(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status)


async def in_thread(func: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(func, *args)


async def list_orders(request: web.Request) -> web.Response:
    query = request.query
    try:
        vendor = Vendor.parse(query["vendor"]).value if "vendor" in query else None
        state = State.parse(query["state"]).value if "state" in query else None
        limit = int(query.get("limit", "500"))
    except (DomainError, ValueError) as failure:
        return error(400, str(failure))
    needs = query.get("needs_attention", "").lower() in ("1", "true", "yes")
    read_side: ReadSide = request.app[READ_SIDE]  # type: ignore[assignment]
    rows = await in_thread(read_side.list_orders, vendor, state, needs, max(1, min(limit, 5000)))
    return json_response({"orders": rows})


async def one_order(request: web.Request) -> web.Response:
    try:
        view = await in_thread(request.app[TRACKER].get_order, request.match_info["order_id"])
    except MalformedOrderIdError as failure:
        return error(400, str(failure))
    except OrderNotFoundError as failure:
        return error(404, str(failure))
    return json_response(view)


async def order_history(request: web.Request) -> web.Response:
    try:
        events = await in_thread(request.app[TRACKER].history, request.match_info["order_id"])
    except MalformedOrderIdError as failure:
        return error(400, str(failure))
    except OrderNotFoundError as failure:
        return error(404, str(failure))
    return json_response({"events": events})


async def attention(request: web.Request) -> web.Response:
    read_side: ReadSide = request.app[READ_SIDE]  # type: ignore[assignment]
    return json_response({"attention": await in_thread(read_side.attention)})


async def report(request: web.Request) -> web.Response:
    try:
        days = int(request.query.get("days", "30"))
    except ValueError:
        return error(400, "days must be a whole number")
    read_side: ReadSide = request.app[READ_SIDE]  # type: ignore[assignment]
    return json_response(await in_thread(read_side.vendor_report, max(1, min(days, 3660))))


def make_api(tracker: Tracker, read_side: ReadSide) -> web.Application:
    app = web.Application()
    app[TRACKER] = tracker
    app[READ_SIDE] = read_side
    app.router.add_get("/orders", list_orders)
    app.router.add_get("/orders/{order_id}", one_order)
    app.router.add_get("/orders/{order_id}/history", order_history)
    app.router.add_get("/attention", attention)
    app.router.add_get("/report", report)
    return app


__all__ = ["ReadSide", "UnknownStateError", "make_api"]
