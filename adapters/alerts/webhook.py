"""Posts each queued attention item to the alert webhook, once, and never loses one.

Items are queued by the projection (``ordertrail.projections.alerts``) in the same transaction
as the read models, and by this sender for what only time makes an item (a stuck order, an
overdue ack). Each is claimed before it is posted, so two senders never post it together,
and marked posted after a 2xx answer; a failed post is tried again later, backing off. A
sender killed between a post and its mark posts that item again when it starts: delivery is
at least once, and every alert carries a stable ``id`` for the receiver to drop a repeat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import aiohttp
import sqlalchemy as sa

from ordertrail.adapters.common import crashpoints
from ordertrail.projections import ReadModels, StuckLimits
from ordertrail.projections import alerts as outbox

log = logging.getLogger(__name__)
TIME_BASED = frozenset({"STUCK", "ACK_OVERDUE"})
"""Kinds only the clock makes: the sender queues them itself."""
DEFAULT_TIMEOUT = 10.0
"""Seconds one post may take."""
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


class CatchesUp(Protocol):
    """Brings the read models up to date (a ``ProjectionRunner``, or a process's keeper)."""

    def catch_up(self) -> int: ...


class AlertSender:
    def __init__(self, runner: CatchesUp, models: ReadModels, url: str,
                 session: aiohttp.ClientSession, *, limits: StuckLimits,
                 link: Callable[[dict[str, Any]], str | None] = lambda alert: None,
                 clock: Callable[[], datetime] = utcnow, batch: int = 100,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        """``timeout``: seconds one post may take. The i-th alert of a batch is claimed for
        ``(i + 2) * timeout``: long enough to be posted by this sender (posts go one after
        another), short enough that a sender killed mid-batch delays the rest only briefly."""
        self.runner = runner
        self.models = models
        self.url = url
        self.session = session
        self.limits = limits
        self.link = link
        self.clock = clock
        self.batch = batch
        self.timeout = timeout

    async def run_once(self) -> int:
        """Bring the read models (and so the queue) up to date, queue what time made an item,
        post what is due; how many were posted."""
        now = self.clock()
        await asyncio.to_thread(self._queue_time_based, now)
        alerts = await asyncio.to_thread(self._claim, now)
        sent = 0
        for alert in alerts:
            sent += await self._post(alert, now)
        return sent

    async def run_forever(self, stop: asyncio.Event, every: float = 5.0) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except (sa.exc.SQLAlchemyError, OSError) as error:
                log.warning("alerts: store unavailable (%s); trying again", type(error).__name__)
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
            except TimeoutError:
                continue

    def _queue_time_based(self, now: datetime) -> None:
        self.runner.catch_up()
        timed = [i for i in self.models.attention(now, stuck=self.limits) if i.kind in TIME_BASED]
        with self.models.engine.begin() as conn:
            outbox.queue(conn, timed, outbox.enabled_since(conn))

    def _claim(self, now: datetime) -> list[dict[str, Any]]:
        with self.models.engine.begin() as conn:
            rows = outbox.due(conn, now, self.batch)
            return [dict(row._mapping) for i, row in enumerate(rows)
                    if outbox.claim(conn, row.id, now, now + timedelta(seconds=self.timeout * (i + 2)))]

    async def _post(self, alert: dict[str, Any], now: datetime) -> int:
        body = {
            "id": alert["key"], "order_id": _text(alert["order_id"]), "vendor": alert["vendor"],
            "kind": alert["kind"], "ref": alert["ref"] or None, "reason": alert["reason"],
            "since": alert["since"].isoformat(), "link": self.link(alert),
        }
        try:
            async with self.session.post(self.url, json=body,
                                         timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                ok = 200 <= response.status < 300
                status = str(response.status)
        except (aiohttp.ClientError, TimeoutError) as error:
            ok, status = False, type(error).__name__
        if not ok:
            wait = min(FIRST_RETRY * 2 ** (alert["attempts"] - 1), LAST_RETRY)
            log.warning("alerts: webhook answered %s for %s; trying again in %s", status,
                        alert["key"], wait)
            await asyncio.to_thread(self._mark, outbox.failed, alert["id"], now + wait)
            return 0
        crashpoints.crash_point("alert_after_post")
        await asyncio.to_thread(self._mark, outbox.posted, alert["id"], now)
        return 1

    def _mark(self, how: Callable[[sa.Connection, int, datetime], None], alert_id: int,
              when: datetime) -> None:
        with self.models.engine.begin() as conn:
            how(conn, alert_id, when)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
