"""Order commands: place one, look at one, list many."""

from __future__ import annotations

import json
from typing import Any

import click

from ordertrail.adapters.cli.render import print_json, print_table
from ordertrail.domain.vendors import Vendor
from ordertrail.domain.views import OrderView


def _parse_fields(fields: tuple[str, ...], request_json: str | None) -> dict[str, Any]:
    request: dict[str, Any] = {}
    if request_json:
        try:
            loaded = json.loads(request_json)
        except json.JSONDecodeError as error:
            raise click.BadParameter(f"not JSON: {error}", param_hint="--request") from None
        if not isinstance(loaded, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--request")
        request.update(loaded)
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not key=value", param_hint="--field")
        request[key] = value
    return request


@click.command()
@click.argument("vendor")
@click.option("--key", "idempotency_key", default=None,
              help="Idempotency key (generated when absent); one key never makes two orders.")
@click.option("--field", "fields", multiple=True, metavar="KEY=VALUE",
              help="A field of the vendor request; repeat for more.")
@click.option("--request", "request_json", default=None,
              help="The vendor request as a JSON object.")
@click.pass_obj
def place(app: Any, vendor: str, idempotency_key: str | None, fields: tuple[str, ...],
          request_json: str | None) -> None:
    """Request an order from VENDOR (planviewer, ppw, ivcap, planomatic)."""
    Vendor.parse(vendor)
    request = _parse_fields(fields, request_json)
    order_id = app.tracker().request_order(vendor, request, idempotency_key, requested_by="cli")
    view = app.tracker().get_order(order_id)
    if app.as_json:
        print_json({"order_id": order_id, "idempotency_key": view.idempotency_key,
                    "state": view.state})
    else:
        click.echo(f"{order_id}  {view.vendor}  {view.state.value}  key={view.idempotency_key}")


@click.command()
@click.argument("order_id")
@click.option("--version", type=int, default=None, help="The order as of this version.")
@click.pass_obj
def show(app: Any, order_id: str, version: int | None) -> None:
    """One order, now or as of a version."""
    view = app.tracker().get_order(order_id, version=version)
    if app.as_json:
        print_json(view)
        return
    rows = [(k, v) for k, v in vars(view).items() if v not in (None, {}, [])]
    print_table(f"order {view.id}", ["field", "value"], rows)


@click.command()
@click.argument("order_id", metavar="ORDER|VENDOR")
@click.pass_obj
def history(app: Any, order_id: str) -> None:
    """The audit timeline of one order (every event, its source and what it changed), or of
    a vendor account's connector."""
    if order_id.strip().lower() in {v.value for v in Vendor}:
        _connector_history(app, Vendor.parse(order_id).value)
        return
    events = app.tracker().history(order_id)
    if app.as_json:
        print_json(events)
        return
    print_table(
        f"history of {events[0].order_id}",
        ["v", "recorded", "source", "event", "state", "details"],
        [
            (e.version, e.recorded_at, e.source, e.type,
             e.to_state.value if e.from_state == e.to_state
             else f"{e.from_state.value if e.from_state else '-'} -> {e.to_state.value}",
             e.summary.split("] ", 1)[-1] if "] " in e.summary else "")
            for e in events
        ],
    )


def _connector_history(app: Any, vendor: str) -> None:
    events = app.tracker().connector_history(vendor)
    if app.as_json:
        print_json(events)
        return
    print_table(f"history of the {vendor} connector", ["v", "recorded", "event", "details"],
                [(e.version, e.recorded_at, e.type, e.summary.split(" ", 1)[-1]
                  if " " in e.summary else "") for e in events])


def order_rows(views: list[OrderView]) -> list[tuple[Any, ...]]:
    return [
        (str(v.id), v.vendor, v.state.value, v.vendor_ref, v.last_raw_status,
         f"{v.progress_current}/{v.progress_total}" if v.progress_current is not None else "",
         v.attention or "")
        for v in views
    ]


ORDER_COLUMNS = ["order", "vendor", "state", "vendor ref", "raw status", "progress", "attention"]


COMMANDS = [place, show, history]
