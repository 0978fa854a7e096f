"""What a person does about the attention list: reconcile, resubmit, cancel, fail, choose.

Each is one command on the ledger with ``source=Source.HUMAN``; the rules live in
``ordertrail.adapters.actions``, shared with the HTTP API and the console. A refusal is one
line naming the order, its state and the command, with nothing recorded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

import ordertrail.adapters.actions as actions
from ordertrail.adapters.cli.commands_orders import _parse_fields
from ordertrail.adapters.cli.render import print_json
from ordertrail.adapters.common.order_ids import resolve_order

OPTION_OF_FIELD = {"found": "--found", "field": "--field", "choice": "CHOICE"}
"""The CLI's name for each field a BadInput names."""


@contextmanager
def _usage() -> Iterator[None]:
    """An action's BadInput as the CLI's usage error (exit 2), naming the option."""
    try:
        yield
    except actions.BadInput as error:
        raise click.BadParameter(str(error),
                                 param_hint=OPTION_OF_FIELD.get(error.field, error.field)) from None


def _act(app: Any, order: str, action: Callable[[Any], str]) -> None:
    order_id = resolve_order(app, order)
    with _usage():
        what = action(order_id)
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
    _act(app, order, lambda oid: actions.reconcile(app, oid, vendor_ref, not_created))


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
    _act(app, order, lambda oid: actions.resubmit(app, oid, changes))


@click.command()
@click.argument("order")
@click.option("--reason", default=None, help="Why, for the audit trail.")
@click.option("--confirm", is_flag=True,
              help="The order was cancelled at the vendor by hand: record it as cancelled.")
@click.pass_obj
def cancel(app: Any, order: str, reason: str | None, confirm: bool) -> None:
    """Cancel an order not yet placed, or ask for a placed one to be cancelled: through the
    vendor where it has a cancel route, else by a person at the vendor, then --confirm."""
    _act(app, order, lambda oid: actions.cancel(app, oid, reason, confirm))


@click.command()
@click.argument("order")
@click.option("--reason", required=True, help="Why, for the audit trail.")
@click.pass_obj
def fail(app: Any, order: str, reason: str) -> None:
    """Close a placed order as failed: a person's decision (a reference the vendor no longer
    knows, a result that never comes)."""
    _act(app, order, lambda oid: actions.fail(app, oid, reason))


@click.command()
@click.argument("order")
@click.argument("choice", required=False)
@click.pass_obj
def choose(app: Any, order: str, choice: str | None) -> None:
    """Answer a vendor's question (which parcel, say); without CHOICE, list the options."""
    if choice is not None:
        _act(app, order, lambda oid: asyncio.run(actions.choose(app, oid, choice)))
        return
    view = actions.question(app, resolve_order(app, order))
    if app.as_json:
        print_json(view.waiting)
        return
    click.echo((view.waiting or {}).get("prompt") or "the vendor asks:")
    for option in (view.waiting or {}).get("choices") or []:
        click.echo(f"  {option.get('key')}: {option.get('label', '')}")


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


COMMANDS = [reconcile, resubmit, cancel, fail, choose]
