"""Read commands: status, attention, report, watch, and the projections themselves."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn

from ordertrail.adapters.cli.html_report import render_report
from ordertrail.adapters.cli.render import print_json, print_table, short_id
from ordertrail.adapters.cli.watch import limits_in_force
from ordertrail.adapters.registry import known, names
from ordertrail.adapters.store.engines import engine_for
from ordertrail.domain.errors import UnknownStateError, UnknownVendorError
from ordertrail.domain.state_machine import State
from ordertrail.projections import OrderFilter, ProjectionRunner, StuckLimits, open_read_models
from ordertrail.projections.queries import span
from ordertrail.projections.replay import verify
from ordertrail.projections.runner import DEFAULT_BATCH_SIZE
from ordertrail.projections.schema import upgrade
from ordertrail.projections.vendor_health.queries import CALLS, VendorHealth

EXIT_MISMATCH = 3


def refreshed(app: Any) -> Any:
    """Bring the read models up to date with the store, then open them for queries."""
    runner = ProjectionRunner(app.tracker(), app.config.store_url,
                              auto_upgrade=app.config.auto_migrate)
    try:
        runner.catch_up()
    finally:
        runner.close()
    return open_read_models(app.config.store_url, auto_upgrade=app.config.auto_migrate)


STATUS_COLUMNS = ["order", "vendor", "state", "vendor ref", "raw status", "progress", "attention"]
STATUS_OPTIONAL = ["raw status", "progress", "vendor ref"]
"""Left out, in this order, when a terminal is too narrow for the whole table."""


def status_rows(rows: list[Any], short: bool = True) -> list[tuple[Any, ...]]:
    """Table rows; ``short`` abbreviates ids to fit a terminal (the JSON keeps them whole)."""

    def cut(value: Any, width: int) -> Any:
        text = "" if value is None else str(value)
        return text[:width] + "…" if short and len(text) > width + 1 else text

    return [
        (short_id(r.order_id) if short else str(r.order_id), r.vendor, r.state,
         cut(r.vendor_ref, 10), r.last_raw_status,
         f"{r.progress_current}/{r.progress_total}" if r.progress_current is not None else "",
         r.attention or "")
        for r in rows
    ]


def _state(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A ``--state`` value as the read models store it; an unknown one lists the valid ones."""
    if value is None:
        return None
    try:
        return State.parse(value).value
    except UnknownStateError:
        raise click.BadParameter(f"{value!r} is not an order state; valid: "
                                 f"{', '.join(s.value for s in State)}", ctx, param) from None


