"""A PlanOmatic pay-and-submit simulator that answers any named status on demand.

Controls (Python, on ``PlanomaticSim``): ``next_statuses`` (a queue used first),
``status_by_email`` (by ``order.client.email``), ``drop_after_charge`` (charge,
then close the connection without answering), ``delay_seconds``. It counts
charges per ordertrail order id found in the order's free text, so tests can
prove nothing was charged twice.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ordertrail.adapters.planomatic.config import DEFAULT_PATH, SESSIONS_PATH

HTTP_CODES = {
    "action-successful": 200, "invalid-token": 401, "session-expired": 401,
    "client-required": 401, "application-crash": 500, "mandrill-email-failed": 500,
    "route-non-existent": 500, "invalid-payment-processor-api-keys": 500,
    "identify-request-error": 500, "service-not-found": 500, "route-not-found": 404,
}
CHARGES_CARD = frozenset({"action-successful", "mandrill-email-failed", "duplicate-payment"})
_REFERENCE = re.compile(r"ordertrail order ([0-9a-f-]{36})")


@dataclass
class PlanomaticSim:
    tokens: set[str] = field(default_factory=lambda: {"app-token"})
    email: str = "ops@example.com"
    password: str = "plano-password"
    next_statuses: deque[str] = field(default_factory=deque)
    status_by_email: dict[str, str] = field(default_factory=dict)
    drop_after_charge: bool = False
    delay_seconds: float = 0.0
    amount: str | None = "149.00"
    """The charge stated in a successful answer (``data.payment.amount``); None states none."""
    charges: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    orders_created: int = 0

    def choose(self, order: dict[str, Any]) -> str:
        if self.next_statuses:
            return self.next_statuses.popleft()
        client = order.get("client")
        if not isinstance(client, dict):
            client = {}
        return self.status_by_email.get(str(client.get("email", "")), "action-successful")


SIM = web.AppKey("planomatic_sim", PlanomaticSim)


def answer(status: str, data: Any = None, **extra: Any) -> web.Response:
    body = {"status": status, "data": data, **extra}
    return web.json_response(body, status=HTTP_CODES.get(status, 400))


async def pay_and_submit(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM]
    sim.requests += 1
    if sim.delay_seconds:
        await asyncio.sleep(sim.delay_seconds)
    if request.content_type != "application/json":
        return answer("invalid-content-type")
    try:
        params = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return answer("invalid-encoded-params")
    if not isinstance(params, dict) or not params:
        return answer("no-params-decoded")
    if "order" not in params or "token" not in params:
        return answer("missing-param", message="order and token are required")
    if params["token"] not in sim.tokens:
        return answer("invalid-token")
    order = params["order"] if isinstance(params["order"], dict) else {}
    status = sim.choose(order)
    if status in CHARGES_CARD:
        reference = _REFERENCE.search(json.dumps(order))
        sim.charges[reference.group(1) if reference else "?"] += 1
    if status == "action-successful":
        sim.orders_created += 1
        data: Any = {"order": {"id": f"PO-{sim.orders_created:05d}", "status": "ordered"}}
        if sim.amount is not None:
            data["payment"] = {"amount": sim.amount}
    else:
        data = None
    if sim.drop_after_charge:
        assert request.transport is not None
        request.transport.close()
        raise ConnectionResetError("simulated dropped answer")
    if status == "client-required":
        return answer(status, data, session={"token": "registration-only"})
    return answer(status, data)


async def create_session(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    try:
        params = json.loads(base64.b64decode(await request.read(), validate=True))
    except (ValueError, UnicodeDecodeError):
        return answer("invalid-encoded-params")
    if params.get("email") != sim.email:
        return answer("email-not-found")
    if params.get("password") != sim.password:
        return answer("invalid-password")
    token = f"session-{len(sim.tokens)}"
    sim.tokens.add(token)
    return answer("action-successful", {"session": {"token": token}})


def make_app(sim: PlanomaticSim, path: str = DEFAULT_PATH) -> web.Application:
    app = web.Application()
    app[SIM] = sim
    app.router.add_post(path, pay_and_submit)
    app.router.add_post(SESSIONS_PATH, create_session)
    return app


async def start_planomatic_simulator(
    host: str = "127.0.0.1", port: int = 0, sim: PlanomaticSim | None = None
) -> tuple[web.AppRunner, str, PlanomaticSim]:
    sim = sim or PlanomaticSim()
    runner = web.AppRunner(make_app(sim), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = site._server.sockets  # type: ignore[union-attr]
    bound = sockets[0].getsockname()[1]
    return runner, f"http://{host}:{bound}", sim
