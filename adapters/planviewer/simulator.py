"""A Planviewer Product API simulator, faithful to seeds 000/001 and vendor-spec B.5.

Jobs advance one step per status poll (fast tests, no clock). Controls live on
``PlanviewerSim``: per-intention ``plans`` (steps, wait for a location choice
at a step, end in error), the daily cap, 402 mode, intentions answered 400,
dropped answers (the job is created, then the connection is closed), 5xx or
429 bursts on status and order (with a ``Retry-After``), unknown statuses, a
delay. ``log`` keeps every request with its time. ``jobs_per_intention`` counts
jobs created, so tests can prove nothing was ordered twice.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web

PDF = b"%PDF-1.4\n% ordertrail simulated Planviewer report\n" + b"0" * 4000 + b"\n%%EOF\n"


@dataclass
class Plan:
    steps: int = 3
    wait_at: int | None = None
    error_at: int | None = None
    unknown_status: str | None = None
    retrieve_status: int | None = None
    """Answer jobs/retrieve with this HTTP status, always (403, 404...)."""
    missing_from_status: bool = False
    """Leave the job out of every jobs/status answer."""


@dataclass
class Job:
    uuid: str
    intention: str
    plan: Plan
    polls: int = 0
    current: int = 0
    waiting: bool = False
    selected: list[int] | None = None

    def advance(self) -> str:
        self.polls += 1
        if self.polls == 1:
            return "initial"
        if self.plan.unknown_status:
            return self.plan.unknown_status
        if self.waiting:
            return "waiting for user"
        if self.current < self.plan.steps:
            self.current += 1
        if self.plan.error_at is not None and self.current >= self.plan.error_at:
            return "error"
        if self.plan.wait_at is not None and self.current == self.plan.wait_at and not self.selected:
            self.waiting = True
            return "waiting for user"
        return "finished" if self.current >= self.plan.steps else "in_progress"

    @property
    def status(self) -> str:
        if self.polls <= 1:
            return "initial"
        if self.waiting:
            return "waiting for user"
        return "finished" if self.current >= self.plan.steps else "in_progress"


@dataclass
class PlanviewerSim:
    key_id: str = "demo-key"
    secret: str = "demo-secret"
    plans: dict[str, Plan] = field(default_factory=dict)
    daily_cap: int = 10
    payment_required: bool = False
    invalid_intentions: set[str] = field(default_factory=set)
    drop_next_orders: int = 0
    status_failures: int = 0
    failure_status: int = 503
    """What each of ``status_failures`` and ``order_failures`` answers (503, 429, 500...)."""
    retry_after: str | None = None
    """A ``Retry-After`` header sent with each of those failures (seconds or an HTTP date)."""
    order_failures: int = 0
    """jobs/order answers ``failure_status`` this many times, creating nothing."""
    delay_seconds: float = 0.0
    extra_status_fields: dict[str, Any] = field(default_factory=dict)
    """Fields the documentation does not name, added to every job in jobs/status (a newer API)."""
    jobs: dict[str, Job] = field(default_factory=dict)
    jobs_per_intention: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    """Every request received, by method and route (``"GET jobs/status"``), authorized or not."""
    log: list[tuple[float, str]] = field(default_factory=list)
    """The same requests in the order they came, each with its ``time.monotonic()``."""

    def failure(self) -> web.Response:
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else None
        return web.Response(status=self.failure_status, text="busy", headers=headers)

    def forget(self, job_uuid: str) -> None:
        """Planviewer no longer knows the job: jobs/status refuses its uuid (HTTP 400)."""
        self.jobs.pop(job_uuid, None)

    def authorized(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.key_id}:{self.secret}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"


SIM = web.AppKey("planviewer_sim", PlanviewerSim)
UNAUTHORIZED = {"error": {"code": 401, "message": "Unauthorized"}}


@web.middleware
async def basic_auth(request: web.Request, handler: Any) -> web.StreamResponse:
    sim = request.app[SIM]
    route = request.match_info.route.resource
    path = route.canonical if route is not None else request.path
    what = f"{request.method} {path.removeprefix('/product_api/v1/')}"
    sim.requests[what] += 1
    sim.log.append((time.monotonic(), what))
    if sim.delay_seconds:
        await asyncio.sleep(sim.delay_seconds)
    if not sim.authorized(request):
        return web.json_response(UNAUTHORIZED, status=401)
    response: web.StreamResponse = await handler(request)
    return response


async def products(request: web.Request) -> web.Response:
    return web.json_response([
        {"slug": "bestemmingsplanrapport", "name": "Bestemmingsplanrapport"},
        {"slug": "eigendomsinformatie", "name": "Eigendomsinformatie"},
        {"slug": "test-example-product", "name": "Test product"},
    ])


async def search(request: web.Request) -> web.Response:
    body = await request.json()
    if body.get("entity") not in ("adres", "perceel") or not isinstance(body.get("query"), dict):
        return web.json_response({"error": "invalid entity or query"}, status=400)
    return web.json_response([{
        "score": 12.5, "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, str(body["query"]))),
        "title": "Kerkstraat 1, 6512EX Nijmegen",
        "properties": {"type": "adres", "postcode": "6512EX", "huisnummer": 1},
    }])


async def intentions(request: web.Request) -> web.Response:
    body = await request.json()
    if not body.get("uuids") or not body.get("products"):
        return web.json_response({"error": "uuids and products are required"}, status=400)
    return web.json_response([
        {"uuid": loc, "intentions": [
            {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{loc}/{p}")), "product": p,
             "properties": {"plannaam": "Binnenstad"}} for p in body["products"]]}
        for loc in body["uuids"]
    ])


async def order(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM]
    if sim.order_failures > 0:
        sim.order_failures -= 1
        return sim.failure()
    body = await request.json()
    uuids = body.get("uuids") if isinstance(body, dict) else None
    if not isinstance(uuids, list) or not uuids or any(u in sim.invalid_intentions for u in uuids):
        return web.json_response([{"error": "true", "message": "Invalid set of uuids"}], status=400)
    if sim.payment_required:
        return web.Response(status=402, reason="HTTP PAYMENT REQUIRED")
    if len(sim.jobs) + len(uuids) > sim.daily_cap:
        return web.json_response([{"error": "true", "message": "You are trying to order more "
                                   "products than your daily limit allows"}], status=429)
    pairs = []
    for intention in uuids:
        job = Job(str(uuid.uuid4()), intention, sim.plans.get(intention, Plan()))
        sim.jobs[job.uuid] = job
        sim.jobs_per_intention[intention] += 1
        pairs.append({"uuid": intention, "job": {"uuid": job.uuid}})
    if sim.drop_next_orders > 0:
        sim.drop_next_orders -= 1
        assert request.transport is not None
        request.transport.close()  # the jobs exist; the answer is lost
        return web.Response()
    return web.json_response(pairs)


async def status(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    if sim.status_failures > 0:
        sim.status_failures -= 1
        return sim.failure()
    wanted = request.query.getall("uuids[]", [])
    if any(u not in sim.jobs for u in wanted):
        return web.json_response({"error": "invalid uuids"}, status=400)
    answer = []
    for job_id in wanted:
        job = sim.jobs[job_id]
        if job.plan.missing_from_status:
            continue
        answer.append({"uuid": job_id, "status": job.advance(),
                       "progress": {"current": job.current, "total": job.plan.steps},
                       **sim.extra_status_fields})
    return web.json_response(answer)


async def retrieve(request: web.Request) -> web.Response:
    job = request.app[SIM].jobs.get(request.match_info["job"])
    if job is not None and job.plan.retrieve_status is not None:
        return web.Response(status=job.plan.retrieve_status, text="refused by the plan")
    if job is None or job.status != "finished":
        return web.Response(status=404, text="Job did not finish (successfully)")
    name = f"Bestemmingsplan \u2013 {job.uuid[:8]}.pdf"
    quoted = quote(name, safe="")
    disposition = f'attachment; filename="rapport-{job.uuid[:8]}.pdf"; filename*=UTF-8\'\'{quoted}'
    return web.Response(body=PDF, content_type="application/pdf",
                        headers={"Content-Disposition": disposition,
                                 "Content-Transfer-Encoding": "binary"})


async def kik_waiting(request: web.Request) -> web.Response:
    job = request.app[SIM].jobs.get(request.match_info["job"])
    if job is None or not job.waiting:
        return web.Response(status=404)
    return web.json_response({"locaties": {"1": "Kerkstraat 1 (perceel A 1234)",
                                           "2": "Kerkstraat 1 (perceel A 1235)"},
                              "message": "Het adres ligt op twee percelen. Welke bedoelt u?"})


async def kik_select(request: web.Request) -> web.Response:
    job = request.app[SIM].jobs.get(request.match_info["job"])
    body = await request.json()
    if job is None or not job.waiting or not isinstance(body.get("select"), list):
        return web.Response(status=404)
    job.selected, job.waiting = body["select"], False
    return web.json_response({"status": "ok"})


def make_app(sim: PlanviewerSim) -> web.Application:
    app = web.Application(middlewares=[basic_auth])
    app[SIM] = sim
    api = "/product_api/v1"
    app.router.add_get(f"{api}/products/list", products)
    app.router.add_post(f"{api}/search/structured", search)
    app.router.add_post(f"{api}/intentions/list", intentions)
    app.router.add_post(f"{api}/jobs/order", order)
    app.router.add_get(f"{api}/jobs/status", status)
    app.router.add_get(f"{api}/jobs/retrieve/{{job}}", retrieve)
    app.router.add_get(f"{api}/kik/waiting/{{job}}", kik_waiting)
    app.router.add_post(f"{api}/kik/select/{{job}}", kik_select)
    return app


async def start_planviewer_simulator(
    host: str = "127.0.0.1", port: int = 0, sim: PlanviewerSim | None = None
) -> tuple[web.AppRunner, str, PlanviewerSim]:
    sim = sim or PlanviewerSim()
    runner = web.AppRunner(make_app(sim), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://{host}:{bound}", sim
