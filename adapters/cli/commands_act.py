"""What a person does about the attention list: reconcile, resubmit, cancel.

Each is one command on the ledger with ``source=Source.HUMAN``; the lifecycle table
decides whether it is allowed, and a refusal is one line naming the order, its
state and the command, with nothing recorded.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any

import click

from ordertrail.adapters.cli.commands_orders import _parse_fields
from ordertrail.adapters.cli.render import print_json
from ordertrail.adapters.common import actions
from ordertrail.adapters.wiring import answer_at_vendor
from ordertrail.domain import commands as c
from ordertrail.domain.errors import TransitionRefused
from ordertrail.domain.state_machine import State
from ordertrail.domain.vendors import parse_order_id
from ordertrail.domain.vocabulary import Source


def _done(app: Any, order_id: Any, what: str) -> None:
    view = app.tracker().get_order(order_id)
    if app.as_json:
        print_json({"order_id": view.id, "state": view.state, "version": view.version})
    else:
        click.echo(f"{view.id}  {view.vendor}  {view.state.value}  ({what})")


@click.command()
@click.argument("order")
@click.option("--found", "vendor_ref", default=None, metavar="REF",
              help="The vendor has the order: its reference, as the vendor shows it.")
@click.option("--not-created", is_flag=True, help="The vendor has no such order.")
@click.pass_obj
def reconcile(app: Any, order: str, vendor_ref: str | None, not_created: bool) -> None:
    """Settle an uncertain submission after checking the vendor's own records."""
    if (vendor_ref is None) == (not not_created):
        raise click.UsageError("give exactly one of --found REF or --not-created")
    order_id = parse_order_id(order)
    actions.reconcile(app.tracker(), order_id, vendor_ref)
    _done(app, order_id, "reconciled")


@click.command()
@click.argument("order")
@click.option("--field", "fields", multiple=True, metavar="KEY=VALUE",
              help="A field of the vendor request to change (a JSON value or text); repeat.")
@click.pass_obj
def resubmit(app: Any, order: str, fields: tuple[str, ...]) -> None:
    """Send a declined order again with changes (a new payment method, say), history kept."""
    changes = {k: _value(v) for k, v in _parse_fields(fields, None).items()}
    if not changes:
        raise click.UsageError("give at least one --field KEY=VALUE to change")
    order_id = parse_order_id(order)
    actions.resubmit(app.tracker(), order_id, changes)
    _done(app, order_id, f"resubmitted with {', '.join(sorted(changes))} changed")


@click.command()
@click.argument("order")
@click.option("--reason", default=None, help="Why, for the audit trail.")
@click.option("--confirm", is_flag=True,
              help="The order was cancelled at the vendor by hand: record it as cancelled.")
@click.pass_obj
def cancel(app: Any, order: str, reason: str | None, confirm: bool) -> None:
    """Cancel an order not yet placed, or ask for a placed one to be cancelled: through the
    vendor where it has a cancel route (PPW), else by a person at the vendor, then --confirm."""
    order_id = parse_order_id(order)
    view = app.tracker().get_order(order_id)
    if view.vendor == "ppw" and not confirm:
        from ordertrail.adapters.ppw.commands import cancel_at_ppw

        _done(app, order_id, cancel_at_ppw(app, order_id, reason))
    else:
        _done(app, order_id, actions.cancel_here(app.tracker(), order_id, reason, confirm))


@click.command()
@click.argument("order")
@click.option("--reason", required=True, help="Why, for the audit trail.")
@click.pass_obj
def fail(app: Any, order: str, reason: str) -> None:
    """Close a placed order as failed: a person's decision (a reference the vendor no longer
    knows, a result that never comes)."""
    order_id = parse_order_id(order)
    app.tracker().run(c.Fail(order_id=order_id, reason_code="closed_by_person",
                             vendor_message=reason, source=Source.HUMAN))
    _done(app, order_id, "closed as failed")


@click.command()
@click.argument("order")
@click.argument("choice", required=False)
@click.pass_obj
def choose(app: Any, order: str, choice: str | None) -> None:
    """Answer a vendor's question (Planviewer: which parcel); without CHOICE, list the options."""
    tracker = app.tracker()
    order_id = parse_order_id(order)
    view = tracker.get_order(order_id)
    if view.state is not State.WAITING_FOR_USER or not view.waiting:
        raise TransitionRefused(order_id, view.state, "choose", "nothing is being asked")
    if choice is None:
        if app.as_json:
            print_json(view.waiting)
        else:
            click.echo(view.waiting.get("prompt") or "the vendor asks:")
            for option in actions.choices(view):
                click.echo(f"  {option.get('key')}: {option.get('label', '')}")
        return
    try:
        actions.check_choice(view, choice)
    except actions.ActionInputError as error:
        raise click.BadParameter(str(error), param_hint="CHOICE") from None
    asyncio.run(actions.choose(tracker, order_id, choice, partial(answer_at_vendor, app.config)))
    _done(app, order_id, f"answered {choice}")


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


COMMANDS = [reconcile, resubmit, cancel, fail, choose]
