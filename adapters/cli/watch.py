"""What runs beside ``serve`` and ``sync --follow`` so people can watch them: the health and
metrics routes, the read models kept current, and the alert sender when ``[alerts]
webhook_url_env`` is set.

Alerts, stuck-order gauges and readiness all read the read models, so a process that serves
any of them keeps the read models current itself (``serve`` always; ``sync --follow`` when it
serves metrics or sends alerts): one runner, behind one lock, every second. A second process
doing the same is harmless (the tracking row's compare-and-set refuses a batch applied twice).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import aiohttp
import click
from aiohttp import web

from ordertrail.adapters.alerts.limits import configured_limits
from ordertrail.adapters.alerts.webhook import AlertSender
from ordertrail.adapters.common.plugin import Receiver
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.observability import health
from ordertrail.adapters.observability.access import AccessLogger
from ordertrail.adapters.observability.collector import ReadModelCollector
from ordertrail.adapters.observability.logs import get_logger
from ordertrail.adapters.observability.metrics import Metrics
from ordertrail.adapters.observability.routes import routes
from ordertrail.adapters.observability.sync_watch import SyncWatch
from ordertrail.adapters.service.guard import install_guard, is_loopback
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner, ReadModels, StuckLimits, open_read_models
from ordertrail.projections.errors import ReadModelError

log = get_logger("ordertrail.watch")


def limits_in_force(config: Config) -> StuckLimits:
    """The stuck-order limits ``[alerts.stuck_after]`` puts in force."""
    return configured_limits(config.alerts.stuck_after.limits(), config.stuck_after_by_vendor)
KEEP_EVERY = 1.0
"""Seconds between two catch-ups of the read models."""


class Watch:
    def __init__(self, tracker: Tracker, config: Config,
                 catch_up: Callable[[], int] | None = None) -> None:
        """``catch_up``: how this process brings the read models up to date (``serve``'s read
        side has one); without it the watch opens its own runner when it needs one."""
        self.tracker = tracker
        self.config = config
        self.limits = limits_in_force(config)
        self.metrics = Metrics()
        self._models: ReadModels | None = None
        self._collecting = False
        self._catch_up = catch_up
        self._runner: ProjectionRunner | None = None
        self._lock = threading.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._site: web.AppRunner | None = None

    # ------------------------------------------------------------------ parts
    @property
    def models(self) -> ReadModels:
        """The read models, opened on first use: a ``sync --follow`` nobody watches opens none
        (and so never needs their schema at head)."""
        if self._models is None:
            self._models = open_read_models(self.config.store_url,
                                            auto_upgrade=self.config.auto_migrate)
        return self._models

    def mount(self, app: web.Application) -> None:
        """Add ``/healthz``, ``/readyz`` and ``/metrics`` to ``app``."""
        if not self._collecting:
            self.metrics.registry.register(ReadModelCollector(self.tracker, self.models,
                                                              self.limits))
            self._collecting = True
        app.add_routes(routes(self.metrics, self.not_ready))

    def observe_receiver(self, receiver: Receiver, vendor: str | None = None) -> None:
        """Count each request to a vendor's receiver by event and outcome
        (``ordertrail_<vendor>_requests``)."""
        counter = self.metrics.receiver_requests(vendor or receiver.vendor)
        receiver.observe(lambda event, outcome: counter.labels(event, outcome).inc())

    def not_ready(self) -> str | None:
        return health.not_ready(self.tracker, self.models)

    def sync_observer(self) -> SyncWatch:
        return SyncWatch(self.metrics)

    def catch_up(self) -> int:
        """Bring the read models up to date (one at a time in this process)."""
        with self._lock:
            if self._catch_up is not None:
                return self._catch_up()
            if self._runner is None:
                self._runner = ProjectionRunner(self.tracker, self.config.store_url,
                                                auto_upgrade=self.config.auto_migrate)
            return self._runner.catch_up()

    @property
    def alerting(self) -> bool:
        return self.config.alerts.webhook_url_env is not None

    # ------------------------------------------------------------------ running
    async def start(self, stop: asyncio.Event, keep_current: bool) -> None:
        """Keep the read models current (when asked, or for alerts) and send alerts."""
        url = self.config.secret("alerts", "webhook_url_env") if self.alerting else None
        if keep_current or url is not None:
            self._tasks.append(asyncio.create_task(self._keep(stop)))
        if url is not None:
            self._session = aiohttp.ClientSession()
            sender = AlertSender(self, self.models, url, self._session, limits=self.limits,
                                 link=self._link, timeout=self.config.alerts.timeout_seconds)
            every = self.config.alerts.every_seconds
            self._tasks.append(asyncio.create_task(sender.run_forever(stop, every)))
            log.info("alerts on", every_seconds=every)

    async def serve_metrics(self, host: str, port: int, token: Secret | None) -> None:
        """``/healthz``, ``/readyz`` and ``/metrics`` on their own address (``sync --follow``).

        ``/metrics`` sits behind the same bearer token as ``serve``'s (``[service]
        api_token_env``); without one, only a loopback address is accepted."""
        if token is None and not is_loopback(host):
            raise ConfigError(
                f"{self.config.source}: [sync] metrics_host = {host!r} is not a loopback address "
                "and [service] api_token_env is not set: set a token, or listen on 127.0.0.1")
        app = web.Application()
        install_guard(app, token)
        self.mount(app)
        self._site = web.AppRunner(app, access_log_class=AccessLogger, handle_signals=False)
        await self._site.setup()
        try:
            await web.TCPSite(self._site, host, port).start()
        except OSError as error:
            raise ConfigError(f"{self.config.source}: [sync] cannot serve metrics on "
                              f"{host}:{port}: {error.strerror or error}") from None
        click.echo(f"metrics on http://{host}:{self._site.addresses[0][1]}/metrics", err=True)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=30)
        if self._site is not None:
            await self._site.cleanup()
        if self._session is not None:
            await self._session.close()
        with self._lock:
            if self._runner is not None:
                self._runner.close()
        if self._models is not None:
            self._models.close()

    async def _keep(self, stop: asyncio.Event) -> None:
        last = ""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.catch_up)
                last = ""
            except (*health.STORE_TROUBLE, ReadModelError) as error:
                problem = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
                if problem != last:  # once per new trouble, not every second
                    log.warning("read models not kept current", error=problem)
                last = problem
            try:
                await asyncio.wait_for(stop.wait(), timeout=KEEP_EVERY)
            except TimeoutError:
                continue

    def _link(self, alert: dict[str, Any]) -> str | None:
        base = self.config.alerts.console_url
        if base is None:
            return None
        base = base.rstrip("/")
        return f"{base}/orders/{alert['order_id']}" if alert["order_id"] else base