def _vendor(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return known(value)
    except UnknownVendorError:
        raise click.BadParameter(f"{value!r} is not a vendor; valid: "
                                 f"{', '.join(names())}", ctx, param) from None


DEFAULT_LIMIT = 200


@click.command()
@click.option("--vendor", default=None, callback=_vendor, help="Only this vendor.")
@click.option("--state", default=None, callback=_state,
              help="Only this state (e.g. IN_PROGRESS).")
@click.option("--needs-attention", is_flag=True, help="Only orders a person must act on.")
@click.option("--limit", default=DEFAULT_LIMIT, show_default=True,
              type=click.IntRange(1, 10_000_000), help="Show at most this many, newest first.")
@click.option("--all", "show_all", is_flag=True, help="Show every matching order (no limit).")
@click.pass_obj
def status(app: Any, vendor: str | None, state: str | None, needs_attention: bool,
           limit: int, show_all: bool) -> None:
    """Where every order is now (from the read models).

    The title says "N of M" when --limit cuts the list; --all shows every order."""
    filters = OrderFilter(vendor=vendor, state=state,
                          needs_person=True if needs_attention else None, limit=limit)
    models = refreshed(app)
    try:
        total = models.count_orders(filters)
        if show_all:
            filters = dataclasses.replace(filters, limit=max(total, 1))
        rows = models.list_orders(filters)
    finally:
        models.close()
    if app.as_json:
        print_json([r._asdict() for r in rows])
    else:
        shown = f"orders ({len(rows)} of {total})" if len(rows) < total else f"orders ({total})"
        print_table(shown, STATUS_COLUMNS, status_rows(rows), wide={"attention"},
                    optional=STATUS_OPTIONAL)
        if len(rows) < total:
            click.echo(f"{total - len(rows)} more: --limit N or --all to see them", err=True)


@click.command()
@click.pass_obj
def attention(app: Any) -> None:
    """The orders a person must act on, with the reason and since when."""
    models = refreshed(app)
    try:
        items = models.attention(stuck=limits_in_force(app.config))
    finally:
        models.close()
    if app.as_json:
        print_json(items)
    else:
        print_table(f"needs a person ({len(items)})", ATTENTION_COLUMNS, attention_rows(items),
                    wide={"reason"}, optional=["kind"])


ATTENTION_COLUMNS = ["order", "vendor", "kind", "reason", "since"]


def attention_rows(items: list[Any]) -> list[tuple[Any, ...]]:
    """(subject, vendor, kind, reason, since): the subject is the order, or ``(vendor)`` for an
    item about the vendor account as a whole."""
    return [(short_id(i.order_id) if i.order_id else "(vendor)", i.vendor,
             f"{i.kind} {i.ref}" if i.ref and i.order_id is None else i.kind, i.reason, i.since)
            for i in items]


REPORT_COUNTS = ["requested", "placed", "rejected", "declined", "failed", "cancelled", "completed"]


def report_rows(reports: list[Any]) -> list[tuple[Any, ...]]:
    rows = []
    for r in reports:
        declines = ", ".join(f"{k}:{v}" for k, v in sorted(r.declines.items()))
        rows.append((r.vendor, r.day, *(r.counts.get(k, 0) for k in REPORT_COUNTS), declines,
                     _seconds(r.lead_p50_seconds), _seconds(r.lead_p95_seconds),
                     r.counts.get("placed_against_cap", 0), _spend(r)))
    return rows


def connector_rows(models: Any) -> list[tuple[Any, ...]]:
    """Each vendor account: when a call last worked, and what it waits on a person for."""
    waiting: dict[str, list[str]] = {}
    for item in models.attention():
        if item.order_id is None:
            waiting.setdefault(item.vendor, []).append(f"{item.kind} {item.ref}".strip())
    return [(row.vendor, row.account, row.last_success_at, ", ".join(waiting.get(row.vendor, [])))
            for row in models.connectors()]


def _spend(report: Any) -> str:
    """The stated spend, and how many placed orders had no stated cost (unknown, not zero)."""
    shown = f"{report.spend:.2f}" if report.spend or not report.unpriced else ""
    unknown = f"{report.unpriced} unknown" if report.unpriced else ""
    return " + ".join(part for part in (shown, unknown) if part)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}s"


HEALTH_COLUMNS = ["vendor", "last ok", "1h ok/bad", "24h ok/bad", "sent today", "oldest open",
                  "failures in 24h"]


def health_rows(health: list[VendorHealth], now: datetime | None = None) -> list[tuple[Any, ...]]:
    """Per vendor: answers that worked and failed over the last hour and day, ages as spans."""
    moment = now or datetime.now(UTC)

    def tally(counts: dict[str, int]) -> str:
        ok = sum(n for k, n in counts.items() if k in CALLS)
        return f"{ok}/{sum(counts.values()) - ok}"

    def age(since: datetime | None) -> str:
        return "" if since is None else span(moment - since)

    return [(h.vendor, age(h.last_success_at), tally(h.last_hour), tally(h.last_day),
             h.submitted_today, age(h.oldest_open_since),
             ", ".join(f"{k} {n}" for k, n in h.failures_last_day.items()))
            for h in health]


REPORT_COLUMNS = ["vendor", "day", *REPORT_COUNTS, "declines", "lead p50", "lead p95", "cap hits",
                  "spend"]


@click.command()
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3660))
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write a self-contained HTML report with charts here.")
@click.pass_obj
def report(app: Any, days: int, html_path: Path | None) -> None:
    """How each vendor is doing: per vendor and day, with lead times."""
    limits = limits_in_force(app.config)
    models = refreshed(app)
    try:
        reports = models.vendor_report(days)
        accounts = connector_rows(models)
        stuck = models.stuck(limits)
        health = models.vendor_health()
        if html_path is not None:
            write_html(models, reports, html_path, limits)
    finally:
        models.close()
    if app.as_json:
        print_json({"days": days, "vendors": reports, "vendor_health": health})
    else:
        print_table(f"vendors, last {days} day(s)", REPORT_COLUMNS, report_rows(reports),
                    optional=["declines", "cancelled", "cap hits", "lead p95", "spend",
                              "rejected", "declined"])
        print_table("vendor accounts", ["vendor", "account", "last success", "waiting on a person"],
                    accounts)
        print_table("vendor health", HEALTH_COLUMNS, health_rows(health))
        print_table(f"stuck orders ({len(stuck)})", STUCK_COLUMNS, stuck_rows(stuck))
    if html_path is not None and not app.as_json:
        click.echo(f"HTML report written to {html_path}")


STUCK_COLUMNS = ["order", "vendor", "state", "in it for", "limit", "since"]


