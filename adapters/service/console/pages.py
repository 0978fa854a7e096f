"""The console's pages: the orders list, one order, the attention queue, the report."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from aiohttp import web

from ordertrail.adapters.registry import known
from ordertrail.adapters.service.console import charts
from ordertrail.adapters.service.console.choices import actions_for
from ordertrail.adapters.service.console.queries import PER_PAGE, SORTS, ListQuery, list_page, vendors
from ordertrail.adapters.service.console.sessions import SESSION, SESSIONS, console_session_ok, page
from ordertrail.adapters.service.console.states import meaning
from ordertrail.adapters.service.console.wiring import CONSOLE, in_thread, render
from ordertrail.domain.errors import DomainError, OrderNotFoundError
from ordertrail.domain.state_machine import State
from ordertrail.domain.vendors import parse_order_id


def parse_list_query(query: Any) -> tuple[ListQuery, list[str]]:
    """The list's parameters; a bad one is dropped and named in the page's error line."""
    errors: list[str] = []
    values: dict[str, Any] = {}

    def take(name: str, parse: Any, what: str) -> None:
        text = query.get(name, "").strip()
        if not text:
            return
        try:
            values[name] = parse(text)
        except (ValueError, DomainError):
            errors.append(f"{name}: {text!r} is not {what}")

    take("vendor", known, "a known vendor")
    take("state", lambda t: State.parse(t).value, "a state")
    take("placed_from", date.fromisoformat, "a date (YYYY-MM-DD)")
    take("placed_to", date.fromisoformat, "a date (YYYY-MM-DD)")
    take("page", lambda t: _positive(int(t)), "a page number (1 to 1000000)")
    take("per_page", lambda t: _one_of(int(t), PER_PAGE), f"one of {PER_PAGE}")
    take("sort", lambda t: _one_of(t, tuple(SORTS)), f"one of {', '.join(SORTS)}")
    search = query.get("q", "").strip()[:200]
    return ListQuery(
        vendor=values.get("vendor"), state=values.get("state"),
        needs_person=query.get("person", "") in ("1", "on", "true"),
        placed_from=values.get("placed_from"), placed_to=values.get("placed_to"), search=search,
        sort=values.get("sort", "requested"), descending=query.get("dir", "desc") != "asc",
        page=values.get("page", 1), per_page=values.get("per_page", 50)), errors


def _positive(n: int) -> int:
    if not 1 <= n <= 1_000_000:
        raise ValueError(n)
    return n


def _one_of(value: Any, allowed: tuple[Any, ...]) -> Any:
    if value not in allowed:
        raise ValueError(value)
    return value


@page
async def orders(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    query, errors = parse_list_query(request.query)

    def load() -> tuple[Any, list[str]]:
        engine = console.read_side.current().engine
        return list_page(engine, query), vendors(engine)

    found, known = await in_thread(load)
    return render(request, "orders.html", title="Orders", page=found, q=query, errors=errors,
                  vendors=known, sorts=list(SORTS), per_page_choices=PER_PAGE,
                  args={k: v for k, v in request.query.items() if k not in ("page", "sort", "dir")})


@page
async def order(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    order_id = order_id_of(request)
    version = request.query.get("version", "")

    def load() -> tuple[Any, Any, Any]:
        history = console.tracker.history(order_id)
        latest = history[-1].version
        at = int(version) if version.isdigit() and 1 <= int(version) < latest else None
        return console.tracker.get_order(order_id, version=at), history, at

    try:
        view, history, at = await in_thread(load)
    except OrderNotFoundError as failure:
        raise web.HTTPNotFound(text=str(failure)) from None
    files = [e.fields for e in history if e.type == "ResultRetrieved"]
    return render(request, "order.html", title=f"Order {str(view.id)[:8]}", view=view,
                  history=history, at=at, files=files,
                  actions=[] if at else actions_for(view), flash=_flash(request))


@page
async def result_file(request: web.Request) -> web.StreamResponse:
    """A downloaded result of the order, only by a name its history records, only from its
    own folder under the results directory (no path leaves it)."""
    console = request.app[CONSOLE]
    order_id = order_id_of(request)
    name = request.match_info["name"]
    try:
        history = await in_thread(console.tracker.history, order_id)
    except OrderNotFoundError as failure:
        raise web.HTTPNotFound(text=str(failure)) from None
    recorded = {e.fields.get("file_name"): e.fields for e in history if e.type == "ResultRetrieved"}
    if name not in recorded or "/" in name or "\\" in name or name in (".", ".."):
        raise web.HTTPNotFound(text=f"order {order_id} has no result named {name!r}")
    folder = (console.config.results_dir / str(order_id)).resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise web.HTTPNotFound(text=f"the result {name!r} of order {order_id} is not on disk")
    media = str(recorded[name].get("media_type") or "application/octet-stream")
    return web.FileResponse(path, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quoted(name)}",
        "Content-Type": media, "X-Content-Type-Options": "nosniff"})


ATTENTION_SHOWN = 200
"""The oldest items the attention page shows with their actions (each reads its order)."""


@page
async def attention(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]

    def load() -> tuple[list[dict[str, Any]], int]:
        items = console.read_side.current().attention()
        now = datetime.now(UTC)
        shown = []
        for item in items[:ATTENTION_SHOWN]:
            view = console.tracker.get_order(item.order_id) if item.order_id else None
            shown.append({"item": item, "view": view, "age": _age(now - item.since),
                          "actions": actions_for(view) if view else []})
        return shown, len(items)

    shown, total = await in_thread(load)
    return render(request, "attention.html", title="Needs a person", items=shown, total=total,
                  flash=_flash(request))


@page
async def report(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    days = int(request.query["days"]) if request.query.get("days", "").isdigit() else 14
    days = max(1, min(days, 366))
    def load() -> tuple[Any, Any]:
        models = console.read_side.current()
        return models.vendor_report(days), models.vendor_health()

    reports, health = await in_thread(load)
    today = datetime.now(UTC).date()
    day_list = [(today - timedelta(days=days - 1 - i)).isoformat() for i in range(days)]
    per_day: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    totals = {}
    for r in reports:
        if r.day == "total":
            totals[r.vendor] = r
        else:
            per_day[r.vendor][r.day] = r.counts
    series = {metric: {v: [per_day[v].get(d, {}).get(metric, 0) for d in day_list] for v in totals}
              for metric in ("requested", "completed")}
    return render(request, "report.html", title="Report", days=days, totals=totals, health=health,
                  rows=[r for r in reports if r.day != "total"],
                  outcomes=charts.outcome_bars({v: t.counts for v, t in totals.items()}),
                  requested=charts.trend(day_list, series["requested"], "Orders requested per day"),
                  completed=charts.trend(day_list, series["completed"], "Orders completed per day"))


async def live(request: web.Request) -> web.StreamResponse:
    """State and progress of the orders a page shows, for its few lines of polling script."""
    if not console_session_ok(request):
        raise web.HTTPUnauthorized(text="log in first")
    ids = []
    for text in request.query.get("ids", "").split(",")[:500]:
        try:
            ids.append(UUID(text))
        except ValueError:
            continue
    rows, _, _ = await in_thread(lambda: request.app[CONSOLE].read_side.current().rows_of(ids))
    return web.json_response({str(i): {
        "state": r.state, "meaning": meaning(r.state, r.needs_person),
        "current": r.progress_current, "total": r.progress_total, "version": r.last_version,
    } for i, r in rows.items()}, headers={"Cache-Control": "no-store"})


def _flash(request: web.Request) -> tuple[str, str]:
    """The (note, error) the session's last action left, shown once."""
    return request.app[SESSIONS].take_flash(request[SESSION])


def order_id_of(request: web.Request) -> UUID:
    try:
        return parse_order_id(request.match_info["order_id"])
    except DomainError as failure:
        raise web.HTTPNotFound(text=str(failure)) from None


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m" if minutes else f"{seconds}s"


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def static_dir() -> Path:
    return Path(__file__).with_name("static")



