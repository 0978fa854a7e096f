"""The JSON API under ``/api``: the read models and the tracker, and the actions a person
takes, with the CLI's rules (``ordertrail.adapters.actions``) and defaults.

Routes are listed once, in ``ROUTES``; the OpenAPI document (``openapi.py``) describes each
and a test holds the two together. Query parameters and bodies are msgspec Structs
(``api_types.py``); every error is ``{"error": "<one line>"}``: 400 for a bad parameter or
field (named), 404 for an unknown order or path, 409 for what the order's state or an
idempotency key refuses. Blocking store calls run in worker threads.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from aiohttp import web

import ordertrail.adapters.actions as actions
from ordertrail.adapters.common.errors import VendorError
from ordertrail.adapters.common.jsonable import to_jsonable
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.registry import known, names
from ordertrail.adapters.service import api_types as t
from ordertrail.domain.errors import (
    ConcurrencyError,
    DomainError,
    IdempotencyConflictError,
    MalformedOrderIdError,
    OrderNotFoundError,
    TransitionRefused,
    UnknownVendorError,
    VendorReferenceConflictError,
)
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vendors import parse_order_id
from ordertrail.projections import AttentionItem, OrderFilter, OrderStatusRow

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ReadSide(Protocol):
    """The queries the API needs from the read models."""

    def list_orders(self, filters: OrderFilter) -> tuple[list[OrderStatusRow], int]: ...

    def attention(self) -> list[AttentionItem]: ...

    def vendor_report(self, days: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ServiceContext:
    """An actions ``Context`` over the service's one tracker."""

    config: Config
    _tracker: Tracker

    def tracker(self) -> Tracker:
        return self._tracker


CONTEXT = web.AppKey("context", ServiceContext)
READ_SIDE = web.AppKey("read_side", object)
CONFLICTS = (TransitionRefused, IdempotencyConflictError, VendorReferenceConflictError,
             ConcurrencyError, ConfigError)


def json_response(value: Any, status: int = 200) -> web.Response:
    body = json.dumps(to_jsonable(value), ensure_ascii=False)
    return web.Response(text=body, status=status, content_type="application/json")


