"""What a person (or a system on their behalf) does to orders: place one, and settle what the
attention list asks: reconcile, resubmit, cancel, fail, choose.

The command line, the HTTP API and the console call these same functions, so one rule holds
everywhere. Each action runs one command on the ledger with ``source=Source.HUMAN``; the
lifecycle table decides whether it is allowed and a refusal is a ``TransitionRefused`` naming
the order, its state and the command, with nothing recorded. Input that is wrong in itself
(no field to change, a choice that was not offered) is a ``BadInput`` naming the field.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from ordertrail.adapters.config import Config
from ordertrail.adapters.registry import find, plugin
from ordertrail.adapters.wiring import answer_at_vendor
from ordertrail.domain import commands as c
from ordertrail.domain.errors import (
    IdempotencyConflictError,
    OrderNotFoundError,
    OrdertrailError,
    TransitionRefused,
)
from ordertrail.domain.state_machine import NOT_YET_PLACED, State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vendors import Vendor, order_id_for
from ordertrail.domain.views import OrderView
from ordertrail.domain.vocabulary import Classification, Initiator, Source


class Context(Protocol):
    """What an action needs: the configuration and the tracker (the CLI's AppContext is one)."""

    @property
    def config(self) -> Config: ...

    def tracker(self) -> Tracker: ...


class BadInput(OrdertrailError):
    """An action's input is wrong in itself; ``field`` names it (the CLI's option, the API's
    body field)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Placed:
    order_id: UUID
    created: bool
    """False when the idempotency key already named this order with the same request."""


def placement_problem(config: Config, vendor: str, request: Mapping[str, Any]) -> BadInput | None:
    """Why an order for ``vendor`` with ``request`` would never be sent, or None: the vendor
    has no ``[vendors.<name>]`` table, or its own check refuses the request (naming the field)."""
    found = plugin(vendor)
    name = found.name
    if name not in config.vendors:
        where = ("no configuration file was found (--config, or ./ordertrail.toml)"
                 if config.source == "(defaults)" else f"{config.source} has no [vendors.{name}] table")
        return BadInput("vendor", f"vendor {name} is not configured: {where}; without a "
                                  f"[vendors.{name}] table no {name} order would ever be sent")
    problem = found.request_problem(request)
    return None if problem is None else BadInput("request",
                                                 f"{name} would refuse this request: {problem}")


def place(ctx: Context, vendor: str, request: dict[str, Any], idempotency_key: str | None,
          requested_by: str) -> Placed:
    """Record a new order, refusing what could never be sent; a repeated key with the same
    request names the same order, with another request it is an IdempotencyConflictError."""
    problem = placement_problem(ctx.config, vendor, request)
    if problem is not None:
        raise problem
    name = Vendor.parse(plugin(vendor).name)
    tracker = ctx.tracker()
    if idempotency_key is not None:
        try:
            existing = tracker.get_order(order_id_for(name, idempotency_key))
        except OrderNotFoundError:
            existing = None
        if existing is not None:
            if existing.vendor_request != request:
                raise IdempotencyConflictError(name.value, idempotency_key, existing.id)
            return Placed(existing.id, created=False)
    order_id = tracker.request_order(name.value, request, idempotency_key,
                                     requested_by=requested_by)
    return Placed(order_id, created=True)


def reconcile(ctx: Context, order_id: UUID, vendor_ref: str | None, not_created: bool) -> str:
    """Settle an uncertain submission: the vendor has it (``vendor_ref``) or has not."""
    if (vendor_ref is None) == (not not_created):
        raise BadInput("found", "give exactly one of a found reference or not-created")
    tracker = ctx.tracker()
    view = tracker.get_order(order_id)
    if view.state is not State.SUBMISSION_UNCERTAIN:
        raise TransitionRefused(order_id, view.state, "reconcile")
    if vendor_ref:
        tracker.run(c.Place(order_id=order_id, vendor_ref=vendor_ref,
                            vendor_ref_kind=plugin(view.vendor).ref_kind, source=Source.HUMAN))
    else:
        tracker.run(c.FailSubmission(order_id=order_id,
                                     classification=Classification.RECONCILED_NOT_CREATED,
                                     message="a person found no such order at the vendor",
                                     source=Source.HUMAN))
    return "reconciled"


def resubmit(ctx: Context, order_id: UUID, changes: dict[str, Any]) -> str:
    """Send a declined order again with ``changes`` to its request, history kept."""
    if not changes:
        raise BadInput("field", "give at least one field of the request to change")
    ctx.tracker().run(c.Resubmit(order_id=order_id, changes=changes, source=Source.HUMAN))
    return f"resubmitted with {', '.join(sorted(changes))} changed"


def cancel(ctx: Context, order_id: UUID, reason: str | None, confirm: bool) -> str:
    """Cancel an order not yet placed; a placed one through the vendor where it has a cancel
    route (its plugin's ``cancel``), else ask a person to cancel it there, then ``confirm``."""
    tracker = ctx.tracker()
    view = tracker.get_order(order_id)
    vendor = plugin(view.vendor)
    if vendor.has_cancel_route and not confirm:
        return vendor.cancel(ctx, ctx.config.settings(vendor), order_id, reason)
    if view.state in NOT_YET_PLACED or confirm:
        tracker.run(c.Cancel(order_id=order_id, initiator=Initiator.USER, reason=reason,
                             source=Source.HUMAN))
        return "cancelled"
    tracker.run(c.RequestCancellation(order_id=order_id, initiator=Initiator.USER,
                                      reason=reason, source=Source.HUMAN))
    return (f"{view.vendor} has no cancel route: cancel it there, then "
            f"`ordertrail cancel {order_id} --confirm`")


def fail(ctx: Context, order_id: UUID, reason: str) -> str:
    """Close a placed order as failed: a person's decision."""
    ctx.tracker().run(c.Fail(order_id=order_id, reason_code="closed_by_person",
                             vendor_message=reason, source=Source.HUMAN))
    return "closed as failed"


def question(ctx: Context, order_id: UUID) -> OrderView:
    """The order, when a vendor is asking something about it (``view.waiting``)."""
    view = ctx.tracker().get_order(order_id)
    if view.state is not State.WAITING_FOR_USER or not view.waiting:
        raise TransitionRefused(order_id, view.state, "choose", "nothing is being asked")
    return view


def choices(view: OrderView) -> list[dict[str, Any]]:
    """The options a vendor offers for the question ``view`` waits on (empty when none)."""
    if view.state is not State.WAITING_FOR_USER or not view.waiting:
        return []
    return list(view.waiting.get("choices") or [])


def answered_here(view: OrderView) -> bool:
    """A person answers this order's vendor's questions through ordertrail (``choose``)."""
    found = find(view.vendor)
    return found is not None and found.answers_here


def check_choice(view: OrderView, choice: str) -> None:
    """Refuse a choice that was not offered, or a question only the vendor's site answers."""
    options = (view.waiting or {}).get("choices") or []
    if options and choice not in {str(o.get("key")) for o in options}:
        raise BadInput("choice", f"{choice!r} is not one of the offered choices")
    if not answered_here(view):
        raise TransitionRefused(view.id, view.state, "choose",
                                f"{view.vendor} questions are answered at the vendor")


async def choose(ctx: Context, order_id: UUID, choice: str) -> str:
    """Answer the vendor's question with ``choice`` (which parcel, say) at the vendor, then
    record it once the vendor accepted."""
    ctx.tracker()  # opened here, in the caller's thread, before the worker threads use it
    view = await asyncio.to_thread(question, ctx, order_id)
    check_choice(view, choice)
    commands = await answer_at_vendor(ctx.config, view, choice)
    await asyncio.to_thread(ctx.tracker().execute, commands)
    return f"answered {choice}"
