"""What every console handler shares: the tracker, the read side, the configuration, the
templates, and the rendering of one page."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import jinja2
from aiohttp import web

from ordertrail.adapters.config import Config
from ordertrail.adapters.service.console import states
from ordertrail.adapters.service.console.sessions import SESSION, SESSIONS, Session
from ordertrail.domain.tracker import Tracker
from ordertrail.projections.queries import ReadModels

T = TypeVar("T")


class ConsoleReadSide(Protocol):
    """The read models, caught up with the ledger before each use."""

    def current(self) -> ReadModels: ...


@dataclass(frozen=True)
class Console:
    tracker: Tracker
    read_side: ConsoleReadSide
    config: Config
    templates: jinja2.Environment


CONSOLE = web.AppKey("console", Console)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ordertrail.adapters.service.console", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(meaning=states.meaning, labels=states.LABELS, meanings=states.MEANINGS,
                       lifecycle=[s.value for s in states.LIFECYCLE])
    env.filters["when"] = when
    return env


def when(moment: Any) -> str:
    """A time with its zone shown (stored times are UTC)."""
    if moment is None:
        return ""
    return str(moment.strftime("%Y-%m-%d %H:%M:%S %Z") if moment.tzinfo else
               moment.strftime("%Y-%m-%d %H:%M:%S UTC"))


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    console = request.app[CONSOLE]
    session: Session | None = request.get(SESSION)
    html = console.templates.get_template(name).render(
        csrf=session.csrf if session else "", path=request.path,
        logged_in=session is not None and not request.app[SESSIONS].open, **context)
    return web.Response(text=html, status=status, content_type="text/html",
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Content-Security-Policy": CSP})


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'")


async def in_thread(func: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(func, *args)
