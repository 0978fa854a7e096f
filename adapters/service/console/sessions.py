"""Console sessions: the service token exchanged once for a cookie, and a CSRF token per session.

Sessions live in memory on the server (a random id in an HttpOnly, SameSite=Strict cookie;
nothing signed, so nothing to forge, and a restart logs everyone out). Each session carries
its own CSRF token, which every state-changing form posts back and which is compared in
constant time. With no ``[service] api_token_env`` the console is only served on loopback,
and there every visitor gets a session without logging in (the CSRF check still applies).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from aiohttp import web

from ordertrail.adapters.common.secret import Secret

COOKIE = "ordertrail_session"
LIFETIME_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Session:
    id: str
    csrf: str
    expires: float


@dataclass
class Sessions:
    """The live sessions, and the token a login must present (None: no login, loopback only)."""

    token: Secret | None
    by_id: dict[str, Session] = field(default_factory=dict)
    flashes: dict[str, tuple[str, str]] = field(default_factory=dict)
    """What a session's last action did (note, error), shown once on the next page: kept
    here rather than in the URL, so a link cannot put words in the console's mouth."""

    @property
    def open(self) -> bool:
        return self.token is None

    def start(self) -> Session:
        now = time.monotonic()
        if len(self.by_id) >= MAX_SESSIONS:
            self.by_id = {k: s for k, s in self.by_id.items() if s.expires > now}
            self.flashes = {k: f for k, f in self.flashes.items() if k in self.by_id}
            while len(self.by_id) >= MAX_SESSIONS:  # still full: the oldest go first
                self.by_id.pop(next(iter(self.by_id)))
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                          now + LIFETIME_SECONDS)
        self.by_id[session.id] = session
        return session

    def find(self, session_id: str | None) -> Session | None:
        session = self.by_id.get(session_id or "")
        if session is None or session.expires <= time.monotonic():
            return None
        return session

    def end(self, session_id: str | None) -> None:
        self.by_id.pop(session_id or "", None)
        self.flashes.pop(session_id or "", None)

    def flash(self, session: Session, note: str = "", error: str = "") -> None:
        self.flashes[session.id] = (note, error)

    def take_flash(self, session: Session) -> tuple[str, str]:
        return self.flashes.pop(session.id, ("", ""))


SESSIONS = web.AppKey("console_sessions", Sessions)
SESSION = "console_session"
"""The request key a page handler finds its Session under."""


def console_session_ok(request: web.Request) -> bool:
    """True when ``request`` carries a live console session cookie (the API admits it too)."""
    sessions = request.config_dict.get(SESSIONS)
    return sessions is not None and sessions.find(request.cookies.get(COOKIE)) is not None


def set_cookie(response: web.StreamResponse, session: Session) -> None:
    response.set_cookie(COOKIE, session.id, httponly=True, samesite="Strict", path="/",
                        max_age=LIFETIME_SECONDS)


def csrf_ok(session: Session, offered: str) -> bool:
    return hmac.compare_digest(offered.encode("utf-8"), session.csrf.encode("utf-8"))


def page(handler: Handler) -> Handler:
    """A page only a session may see: without one, 303 to the login (with no token, a session
    is started on the spot)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        sessions = request.app[SESSIONS]
        session = sessions.find(request.cookies.get(COOKIE))
        fresh = session is None and sessions.open
        if fresh:
            session = sessions.start()
        if session is None:
            target = request.path_qs if request.method == "GET" else "/"
            raise web.HTTPSeeOther(f"/login?next={_quote(target)}")
        request[SESSION] = session
        response = await handler(request)
        if fresh:
            set_cookie(response, session)
        return response

    return guarded


def action(handler: Handler) -> Handler:
    """A state-changing POST: a session and its CSRF token (403 without the right one)."""

    async def checked(request: web.Request) -> web.StreamResponse:
        session = request.app[SESSIONS].find(request.cookies.get(COOKIE))
        if session is None:
            raise web.HTTPSeeOther("/login")
        form = await request.post()
        offered = form.get("csrf")
        if not isinstance(offered, str) or not csrf_ok(session, offered):
            raise web.HTTPForbidden(text="the form's CSRF token is missing or wrong: reload the page")
        request[SESSION] = session
        return await handler(request)

    return checked


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (never ``//host`` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _quote(target: str) -> str:
    return quote(target, safe="")
