"""The console's actions: one POST each, with the session's CSRF token, recorded as the
person's (``source=human``) through the same functions the CLI calls; then back to the page
with what happened, or with the one-line refusal (nothing recorded)."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any
from uuid import UUID

from aiohttp import web

from ordertrail.adapters.common import actions
from ordertrail.adapters.config import ConfigError
from ordertrail.adapters.service.console.pages import order_id_of
from ordertrail.adapters.service.console.sessions import SESSION, SESSIONS, action
from ordertrail.adapters.service.console.wiring import CONSOLE, Console, in_thread
from ordertrail.adapters.wiring import answer_at_vendor
from ordertrail.domain.errors import OrdertrailError

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


def _run(console: Console, name: str, order_id: UUID, form: dict[str, str]) -> str:
    tracker = console.tracker
    if name == "choose":
        ask = partial(answer_at_vendor, console.config)
        view = asyncio.run(actions.choose(tracker, order_id, form.get("choice", ""), ask))
        return f"answered {form.get('choice')}: the order is {view.state.value}"
    if name == "reconcile":
        if form.get("outcome") == "found":
            ref = form.get("vendor_ref", "").strip()
            if not ref:
                raise actions.ActionInputError("found at the vendor: give its reference")
            view = actions.reconcile(tracker, order_id, ref)
        else:
            view = actions.reconcile(tracker, order_id, None)
        return f"reconciled: the order is {view.state.value}"
    if name == "resubmit":
        key = form.get("field", "").strip()
        if not key:
            raise actions.ActionInputError("give the field to change")
        view = actions.resubmit(tracker, order_id, {key: _value(form.get("value", ""))})
        return f"resubmitted with {key} changed: the order is {view.state.value}"
    reason = form.get("reason", "").strip() or None
    if name == "confirm_cancel":
        return actions.cancel_here(tracker, order_id, reason, confirm=True)
    if tracker.get_order(order_id).vendor == "ppw":
        return _cancel_at_ppw(console, order_id, reason)
    return actions.cancel_here(tracker, order_id, reason, confirm=False)


def _cancel_at_ppw(console: Console, order_id: UUID, reason: str | None) -> str:
    from ordertrail.adapters.ppw.instructions import request_cancel

    if console.outbox is None:
        raise ConfigError("PPW orders are cancelled through the PPW receiver: no [vendors.ppw]")
    transaction = request_cancel(console.tracker, console.outbox, order_id, reason)
    return "cancelled" if transaction is None else \
        f"Cancel offered to PPW (transaction {transaction}); cancelled once PPW acks it"


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