def stuck_rows(items: list[Any]) -> list[tuple[Any, ...]]:
    """(order, vendor, state, age, limit, since) of each stuck order, oldest first."""
    def spent(seconds: float | None) -> str:
        return "" if seconds is None else span(timedelta(seconds=seconds))

    return [(str(i.order_id), i.vendor, i.ref, spent(i.age_seconds), spent(i.limit_seconds),
             i.since) for i in items]


def write_html(models: Any, reports: list[Any], path: Path,
               stuck: StuckLimits | None = None) -> None:
    """The HTML report; with ``stuck``, stuck orders (their age and limit) are listed too."""
    states: dict[str, int] = {}
    for row in models.list_orders(OrderFilter(limit=1_000_000)):
        states[row.state] = states.get(row.state, 0) + 1
    totals = [r for r in reports if r.day == "total"]
    leads = {r.vendor: (r.lead_p50_seconds, r.lead_p95_seconds) for r in totals}
    html_rows = [(subject, vendor, reason, since) for subject, vendor, _, reason, since
                 in attention_rows(models.attention(stuck=stuck))]
    stuck_table = (STUCK_COLUMNS, stuck_rows(models.stuck(stuck)) if stuck else [])
    html = render_report(states, leads, REPORT_COLUMNS, report_rows(reports), html_rows,
                         stuck_table)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")


@click.command()
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(0.1, 60))
@click.option("--once", is_flag=True, help="Draw once and exit.")
@click.pass_obj
def watch(app: Any, interval: float, once: bool) -> None:
    """Live progress bars of the orders in progress (from ProgressReported)."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total}"), TextColumn("{task.fields[state]}"))
    tasks: dict[str, Any] = {}
    with Live(progress, refresh_per_second=4, transient=False):
        while True:
            models = refreshed(app)
            try:
                rows = models.list_orders(OrderFilter(open_only=True, limit=200))
            finally:
                models.close()
            for row in rows:
                key = str(row.order_id)
                total = row.progress_total or 1
                done = min(row.progress_current or 0, total)
                label = f"{row.vendor:10} {key[:8]}"
                if key not in tasks:
                    tasks[key] = progress.add_task(label, total=total, state=row.state)
                progress.update(tasks[key], total=total, completed=done, state=row.state)
            if once:
                return
            time.sleep(interval)


@click.group()
def projections() -> None:
    """Keep the read models current, rebuild them, or verify them against the ledger."""


@projections.command("run")
@click.option("--follow", is_flag=True, help="Keep following new events until interrupted.")
@click.option("--batch-size", type=click.IntRange(1, 1_000_000), default=None,
              help="Events per transaction (default: the runner's).")
@click.pass_obj
def projections_run(app: Any, follow: bool, batch_size: int | None) -> None:
    runner = ProjectionRunner(app.tracker(), app.config.store_url,
                              auto_upgrade=app.config.auto_migrate,
                              batch_size=batch_size or DEFAULT_BATCH_SIZE)
    try:
        applied = runner.catch_up()
        click.echo(f"applied {applied} event(s); read models are current")
        if follow:
            stop = threading.Event()
            try:
                runner.follow(stop)
            except KeyboardInterrupt:
                stop.set()
    finally:
        runner.close()


@projections.command("rebuild")
@click.pass_obj
def projections_rebuild(app: Any) -> None:
    runner = ProjectionRunner(app.tracker(), app.config.store_url,
                              auto_upgrade=app.config.auto_migrate)
    try:
        count = runner.rebuild()
    finally:
        runner.close()
    click.echo(f"rebuilt the read models from {count} event(s)")


@projections.command("verify")
@click.pass_obj
def projections_verify(app: Any) -> int:
    """Replay every order and compare with every read model; exit 3 on any mismatch."""
    models = refreshed(app)
    try:
        mismatches = verify(app.tracker(), models)
    finally:
        models.close()
    if app.as_json:
        print_json(mismatches)
    elif mismatches:
        print_table(f"{len(mismatches)} mismatch(es)", ["order", "model", "what"],
                    [tuple(str(v) for v in vars(m).values()) for m in mismatches])
    else:
        click.echo("every read model agrees with a replay of the ledger")
    return EXIT_MISMATCH if mismatches else 0


@click.command()
@click.pass_obj
def migrate(app: Any) -> None:
    """Upgrade the read-model schema to the newest migration (the event tables are the library's)."""
    app.tracker(create=True)  # refuses a wrong or missing cipher key, as every command does
    engine = engine_for(app.config.store_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    click.echo("read-model schema is at head")


COMMANDS = [status, attention, report, watch, projections, migrate]
