"""``GET /healthz``, ``GET /readyz`` and ``GET /metrics``, as aiohttp routes.

``/healthz`` answers while the process runs; ``/readyz`` answers 200, or 503 with a one-line
JSON reason (``health.not_ready``); ``/metrics`` is the Prometheus text format. The store
reads run in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from ordertrail.adapters.observability.metrics import Metrics


def routes(metrics: Metrics, why_not_ready: Callable[[], str | None]) -> list[web.RouteDef]:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        reason = await asyncio.to_thread(why_not_ready)
        if reason is not None:
            return web.json_response({"status": "not ready", "reason": reason}, status=503)
        return web.json_response({"status": "ready"})

    async def scrape(request: web.Request) -> web.Response:
        body = await asyncio.to_thread(metrics.exposition)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", scrape)]
