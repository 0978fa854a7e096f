"""Compose the service: the PPW Link receiver (when configured) the JSON API and the
operator console at /.

One listener serves both at ``[service] host``/``port``, unless ``receiver_host`` or
``receiver_port`` is set: the receiver (which faces PPW) then has its own app and listener,
and the API, with whatever else is mounted beside it, stays on ``host``/``port``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.ppw import PPWConfig, PPWLink, PPWOutbox, make_app
from ordertrail.adapters.ppw.config import DEFAULT_RECEIVER_PATH, PPWTable
from ordertrail.adapters.ppw.outbox import path_for
from ordertrail.adapters.service.api import make_api
from ordertrail.adapters.service.guard import GUARD, check_exposure, install_guard, protected
from ordertrail.adapters.service.token import api_token
from ordertrail.domain.tracker import Tracker

if TYPE_CHECKING:
    from ordertrail.adapters.service.read_side import ProjectedReadSide


def ppw_config(config: Config) -> PPWConfig | None:
    """The receiver's configuration from ``[vendors.ppw]`` (None without one)."""
    table = config.vendor("ppw", PPWTable)
    if table is None:
        return None
    digest = config.secret_from_env("ppw", "password_sha1_env").lower()  # checked: 40 hex
    return PPWConfig(
        username=table.username, password_sha1=Secret(digest), site_id=table.site_id,
        remote_site_id=table.remote_site_id, max_body_bytes=config.service.max_body_bytes,
    )


def receiver_path(config: Config) -> str:
    table = config.vendor("ppw", PPWTable)
    return DEFAULT_RECEIVER_PATH if table is None else table.receiver_path


def outbox_path(config: Config) -> Path:
    """The PPW receiver's bookkeeping file (see ``ordertrail.adapters.ppw.outbox.path_for``)."""
    return path_for(config.store_url, config.results_dir)


@dataclass(frozen=True)
class Listener:
    """One aiohttp app and the address it listens on."""

    app: web.Application
    host: str
    port: int


@dataclass(frozen=True)
class Service:
    """What ``serve`` runs: the main listener (API, and the receiver unless it has its own),
    the receiver's own listener when configured, and the receiver's bookkeeping file."""

    main: Listener
    receiver: Listener | None
    outbox: PPWOutbox | None

    @property
    def listeners(self) -> list[Listener]:
        return [self.main] if self.receiver is None else [self.main, self.receiver]


def receiver_address(config: Config) -> tuple[str, int] | None:
    """Where the receiver listens apart from the API, or None when they share a listener."""
    service = config.service
    if service.receiver_host is None and service.receiver_port is None:
        return None
    return (service.receiver_host or service.host,
            service.port if service.receiver_port is None else service.receiver_port)


async def _console_reads(request: web.Request) -> bool:
    """A logged-in console session may read the API (it changes things through the console's
    own forms, which carry its CSRF token)."""
    from ordertrail.adapters.service.console.sessions import console_session_ok

    return request.method in ("GET", "HEAD") and console_session_ok(request)


def make_service(tracker: Tracker, read_side: ProjectedReadSide, config: Config) -> Service:
    """The API under /api behind the token guard, beside the receiver or apart from it."""
    token = api_token(config)
    check_exposure(config, config.service.host, token)
    ppw = ppw_config(config)
    outbox: PPWOutbox | None = None
    receiver: web.Application | None = None
    if ppw is not None:
        if protected(receiver_path(config)):
            raise ConfigError(f"{config.source}: [vendors.ppw] receiver_path = "
                              f"{receiver_path(config)!r} is under a path that needs the API token")
        outbox = PPWOutbox(outbox_path(config), cipher=tracker.cipher)
        receiver = make_app(PPWLink(tracker, outbox, ppw), receiver_path(config))
    apart = receiver_address(config)
    if receiver is None or apart is not None:
        app = web.Application(client_max_size=config.service.max_body_bytes)
    else:
        app = receiver  # one listener: the receiver app (it owns the body-size limit)
    install_guard(app, token)
    app.add_subapp("/api", make_api(tracker, read_side, config))
    main = Listener(app, config.service.host, config.service.port)
    from ordertrail.adapters.service.console import add_console  # the read models: serving only

    add_console(app, tracker, read_side, config, outbox)
    app[GUARD].checkers.append(_console_reads)
    if receiver is None or apart is None:
        return Service(main, None, outbox)
    return Service(main, Listener(receiver, *apart), outbox)
