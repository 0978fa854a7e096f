"""A misbehaving network between ordertrail and a simulator: a loopback proxy
that forwards each request to the simulator and, when told to, answers with
one of the faults vendors and networks really produce instead."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

FAULTS = ("http_500", "http_503", "timeout", "reset", "truncated", "malformed_json",
          "wrong_types", "huge_body", "slow_body")
HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "content-encoding", "host"}


@dataclass
class Chaos:
    rate: float = 0.0
    seed: int = 0
    stall_seconds: float = 3.0
    injected: Counter[str] = field(default_factory=Counter)
    faulty_posts: bool = True
    on_their_way: int = 0
    """Requests the proxy took and has not yet had answered by the vendor (a stalled one
    reaches the vendor after the client gave up on it)."""

    async def delivered(self, within: float = 60.0) -> None:
        """Wait until every request the proxy took has reached the vendor and been answered."""
        deadline = asyncio.get_running_loop().time() + within
        while self.on_their_way and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        assert not self.on_their_way, f"{self.on_their_way} requests still held by the proxy"

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self, method: str) -> str | None:
        if method == "POST" and not self.faulty_posts:
            return None
        if self.rate and self.rng.random() < self.rate:
            fault = self.rng.choice(FAULTS)
            self.injected[fault] += 1
            return fault
        return None


async def start_proxy(target: str, chaos: Chaos) -> tuple[web.AppRunner, str]:
    """Serve a proxy to ``target`` on a free loopback port; returns its runner and base URL."""
    session = aiohttp.ClientSession(auto_decompress=False)
    box: dict[str, str] = {}

    async def forward(request: web.Request) -> web.StreamResponse:
        fault = chaos.pick(request.method)
        chaos.on_their_way += 1
        try:
            if fault == "timeout":
                await asyncio.sleep(chaos.stall_seconds)
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
            body = await request.read()
            async with session.request(request.method, target + request.path_qs,
                                       headers=headers, data=body,
                                       allow_redirects=False) as upstream:
                content = (await upstream.read()).replace(target.encode(), box["base"].encode())
                status, content_type = upstream.status, upstream.headers.get("Content-Type")
                passed = {k: v for k, v in upstream.headers.items()
                          if k.lower() not in HOP_HEADERS}
        finally:
            chaos.on_their_way -= 1
        if fault in ("http_500", "http_503"):
            return web.Response(status=int(fault[-3:]), text="upstream trouble")
        if fault == "reset":
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        if fault == "malformed_json":
            return web.Response(status=200, body=b'{"status": "in_progress", ',
                                content_type="application/json")
        if fault == "wrong_types":
            return web.Response(status=200, body=b'{"status": 7, "progress": "lots", "id": []}',
                                content_type="application/json")
        if fault == "huge_body":
            return web.Response(status=200, body=b"[" + b"0," * 3_000_000 + b"0]",
                                content_type="application/json")
        if fault in ("truncated", "slow_body"):
            response = web.StreamResponse(status=status, headers={
                **passed, "Content-Length": str(len(content) + 100)})
            if content_type:
                response.content_type = content_type.split(";")[0]
            await response.prepare(request)
            await response.write(content[: len(content) // 2])
            if fault == "slow_body":
                await asyncio.sleep(chaos.stall_seconds)
            if request.transport is not None:
                request.transport.close()
            return response
        return web.Response(status=status, body=content, headers=passed)

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", forward)
    app.on_cleanup.append(lambda _: session.close())
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    box["base"] = f"http://127.0.0.1:{runner.addresses[0][1]}"
    return runner, box["base"]
