"""Long-running and end-to-end commands: demo, sync, serve."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shlex
import signal
import socket
from collections.abc import Collection
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import click
import msgspec
from aiohttp import web
from rich.console import Console

from ordertrail.adapters.cli.demo import DEMO_DIR, DemoResult, doubled, run_demo
from ordertrail.adapters.cli.render import print_json, print_table
from ordertrail.adapters.cli.watch import Watch, limits_in_force
from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.plugin import Receiver
from ordertrail.adapters.config import ConfigError
from ordertrail.adapters.observability.access import AccessLogger
from ordertrail.adapters.observability.sync_watch import SyncWatch
from ordertrail.adapters.service.app import make_service, receiver_address, the_receiver
from ordertrail.adapters.service.guard import check_exposure
from ordertrail.adapters.service.token import api_token
from ordertrail.adapters.store.leases import LeaseBook
from ordertrail.adapters.sync.engine import PassReport, SyncEngine
from ordertrail.adapters.sync.observer import SyncObserver
from ordertrail.adapters.wiring import sync_vendors, unreachable_vendors, vendor_urls
from ordertrail.projections import OrderFilter


@click.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path),
              default=DEMO_DIR, show_default=True,
              help="Working directory (emptied and refilled on every run).")
@click.pass_obj
def demo(app: Any, workdir: Path) -> int:
    """Place ~40 orders with the simulated vendors, sync them, and report."""
    from ordertrail.adapters.cli import commands_read as read

    console = Console(stderr=app.as_json)
    result = asyncio.run(run_demo(workdir, console))
    app.config = type(app.config)(**{**app.config.__dict__, "store_url": result.store_url})
    app.close()
    models = read.refreshed(app)
    try:
        rows = models.list_orders(OrderFilter(limit=1000))
        attention_items = models.attention()
        reports = models.vendor_report(1)
        html = workdir / "report.html"
        read.write_html(models, models.vendor_report(7), html)
    finally:
        models.close()
    if app.as_json:
        print_json({"result": _summary(result), "console": console_command(workdir),
                    "orders": [r._asdict() for r in rows],
                    "attention": attention_items, "report": reports})
    else:
        rows.sort(key=lambda r: (r.vendor, r.state))
        print_table(f"orders ({len(rows)})", read.STATUS_COLUMNS, read.status_rows(rows),
                    wide={"attention"}, optional=read.STATUS_OPTIONAL)
        print_table(f"needs a person ({len(attention_items)})",
                    read.ATTENTION_COLUMNS, read.attention_rows(attention_items),
                    wide={"reason"}, optional=["kind"])
        totals = [r for r in reports if r.day == "total"]
        print_table("vendors today (ordertrail report shows every column)",
                         COMPACT_REPORT_COLUMNS, [_compact(r) for r in totals])
        _print_summary(console, result, html)
    return 1 if doubled(result) else 0


COMPACT_REPORT_COLUMNS = ["vendor", "asked", "placed", "declined", "rej.", "failed", "done",
                          "p50", "cap"]


def _compact(report: Any) -> tuple[Any, ...]:
    counts = report.counts
    lead = "" if report.lead_p50_seconds is None else f"{report.lead_p50_seconds:.1f}s"
    return (report.vendor, counts["requested"], counts["placed"], counts["declined"],
            counts["rejected"], counts["failed"], counts["completed"], lead,
            counts["placed_against_cap"])


def _summary(result: DemoResult) -> dict[str, Any]:
    return {"store": result.store_url, "orders": sum(map(len, result.orders.values())),
            "states": dict(result.states), "passes": result.passes,
            "seconds": round(result.seconds, 2), "files_downloaded": result.files,
            "vendor_side": {k: str(v) for k, v in result.vendor_side.items()},
            "doubled": doubled(result)}


def _print_summary(console: Console, result: DemoResult, html: Path) -> None:
    console.print(f"\n[bold]{sum(map(len, result.orders.values()))} orders[/bold] settled in "
                  f"{result.passes} sync passes, {result.seconds:.1f}s; "
                  f"{result.files} result files in {result.workdir / 'results'}")
    for vendor, line in result.vendor_side.items():
        console.print(f"  {vendor:<11} {line}")
    console.print(f"HTML report: {html}")
    console.print(f"Try: ordertrail --store {result.store_url} history <order>   "
                  f"(or status, attention, report, projections verify)")
    console.print(f"Open the console on this store: {console_command(result.workdir)}", soft_wrap=True)
    console.print("  then browse http://127.0.0.1:8080/ (no token set: loopback only, no login)")


def console_command(workdir: Path) -> str:
    """The command that serves the operator console on the demo's store (and its results)."""
    return f"cd {shlex.quote(str(workdir))} && ordertrail --store sqlite:///ordertrail.db serve"


# ---------------------------------------------------------------- sync
@click.command()
@click.option("--once", "mode", flag_value="once", default=True, help="One pass, then exit.")
@click.option("--follow", "mode", flag_value="follow",
              help="Keep going until interrupted (and run the receiver of a vendor that calls us, "
                   "when configured).")