def error(status: int, message: str) -> web.Response:
    return json_response({"error": message.splitlines()[0] if message else str(status)}, status)


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Each refusal as one line of JSON with its status (aiohttp's own 404 and 405 too)."""
    try:
        return await handler(request)
    except t.BadRequest as failure:
        return error(400, str(failure))
    except actions.BadInput as failure:
        return error(400, f"{failure.field}: {failure}")
    except (MalformedOrderIdError, OrderNotFoundError) as failure:
        return error(404, str(failure))
    except CONFLICTS as failure:
        return error(409, str(failure))
    except DomainError as failure:  # a command's arguments wrong in themselves
        return error(400, str(failure))
    except VendorError as failure:
        return error(502, f"the vendor: {failure}")
    except web.HTTPException as failure:
        if failure.status < 400:
            raise
        answer = error(failure.status, f"{failure.reason}: {request.method} {request.path}")
        if "Allow" in failure.headers:  # a 405 says what is allowed
            answer.headers["Allow"] = failure.headers["Allow"]
        return answer


async def in_thread(func: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(func, *args)


def _read_side(request: web.Request) -> ReadSide:
    return request.app[READ_SIDE]  # type: ignore[return-value]


def _vendor(name: str) -> str:
    """A registered vendor's name; BadRequest naming the parameter and the vendors."""
    try:
        return known(name)
    except UnknownVendorError:
        raise t.BadRequest(f"query parameter vendor={name!r} is not allowed: expected one of "
                           f"{', '.join(names())}") from None


def _order_id(request: web.Request) -> UUID:
    return parse_order_id(request.match_info["order_id"])


async def list_orders(request: web.Request) -> web.Response:
    q = t.parse_query(request.query, t.OrdersQuery)
    filters = OrderFilter(vendor=q.vendor and _vendor(q.vendor), state=q.state and q.state.value,
                          needs_person=True if q.needs_attention else None,
                          limit=q.limit + 1,  # one more than asked: is there a next page?
                          after=None if q.cursor is None else t.order_cursor(q.cursor))
    rows, total = await in_thread(_read_side(request).list_orders, filters)
    page = rows[:q.limit]
    cursor = (t.encode_cursor(page[-1].requested_at, page[-1].order_id)
              if len(rows) > q.limit else None)
    return json_response({"orders": page, "total": total, "next_cursor": cursor})


async def one_order(request: web.Request) -> web.Response:
    t.parse_query(request.query, t.NoQuery)
    tracker = request.app[CONTEXT].tracker()
    return json_response(await in_thread(tracker.get_order, _order_id(request)))


async def order_history(request: web.Request) -> web.Response:
    t.parse_query(request.query, t.NoQuery)
    tracker = request.app[CONTEXT].tracker()
    return json_response({"events": await in_thread(tracker.history, _order_id(request))})


def _attention_key(item: AttentionItem) -> tuple[Any, str, str, str]:
    return (item.since, item.vendor, str(item.order_id or ""), item.ref)


async def attention(request: web.Request) -> web.Response:
    q = t.parse_query(request.query, t.AttentionQuery)
    items: list[AttentionItem] = await in_thread(_read_side(request).attention)
    after = None if q.cursor is None else t.attention_cursor(q.cursor)
    rest = items if after is None else [i for i in items if _attention_key(i) > after]
    page = rest[:q.limit]
    cursor = t.encode_cursor(*_attention_key(page[-1])) if len(rest) > q.limit else None
    return json_response({"attention": page, "total": len(items), "next_cursor": cursor})


async def report(request: web.Request) -> web.Response:
    q = t.parse_query(request.query, t.ReportQuery)
    return json_response(await in_thread(_read_side(request).vendor_report, q.days))


async def place_order(request: web.Request) -> web.Response:
    t.parse_query(request.query, t.NoQuery)
    body = t.parse_body(await request.read(), t.PlaceOrder)
    ctx = request.app[CONTEXT]
    placed = await in_thread(actions.place, ctx, body.vendor, body.request,
                             body.idempotency_key, "api")
    view = await in_thread(ctx.tracker().get_order, placed.order_id)
    return json_response(view, 201 if placed.created else 200)


Act = Callable[[ServiceContext, UUID, Any], Awaitable[str]]


def _action(kind: type[t.T], act: Act) -> Handler:
    """A handler that decodes ``kind`` from the body, runs ``act`` and answers the order."""

    async def handle(request: web.Request) -> web.Response:
        t.parse_query(request.query, t.NoQuery)
        order_id = _order_id(request)
        ctx = request.app[CONTEXT]
        await in_thread(ctx.tracker().get_order, order_id)  # an unknown order: 404 first
        body = t.parse_body(await request.read(), kind)
        what = await act(ctx, order_id, body)
        view = await in_thread(ctx.tracker().get_order, order_id)
        return json_response({"done": what, "order": view})

    return handle


def _sync(act: Callable[[ServiceContext, UUID, Any], str]) -> Act:
    """A blocking action, run in a worker thread."""
    return lambda ctx, order_id, body: in_thread(act, ctx, order_id, body)


ACTIONS: dict[str, Handler] = {
    "choose": _action(t.Choose, lambda ctx, oid, b: actions.choose(ctx, oid, b.choice)),
    "reconcile": _action(t.Reconcile, _sync(
        lambda ctx, oid, b: actions.reconcile(ctx, oid, b.found, b.not_created))),
    "resubmit": _action(t.Resubmit, _sync(
        lambda ctx, oid, b: actions.resubmit(ctx, oid, b.changes))),
    "cancel": _action(t.Cancel, _sync(
        lambda ctx, oid, b: actions.cancel(ctx, oid, b.reason, b.confirm))),
    "fail": _action(t.Fail, _sync(lambda ctx, oid, b: actions.fail(ctx, oid, b.reason))),
}


async def openapi(request: web.Request) -> web.Response:
    from ordertrail.adapters.service.openapi import document

    t.parse_query(request.query, t.NoQuery)
    return json_response(document())


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/orders", list_orders),
    ("POST", "/orders", place_order),
    ("GET", "/orders/{order_id}", one_order),
    ("GET", "/orders/{order_id}/history", order_history),
    *[("POST", f"/orders/{{order_id}}/{name}", handler) for name, handler in ACTIONS.items()],
    ("GET", "/attention", attention),
    ("GET", "/report", report),
    ("GET", "/openapi.json", openapi),
]
"""Every route of the API, relative to ``/api``."""


def make_api(tracker: Tracker, read_side: ReadSide, config: Config) -> web.Application:
    app = web.Application(middlewares=[errors_as_json],
                          client_max_size=config.service.max_body_bytes)
    app[CONTEXT] = ServiceContext(config, tracker)
    app[READ_SIDE] = read_side
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    return app


__all__ = ["ROUTES", "ReadSide", "ServiceContext", "make_api"]
