"""What a person does about a vendor account as a whole: look at its connector, let held
orders go once the cause is fixed, dismiss a notice that nothing else clears."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from ordertrail.adapters.cli.render import print_json, print_table, when
from ordertrail.adapters.registry import known
from ordertrail.domain import commands as c
from ordertrail.domain.vocabulary import AttentionKind, Source


@click.group()
def vendor() -> None:
    """A vendor account's connector: its state, its history, and recovering it."""


@vendor.command("show")
@click.argument("name")
@click.pass_obj
def vendor_show(app: Any, name: str) -> None:
    """What is true of the vendor account now: what blocks it, what waits on a person."""
    view = app.tracker().connector(known(name))
    block = view.blocks(datetime.now(UTC))
    if app.as_json:
        print_json({"connector": view, "blocked_by": block})
        return
    click.echo(f"{view.vendor} ({view.account}): "
               + (f"no order is sent: {block.reason}" if block else "orders are sent"))
    if view.last_success_at is not None:
        click.echo(f"last successful call: {when(view.last_success_at)}")
    print_table("needs a person", ["kind", "ref", "reason", "since"],
                [(n.kind.value, n.ref, n.reason, n.since) for n in view.notices])


@vendor.command("retry")
@click.argument("name")
@click.pass_obj
def vendor_retry(app: Any, name: str) -> None:
    """The cause is fixed (new credentials, the account repaired, a higher cap): let the
    orders held for it go on the next sync pass, each still at most once."""
    vendor_name = known(name)
    tracker = app.tracker()
    view = tracker.connector(vendor_name)
    commands: list[c.AnyCommand] = []
    if view.has(AttentionKind.CREDENTIALS):
        commands.append(c.RestoreCredentials(vendor=vendor_name, by=Source.HUMAN,
                                             operation="ordertrail vendor retry"))
    if view.has(AttentionKind.CIRCUIT_OPEN):
        commands.append(c.CloseCircuit(vendor=vendor_name, by=Source.HUMAN,
                                       reason="a person fixed the account"))
    if view.cap_until is not None or view.has(AttentionKind.DAILY_CAP):
        commands.append(c.LiftDailyCap(vendor=vendor_name, by=Source.HUMAN,
                                       reason="a person had the cap raised"))
    recorded = [type(o.command).__name__ for o in tracker.execute(commands) if o.recorded]
    if app.as_json:
        print_json({"vendor": vendor_name, "recorded": recorded})
    elif recorded:
        click.echo(f"{vendor_name}: {', '.join(recorded)}; held orders go on the next pass")
    else:
        click.echo(f"{vendor_name}: nothing was holding its orders")


@vendor.command("dismiss")
@click.argument("name")
@click.argument("kind", type=click.Choice([k.value for k in AttentionKind], case_sensitive=False))
@click.argument("ref", required=False, default="")
@click.pass_obj
def vendor_dismiss(app: Any, name: str, kind: str, ref: str) -> None:
    """A person has dealt with a notice (an unknown status mapped, a cap request sent)."""
    vendor_name = known(name)
    wanted = AttentionKind(kind.upper())
    tracker = app.tracker()
    if not tracker.connector(vendor_name).has(wanted, ref):
        raise click.BadParameter(f"{vendor_name} has no {wanted.value} notice"
                                 + (f" for {ref!r}" if ref else ""), param_hint="KIND/REF")
    tracker.run(c.DismissNotice(vendor=vendor_name, kind=wanted, ref=ref))
    click.echo(f"{vendor_name}: {wanted.value} {ref} dismissed".replace("  ", " "))


COMMANDS = [vendor]
