"""The operator console: server-rendered pages at ``/`` of ``ordertrail serve``.

Orders (filter, search, sort, page), one order (its state, request, results and timeline as
of any version), the attention queue with the actions the lifecycle allows, live progress
and the report. Templates and the stylesheet ship as package data; the only script is the
few lines of polling in ``static/live.js``.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.service.console import act, login, pages
from ordertrail.adapters.service.console.sessions import SESSIONS, Sessions, console_session_ok
from ordertrail.adapters.service.console.wiring import CONSOLE, Console, ConsoleReadSide, environment
from ordertrail.adapters.service.token import api_token
from ordertrail.domain.tracker import Tracker

__all__ = ["add_console", "console_session_ok", "is_loopback"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_console(app: web.Application, tracker: Tracker, read_side: ConsoleReadSide,
                config: Config) -> None:
    """Serve the console from ``app``'s root. Without ``[service] api_token_env`` it is open
    to whoever reaches it, so then it refuses (ConfigError) any host but loopback."""
    token = api_token(config)
    if token is None and not is_loopback(config.service.host):
        raise ConfigError(f"{config.source}: [service] host {config.service.host} is not loopback: "
                          "set [service] api_token_env so the console and API ask for a token")
    app[CONSOLE] = Console(tracker, read_side, config, environment())
    app[SESSIONS] = Sessions(token)
    app.router.add_get("/", pages.orders)
    app.router.add_get("/orders/{order_id}", pages.order)
    app.router.add_get("/orders/{order_id}/files/{name}", pages.result_file)
    app.router.add_post("/orders/{order_id}/{action}", act.act)
    app.router.add_get("/attention", pages.attention)
    app.router.add_get("/report", pages.report)
    app.router.add_get("/live", pages.live)
    app.router.add_get("/login", login.login_form)
    app.router.add_post("/login", login.login)
    app.router.add_post("/logout", login.logout)
    app.router.add_static("/static/", pages.static_dir(), append_version=True)
