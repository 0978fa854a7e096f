"""Compose the service: the receiver of a vendor that calls us (when configured), the JSON
API and the operator console at /.

One listener serves both at ``[service] host``/``port``, unless ``receiver_host`` or
``receiver_port`` is set: the receiver (which faces the vendor) then has its own app and listener,
and the API, with whatever else is mounted beside it, stays on ``host``/``port``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from ordertrail.adapters.common.plugin import Receiver
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.service.api import make_api
from ordertrail.adapters.service.guard import GUARD, check_exposure, install_guard, protected
from ordertrail.adapters.service.token import api_token
from ordertrail.adapters.wiring import receiver_paths, receivers
from ordertrail.domain.tracker import Tracker

if TYPE_CHECKING:
    from ordertrail.adapters.service.read_side import ProjectedReadSide


def the_receiver(config: Config, tracker: Tracker) -> Receiver | None:
    """The receiver of the configured vendor that calls us, or None; a ConfigError when its
    path needs the API token, or when more than one configured vendor calls us (one listener
    serves one receiver)."""
    paths = receiver_paths(config)
    for vendor, path in paths.items():
        if protected(path):
            raise ConfigError(f"{config.source}: [vendors.{vendor}] receiver_path = "
                              f"{path!r} is under a path that needs the API token")
    if len(paths) > 1:
        raise ConfigError(f"{config.source}: {', '.join(paths)} all call us: serve one "
                          "receiver per ordertrail service")
    found = receivers(config, tracker)
    return found[0] if found else None


@dataclass(frozen=True)
class Listener:
    """One aiohttp app and the address it listens on."""

    app: web.Application
    host: str
    port: int


@dataclass(frozen=True)
class Service:
    """What ``serve`` runs: the main listener (API, and the receiver unless it has its own),
    the receiver's own listener when configured, and the receiver (closed after serving)."""

    main: Listener
    receiver: Listener | None
    vendor_receiver: Receiver | None

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
    vendor_receiver = the_receiver(config, tracker)
    receiver = None if vendor_receiver is None else vendor_receiver.app
    apart = receiver_address(config)
    if receiver is None or apart is not None:
        app = web.Application(client_max_size=config.service.max_body_bytes)
    else:
        app = receiver  # one listener: the receiver app (it owns the body-size limit)
    install_guard(app, token)
    app.add_subapp("/api", make_api(tracker, read_side, config))
    main = Listener(app, config.service.host, config.service.port)
    from ordertrail.adapters.service.console import add_console  # the read models: serving only

    add_console(app, tracker, read_side, config)
    app[GUARD].checkers.append(_console_reads)
    if receiver is None or apart is None:
        return Service(main, None, vendor_receiver)
    return Service(main, Listener(receiver, *apart), vendor_receiver)
