"""The HTTP access log of ``serve`` (and of the receiver and metrics of ``sync --follow``):
one structured line per request. Only the path is logged, never the query string, a header
or a body (a receiver's credential may travel in the body, the API token in a header)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from ordertrail.adapters.observability.logs import get_logger

log = get_logger("ordertrail.http")


class AccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        log.info("request", method=request.method, path=request.path, status=response.status,
                 bytes=response.body_length, seconds=round(time, 4), remote=request.remote)
