"""The aiohttp.web receiver PPW posts to (the "PPW Link URL" of an Auto Import).

One route: ``POST`` with a form body holding ``payload``. Every answer is HTTP
200 with PPW's JSON envelope, except a body over the size limit (413) and a
content type other than a form (415). Requests that fail authentication or
cannot be read record nothing, and log only what is safe: never the payload.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from adapters.ppw.auth import AUTH_FAILED, authenticate
from adapters.ppw.config import PPWConfig
from adapters.ppw.errors import PPWRequestError, UnsupportedEventError
from adapters.ppw.link import PPWLink
from adapters.ppw.wire import Envelope, decode_form, encode, event_data
from domain.errors import DomainError

log = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"
DEFAULT_PATH = "/ppw/receiver"
LINK_KEY = web.AppKey("ppw_link", PPWLink)


def make_app(link: PPWLink, path: str = DEFAULT_PATH) -> web.Application:
    """The receiver as an aiohttp application (bodies over the configured limit get 413)."""
    app = web.Application(client_max_size=link.config.max_body_bytes)
    app[LINK_KEY] = link
    app.router.add_post(path, receive)
    return app


def reply(
    config: PPWConfig, result: Any = None, *, error: str | None = None, status: int = 200
) -> web.Response:
    envelope = Envelope(
        remote_site_id=config.remote_site_id,
        error=error is not None,
        success=error is None,
        return_error_msg=error,
        result_data="" if error is not None else result,
    )
    return web.Response(body=encode(envelope), status=status, content_type="application/json")


async def receive(request: web.Request) -> web.Response:
    link = request.app[LINK_KEY]
    config = link.config
    if request.content_type != FORM:
        log.warning("ppw receiver: refused content type %r", request.content_type[:60])
        return reply(config, error=f"content type must be {FORM}", status=415)
    body = await request.read()  # raises HTTPRequestEntityTooLarge (413) past the limit
    try:
        payload = decode_form(body)
    except PPWRequestError as failure:
        log.warning("ppw receiver: unreadable request: %s", failure.reply)
        return reply(config, error=failure.reply)
    event_name = payload.event_name[:60]
    if not authenticate(payload, config):
        log.warning("ppw receiver: credentials refused (event %r)", event_name)
        return reply(config, error=AUTH_FAILED)
    try:
        result = link.handle(payload.event_name, event_data(payload))
    except UnsupportedEventError as failure:
        log.warning("ppw receiver: %s", failure.detail)
        return reply(config, error=failure.reply)
    except PPWRequestError as failure:
        log.warning("ppw receiver: %s refused: %s", event_name, failure.reply)
        return reply(config, error=failure.reply)
    except DomainError as failure:
        log.warning("ppw receiver: %s refused by the ledger: %s", event_name, failure)
        return reply(config, error=str(failure))
    return reply(config, result)
