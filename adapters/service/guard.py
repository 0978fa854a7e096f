"""Who may reach ``/api`` and ``/metrics``: a middleware keyed by path prefix.

With ``[service] api_token_env`` set, a request to a protected path gets through only when
one of the app's checkers says it is authenticated: the first checks
``Authorization: Bearer <token>`` (in constant time); others can be added to
``app[GUARD].checkers`` (the console's session cookie, say) without touching this module.
A checker that admits a request by a cookie must itself refuse a state-changing request
(not GET or HEAD) without its CSRF token: the browser sends cookies on its own.
Everyone else gets 401, one line of JSON and ``WWW-Authenticate: Bearer``. The middleware
runs before routing answers, so a protected path that does not exist is 401 too, and a
route added later under a protected prefix is covered without being listed here.

Without a token nothing is locked; ``serve`` then refuses to listen beyond loopback
(``check_exposure``).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.service.token import bearer_matches

PROTECTED_PREFIXES = ("/api", "/metrics")
"""Paths that need a token: every path that starts with one of these."""

Checker = Callable[[web.Request], Awaitable[bool]]
"""Says whether a request is authenticated (a bearer token, a session cookie...)."""


@dataclass
class Guard:
    """The token (None: nothing is locked) and the checkers any of which admits a request."""

    token: Secret | None
    checkers: list[Checker] = field(default_factory=list)

    @property
    def locked(self) -> bool:
        return self.token is not None

    async def admits(self, request: web.Request) -> bool:
        for checker in self.checkers:
            if await checker(request):
                return True
        return False


GUARD = web.AppKey("guard", Guard)


def protected(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIXES)


def unauthorized() -> web.Response:
    body = json.dumps({"error": "authentication required: send Authorization: Bearer <token>"})
    return web.Response(text=body, status=401, content_type="application/json",
                        headers={"WWW-Authenticate": 'Bearer realm="ordertrail"'})


@web.middleware
async def guard_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    guard = request.app[GUARD]
    if guard.locked and protected(request.path) and not await guard.admits(request):
        return unauthorized()
    return await handler(request)


def install_guard(app: web.Application, token: Secret | None) -> Guard:
    """Lock ``app``'s protected paths behind ``token`` (and any checker added later)."""
    guard = Guard(token)
    if token is not None:
        async def bearer(request: web.Request) -> bool:
            return bearer_matches(request.headers.get("Authorization"), token)

        guard.checkers.append(bearer)
    app[GUARD] = guard
    app.middlewares.append(guard_middleware)
    return guard


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (127.0.0.0/8, ::1); any other name or
    address may be reachable from elsewhere."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(config: Config, host: str, token: Secret | None) -> None:
    """Refuse an API without a token on an address other machines may reach."""
    if token is None and not is_loopback(host):
        raise ConfigError(
            f"{config.source}: [service] host = {host!r} is not a loopback address and "
            "[service] api_token_env is not set: set a token, or listen on 127.0.0.1")
