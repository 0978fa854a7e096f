"""Order commands: place one, look at one, list many."""

from __future__ import annotations

import json
import shutil
import textwrap
from typing import Any

import click

from ordertrail.adapters.cli.main import MissingStore, UsageProblem
from ordertrail.adapters.cli.render import cell, print_json, print_table
from ordertrail.adapters.common.order_ids import resolve_order
from ordertrail.adapters.registry import known, names
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
    """Request an order from VENDOR (one of the registered vendors).

    Refused (exit 2, nothing recorded) when the vendor has no [vendors.VENDOR] table or
    would refuse the request, so no order waits for good on something sync cannot send.
    """
    from ordertrail.adapters.actions import placement_problem

    name = known(vendor)
    request = _parse_fields(fields, request_json)
    try:
        app.tracker()  # the cipher key is checked first, on an existing store
    except MissingStore:
        app.config.cipher_key()  # a new one is created below: its key must be usable
    problem = placement_problem(app.config, name, request)
    if problem is not None:
        raise UsageProblem(str(problem))
    order_id = app.tracker(create=True).request_order(name, request, idempotency_key,
                                                      requested_by="cli")
    view = app.tracker().get_order(order_id)
    if app.as_json:
        print_json({"order_id": order_id, "idempotency_key": view.idempotency_key,
                    "state": view.state})
    else:
        click.echo(f"{order_id}  {view.vendor}  {view.state.value}  key={view.idempotency_key}")


@click.command()
@click.argument("order")
@click.option("--version", type=int, default=None,
              help="The order as of this version (1 to its current one).")
@click.pass_obj
def show(app: Any, order: str, version: int | None) -> None:
    """One order, now or as of a version."""
    order_id = resolve_order(app, order)
    tracker = app.tracker()
    view = tracker.get_order(order_id)
    if version is not None:
        if not 1 <= version <= view.version:
            raise UsageProblem(f"--version {version}: order {view.id} has versions 1 to "
                               f"{view.version}")
        view = tracker.get_order(view.id, version=version)
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
    a vendor account's connector. --json gives every event's raw fields."""
    if order_id.strip().lower() in names():
        _connector_history(app, known(order_id))
        return
    events = app.tracker().history(resolve_order(app, order_id))
    if app.as_json:
        print_json(events)
        return
    click.echo(f"history of order {events[0].order_id}")
    for e in events:
        change = (e.to_state.value if e.from_state == e.to_state
                  else f"{e.from_state.value if e.from_state else '-'} -> {e.to_state.value}")
        echo_entry(f"{e.version:>3}  {cell(e.recorded_at)}  {e.type}  {change}  ({e.source})",
                   readable_lines(e.fields))


def echo_entry(head: str, details: list[str]) -> None:
    """One event: a heading line, then its fields indented, wrapped between words to the
    terminal's width (80 columns when it is not one)."""
    width = max(shutil.get_terminal_size((80, 24)).columns, 40)
    click.echo(textwrap.fill(head, width, subsequent_indent="     ", break_long_words=False,
                             break_on_hyphens=False))
    for line in details:
        click.echo(textwrap.fill(line, width, initial_indent="       ",
                                 subsequent_indent="         ", break_long_words=False,
                                 break_on_hyphens=False))


def readable_lines(fields: dict[str, Any]) -> list[str]:
    """An event's own fields as ``key: value`` lines (nested values as compact JSON, empty
    ones left out): what changed, for a person; --json keeps the raw fields."""
    lines = []
    for key, value in fields.items():
        if value in (None, "", {}, []):
            continue
        lines.append(f"{key.replace('_', ' ')}: {cell(value)}")
    return lines


def _connector_history(app: Any, vendor: str) -> None:
    events = app.tracker().connector_history(vendor)
    if app.as_json:
        print_json(events)
        return
    click.echo(f"history of the {vendor} connector")
    for e in events:
        echo_entry(f"{e.version:>3}  {cell(e.recorded_at)}  {e.type}", readable_lines(e.fields))


def order_rows(views: list[OrderView]) -> list[tuple[Any, ...]]:
    return [
        (str(v.id), v.vendor, v.state.value, v.vendor_ref, v.last_raw_status,
         f"{v.progress_current}/{v.progress_total}" if v.progress_current is not None else "",
         v.attention or "")
        for v in views
    ]


ORDER_COLUMNS = ["order", "vendor", "state", "vendor ref", "raw status", "progress", "attention"]


COMMANDS = [place, show, history]