@click.option("--worker", default=None, help="This worker's name for order leases.")
@click.pass_obj
def sync(app: Any, mode: str, worker: str | None) -> int:
    """Keep every open order current: submit, reconcile, poll, download."""
    owner = worker or f"{socket.gethostname()}:{os.getpid()}"
    down = asyncio.run(unreachable_vendors(vendor_urls(app.config)))
    for vendor, problem in sorted(down.items()):
        click.echo(f"ordertrail: vendor {vendor} is unreachable at {problem}; "
                   "its orders wait for a later pass", err=True)
    if mode == "once":
        report = asyncio.run(_sync_once(app, owner, skip=set(down)))
        if app.as_json:
            print_json(report)
        else:
            click.echo(f"open {report.open_orders}  submitted {report.submitted}  "
                       f"reconciled {report.reconciled}  polled {report.polled}  "
                       f"retrieved {report.retrieved}  recorded {report.recorded} event(s)")
            for problem in report.errors:
                click.echo(f"  problem: {problem}", err=True)
        return 1 if down else 0
    asyncio.run(_sync_follow(app, owner))
    return 0


def _engine(app: Any, session: aiohttp.ClientSession, owner: str,
            skip: Collection[str] = (), observer: SyncObserver | None = None) -> SyncEngine:
    vendors = {k: v for k, v in sync_vendors(app.config, session).items() if k not in skip}
    if not app.config.vendors:
        raise ConfigError(f"{app.config.source}: no [vendors.*] table, so nothing to sync")
    downloader = SafeDownloader(session, app.config.results_dir,
                                max_bytes=app.config.results_max_bytes)
    lease = timedelta(seconds=app.config.sync.lease_seconds)
    leases = LeaseBook(app.config.store_url, owner, ttl=lease)
    interval = timedelta(seconds=app.config.sync.pass_interval_seconds)
    return SyncEngine(app.tracker(create=True), vendors, downloader, leases=leases,
                      configured=set(app.config.vendors), pass_interval=interval,
                      observer=observer or SyncWatch())


async def _sync_once(app: Any, owner: str, skip: Collection[str]) -> PassReport:
    async with aiohttp.ClientSession() as session:
        engine = _engine(app, session, owner, skip)
        try:
            return await engine.run_once()
        finally:
            await engine.release()


async def _sync_follow(app: Any, owner: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watch = Watch(app.tracker(create=True), app.config)
    async with aiohttp.ClientSession() as session:
        engine = _engine(app, session, owner, observer=watch.sync_observer())
        receiver = await _start_receiver(app, watch)
        try:
            await _watch_sync(watch, app.config.sync, stop)
            await engine.run_forever(stop)
        finally:
            stop.set()
            await watch.close()
            await engine.release()
            if receiver is not None:
                runner, vendor_receiver = receiver
                await runner.cleanup()
                vendor_receiver.close()


async def _watch_sync(watch: Watch, sync: Any, stop: asyncio.Event) -> None:
    """Metrics and health on ``[sync] metrics_host:metrics_port`` (when set), alerts."""
    if sync.metrics_port is not None:
        await watch.serve_metrics(sync.metrics_host or "127.0.0.1", sync.metrics_port,
                                  api_token(watch.config))
    await watch.start(stop, keep_current=sync.metrics_port is not None)


async def _start_receiver(app: Any, watch: Watch) -> tuple[web.AppRunner, Receiver] | None:
    receiver = the_receiver(app.config, app.tracker(create=True))
    if receiver is None:
        return None
    host, port = receiver_address(app.config) or (app.config.service.host, app.config.service.port)
    watch.observe_receiver(receiver)
    runner = await _serve(receiver.app, app, host, port)
    return runner, receiver


async def _serve(web_app: web.Application, app: Any, host: str, port: int,
                 label: str = "") -> web.AppRunner:
    runner = web.AppRunner(web_app, access_log_class=AccessLogger, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        raise ConfigError(f"{app.config.source}: cannot listen on {host}:{port}: "
                          f"{error.strerror or error}") from None
    click.echo(f"listening on http://{host}:{runner.addresses[0][1]}{label}", err=True)
    return runner


# ---------------------------------------------------------------- serve
@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Override [service] port (0: any free port).")
@click.pass_obj
def serve(app: Any, port: int | None) -> None:
    """The operator console at /, the receiver of a vendor that calls us (when configured) and
    the JSON API under /api, on one listener or (with [service] receiver_host/receiver_port) on
    two."""
    if port is not None:
        service = msgspec.structs.replace(app.config.service, port=port)
        app.config = dataclasses.replace(app.config, service=service)
    check_exposure(app.config, app.config.service.host, api_token(app.config))
    asyncio.run(_serve_forever(app))


async def _serve_forever(app: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from ordertrail.adapters.service.read_side import ProjectedReadSide  # the projections, only when serving

    read_side = ProjectedReadSide(app.tracker(create=True), app.config.store_url,
                                  auto_upgrade=app.config.auto_migrate,
                                  stuck=limits_in_force(app.config))
    service = make_service(app.tracker(create=True), read_side, app.config)
    watch = Watch(app.tracker(create=True), app.config, catch_up=read_side.catch_up)
    watch.mount(service.main.app)  # beside /api, behind the same token guard
    if service.vendor_receiver is not None:
        watch.observe_receiver(service.vendor_receiver)
    runners: list[web.AppRunner] = []
    try:
        await watch.start(stop, keep_current=True)  # a bad [alerts] variable: before listening
        for listener in service.listeners:
            label = (f" ({service.vendor_receiver.path} receiver)"
                     if listener is service.receiver and service.vendor_receiver else "")
            runners.append(await _serve(listener.app, app, listener.host, listener.port, label))
        await stop.wait()
    finally:
        stop.set()
        await watch.close()
        for runner in reversed(runners):
            await runner.cleanup()
        read_side.close()
        if service.vendor_receiver is not None:
            service.vendor_receiver.close()


COMMANDS = [demo, sync, serve]
