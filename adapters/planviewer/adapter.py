"""Planviewer as a PolledVendor for the sync engine."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from ordertrail.adapters.common.download import Result, retrieve_results
from ordertrail.adapters.common.errors import VendorError
from ordertrail.adapters.common.polled import Downloader
from ordertrail.adapters.planviewer.client import InvalidUuidsError, PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.planviewer.translate import (
    missing_commands,
    order_commands,
    stale_commands,
    status_commands,
)
from ordertrail.adapters.planviewer.wire import JobStatus, Waiting, request_problem
from ordertrail.domain import commands as c
from ordertrail.domain.views import OrderView
from ordertrail.domain.vocabulary import Source, Trouble

log = logging.getLogger(__name__)
FAST_WINDOW = timedelta(minutes=1)
"""An order placed less than this long ago is polled at the fast interval."""


class PlanviewerAdapter:
    vendor = "planviewer"

    def __init__(self, client: PlanviewerClient, config: PlanviewerConfig) -> None:
        self.client = client
        self.config = config
        self.daily_cap: int | None = config.daily_cap
        self.max_concurrency = config.max_concurrency
        self.poll_batch_size = config.poll_batch_size
        # Made once: every pass asks for each open order's interval.
        self._poll_fast = timedelta(seconds=config.poll_fast_seconds)
        self._poll_slow = timedelta(seconds=config.poll_slow_seconds)
        self.waiting_poll_interval = timedelta(seconds=config.poll_waiting_seconds)
        self._missing_spread = timedelta(seconds=config.missing_job_spread_seconds)

    def submission_day(self, now: datetime) -> date:
        return now.astimezone(self.config.zone).date()

    def next_day_start(self, now: datetime) -> datetime:
        tomorrow = self.submission_day(now) + timedelta(days=1)
        return datetime.combine(tomorrow, time.min, tzinfo=self.config.zone)

    def poll_interval(self, order: OrderView, now: datetime) -> timedelta:
        placed_at = order.placed_at
        return self._poll_fast if placed_at is None or now - placed_at < FAST_WINDOW \
            else self._poll_slow

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        return request_problem(request)

    async def probe(self) -> bool:
        await self.client.products()
        return True

    async def submit(self, order: OrderView, now: datetime) -> list[c.AnyCommand]:
        intention = str(order.vendor_request.get("intention_uuid", ""))
        answer = await self.client.order(intention)
        return order_commands(order.id, answer, now, self.next_day_start(now))

    async def reconcile(self, order: OrderView, now: datetime) -> list[c.AnyCommand]:
        # Planviewer has no job listing: a person checks the dashboard (attention says so).
        return []

    async def poll(self, orders: Sequence[OrderView], now: datetime) -> list[c.AnyCommand]:
        by_job = {o.vendor_ref: o for o in orders if o.vendor_ref}
        refused: list[str] = []
        try:
            statuses = await self.client.status(list(by_job))
        except InvalidUuidsError:
            statuses, refused = await self._one_by_one(list(by_job))
        commands: list[c.AnyCommand] = []
        seen = set()
        for status, sent in statuses:
            order = by_job.get(status.uuid)
            if order is None:
                continue
            seen.add(status.uuid)
            waiting = await self._waiting(status) if status.status == "waiting for user" else None
            commands += status_commands(order.id, status, waiting,
                                        self.client.retrieve_url(status.uuid), now, raw=sent)
            if Trouble.MISSING_FROM_STATUS in order.troubles:
                commands.append(c.ClearTrouble(order_id=order.id,
                                               trouble=Trouble.MISSING_FROM_STATUS,
                                               source=Source.POLL))
        for job in refused:
            commands += stale_commands(by_job[job].id, job, now)
        for job, order in by_job.items():
            if job not in seen and job not in refused:
                commands += missing_commands(order.id, job, now, self.config.missing_job_limit,
                                             self._missing_spread)
        return commands

    async def _one_by_one(
        self, jobs: list[str]
    ) -> tuple[list[tuple[JobStatus, msgspec.Raw]], list[str]]:
        """Each job's status alone, to find the uuid(s) the batch was refused for."""
        found: list[tuple[JobStatus, msgspec.Raw]] = []
        refused: list[str] = []
        for job in jobs:
            try:
                found += await self.client.status([job])
            except InvalidUuidsError:
                log.warning("planviewer: jobs/status refuses job %s", job)
                refused.append(job)
        return found, refused

    async def _waiting(self, job: JobStatus) -> Waiting | None:
        try:
            return await self.client.waiting(job.uuid)
        except VendorError as error:
            log.warning("planviewer: kik/waiting for %s failed: %s", job.uuid, error)
            return None

    async def retrieve(
        self, order: OrderView, download: Downloader, now: datetime
    ) -> list[c.AnyCommand]:
        results = [
            Result(ref, str(info.get("download_ref") or self.client.retrieve_url(ref)),
                   fallback_name=f"{ref}.pdf")
            for ref, info in order.results_available.items() if ref not in order.results_retrieved
        ]
        return await retrieve_results(order, results, download, self.client.auth_headers, now)

    async def select_location(self, order: OrderView, key: str) -> list[c.Command]:
        """Answer a location question (``kik/select``); recorded once the vendor accepts."""
        assert order.vendor_ref is not None
        await self.client.select(order.vendor_ref, key)
        return [c.ProvideUserInput(order_id=order.id, kind="location_choice",
                                   selection=[int(key)], source=Source.HUMAN)]

    async def close(self) -> None:
        return None
