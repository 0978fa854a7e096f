"""The console's actions: one POST each, with the session's CSRF token, recorded as the
person's (``source=human``) through the same functions the CLI calls; then back to the page
with what happened, or with the one-line refusal (nothing recorded)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from aiohttp import web

import ordertrail.adapters.actions as actions
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.service.console.pages import order_id_of
from ordertrail.adapters.service.console.sessions import SESSION, SESSIONS, action
from ordertrail.adapters.service.console.wiring import CONSOLE, Console, in_thread
from ordertrail.domain.errors import OrdertrailError
from ordertrail.domain.tracker import Tracker

NAMES = ("choose", "reconcile", "resubmit", "cancel", "confirm_cancel")


@action
async def act(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    order_id = order_id_of(request)
    name = request.match_info["action"]
    if name not in NAMES:
        raise web.HTTPNotFound(text=f"no action {name!r} (known: {', '.join(NAMES)})")
    form = await request.post()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    back = fields.get("back") if fields.get("back") in ("attention", "order") else "order"
    sessions, session = request.app[SESSIONS], request[SESSION]
    try:
        sessions.flash(session, note=await in_thread(_run, console, name, order_id, fields))
    except (OrdertrailError, ConfigError) as refused:
        sessions.flash(session, error=str(refused))
    raise web.HTTPSeeOther("/attention" if back == "attention" else f"/orders/{order_id}")


@dataclass(frozen=True)
class _Acting:
    """The console as an action's context (``ordertrail.adapters.actions.Context``)."""

    console: Console

    @property
    def config(self) -> Config:
        return self.console.config

    def tracker(self) -> Tracker:
        return self.console.tracker


def _run(console: Console, name: str, order_id: UUID, form: dict[str, str]) -> str:
    ctx = _Acting(console)
    if name == "choose":
        asyncio.run(actions.choose(ctx, order_id, form.get("choice", "")))
        return f"answered {form.get('choice')}: the order is {_state(ctx, order_id)}"
    if name == "reconcile":
        found = form.get("outcome") == "found"
        ref = form.get("vendor_ref", "").strip()
        if found and not ref:
            raise actions.BadInput("vendor_ref", "found at the vendor: give its reference")
        actions.reconcile(ctx, order_id, ref if found else None, not_created=not found)
        return f"reconciled: the order is {_state(ctx, order_id)}"
    if name == "resubmit":
        key = form.get("field", "").strip()
        if not key:
            raise actions.BadInput("field", "give the field to change")
        actions.resubmit(ctx, order_id, {key: _value(form.get("value", ""))})
        return f"resubmitted with {key} changed: the order is {_state(ctx, order_id)}"
    reason = form.get("reason", "").strip() or None
    return actions.cancel(ctx, order_id, reason, confirm=name == "confirm_cancel")


def _state(ctx: _Acting, order_id: UUID) -> str:
    return str(ctx.tracker().get_order(order_id).state.value)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
