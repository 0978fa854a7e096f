"""PPW's own commands: the instructions a person sends PPW (vendor-spec B.6).

Each queues an offer that PPW picks up on its next ``get_all_updates`` and acks;
the ack records the outcome. They share the receiver's bookkeeping file, so a
running ``ordertrail serve`` or ``sync --follow`` offers them on PPW's next call.
"""

from __future__ import annotations

from typing import Any

import click

from ordertrail.adapters.common.jsonable import print_json
from ordertrail.adapters.common.order_ids import resolve_order
from ordertrail.adapters.ppw.instructions import request_complete, request_rtv, send_update
from ordertrail.adapters.ppw.outbox import PPWOutbox, path_for
from ordertrail.adapters.ppw.translate import UPDATABLE_FIELDS
from ordertrail.domain.tracker import Tracker


def outbox_for(app: Any) -> PPWOutbox:
    """The receiver's bookkeeping file for the configured store, brought up to date (a
    ``Cancel`` goes through the plugin's ``cancel``, as every vendor's does)."""
    tracker = app.tracker()
    outbox = PPWOutbox(path_for(app.config.store_url, app.config.results_dir),
                       cipher=tracker.cipher)
    outbox.sync(tracker)
    return outbox


def _instruct(app: Any, order: str, what: str, send: Any) -> None:
    tracker: Tracker = app.tracker()
    order_id = resolve_order(app, order)
    outbox = outbox_for(app)
    try:
        transaction = send(tracker, outbox, order_id)
    finally:
        outbox.close()
    if app.as_json:
        print_json({"order_id": order_id, "instruction": what, "transaction_id": transaction})
    else:
        click.echo(f"{order_id}  ppw  {what} offered to PPW (transaction {transaction}); "
                   "recorded when PPW acks it")


@click.group()
def ppw() -> None:
    """Instructions to PPW for a work order it has imported."""


@ppw.command("update")
@click.argument("order")
@click.argument("field", type=click.Choice(sorted(UPDATABLE_FIELDS)))
@click.argument("value")
@click.pass_obj
def ppw_update(app: Any, order: str, field: str, value: str) -> None:
    """Change one field of the work order at PPW (refused from Ready for Office on)."""
    _instruct(app, order, f"Update of {field}",
              lambda tracker, outbox, oid: send_update(tracker, outbox, oid, field, value))


@ppw.command("complete")
@click.argument("order")
@click.pass_obj
def ppw_complete(app: Any, order: str) -> None:
    """Accept delivered work: the order is COMPLETED once PPW acks the Complete."""
    _instruct(app, order, "Complete", request_complete)


@ppw.command("rtv")
@click.argument("order")
@click.option("--reason", required=True, help="Why the work goes back to the vendor.")
@click.pass_obj
def ppw_rtv(app: Any, order: str, reason: str) -> None:
    """Return delivered work to the vendor for follow-up (back IN_PROGRESS once acked)."""
    _instruct(app, order, "RTV",
              lambda tracker, outbox, oid: request_rtv(tracker, outbox, oid, reason))


COMMANDS = [ppw]
