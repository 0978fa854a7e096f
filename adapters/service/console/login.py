"""Logging in and out: the service token, once, for a session cookie."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ordertrail.adapters.service.console.sessions import (
    COOKIE,
    SESSION,
    SESSIONS,
    action,
    safe_next,
    set_cookie,
)
from ordertrail.adapters.service.console.wiring import render
from ordertrail.adapters.service.token import token_matches

FAILED_LOGIN_DELAY = 0.5


async def login_form(request: web.Request) -> web.StreamResponse:
    sessions = request.app[SESSIONS]
    target = safe_next(request.query.get("next"))
    if sessions.open or sessions.find(request.cookies.get(COOKIE)):
        raise web.HTTPSeeOther(target)
    return render(request, "login.html", title="Log in", next=target, failed=False)


async def login(request: web.Request) -> web.StreamResponse:
    sessions = request.app[SESSIONS]
    form = await request.post()
    target = safe_next(form.get("next") if isinstance(form.get("next"), str) else None)  # type: ignore[arg-type]
    offered = form.get("token")
    if sessions.token is None:
        raise web.HTTPSeeOther(target)
    if not isinstance(offered, str) or not token_matches(offered.strip(), sessions.token):
        await asyncio.sleep(FAILED_LOGIN_DELAY)  # guessing costs time
        return render(request, "login.html", status=401, title="Log in", next=target, failed=True)
    session = sessions.start()
    response = web.HTTPSeeOther(target)
    set_cookie(response, session)
    raise response


@action
async def logout(request: web.Request) -> web.StreamResponse:
    request.app[SESSIONS].end(request[SESSION].id)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE, path="/")
    raise response
