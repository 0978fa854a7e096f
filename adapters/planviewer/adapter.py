"""Planviewer as a PolledVendor for the sync engine."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import msgspec

from ordertrail.adapters.common.errors import VendorError
from ordertrail.adapters.common.polled import Downloader
from ordertrail.adapters.planviewer.client import InvalidUuidsError, PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.planviewer.translate import order_commands, status_commands
from ordertrail.adapters.planviewer.wire import JobStatus, Waiting
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.views import OrderView

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
        self._poll_waiting = timedelta(seconds=config.poll_waiting_seconds)

    def submission_day(self, now: datetime) -> date:
        return now.astimezone(self.config.zone).date()

    def next_day_start(self, now: datetime) -> datetime:
        tomorrow = self.submission_day(now) + timedelta(days=1)
        return datetime.combine(tomorrow, time.min, tzinfo=self.config.zone)

    def poll_interval(self, order: OrderView, now: datetime) -> timedelta:
        if order.state is State.WAITING_FOR_USER:
            return self._poll_waiting
        placed_at = order.placed_at
        return self._poll_fast if placed_at is None or now - placed_at < FAST_WINDOW \
            else self._poll_slow

    async def submit(self, order: OrderView) -> list[c.Command]:
        intention = str(order.vendor_request.get("intention_uuid", ""))
        if not intention:
            return [c.Reject(order_id=order.id, reason_code="invalid_intention",
                             message="the order names no intention_uuid")]
        answer = await self.client.order(intention)
        return order_commands(order.id, answer, self.next_day_start(datetime.now().astimezone()))

    async def reconcile(self, order: OrderView) -> list[c.Command]:
        # Planviewer has no job listing: a person checks the dashboard (attention says so).
        return []

    async def poll(self, orders: Sequence[OrderView]) -> list[c.Command]:
        by_job = {o.vendor_ref: o for o in orders if o.vendor_ref}
        try:
            statuses = await self.client.status(list(by_job))
        except InvalidUuidsError:
            statuses = await self._one_by_one(list(by_job))
        commands: list[c.Command] = []
        for job, sent in statuses:
            order = by_job.get(job.uuid)
            if order is None:
                continue
            waiting = await self._waiting(job) if job.status == "waiting for user" else None
            commands += status_commands(order.id, job, waiting,
                                        self.client.retrieve_url(job.uuid), raw=sent)
        return commands

    async def _one_by_one(self, jobs: list[str]) -> list[tuple[JobStatus, msgspec.Raw]]:
        found: list[tuple[JobStatus, msgspec.Raw]] = []
        for job in jobs:
            try:
                found += await self.client.status([job])
            except InvalidUuidsError:
                log.warning("planviewer: jobs/status refuses job %s", job)
        return found

    async def _waiting(self, job: JobStatus) -> Waiting | None:
        try:
            return await self.client.waiting(job.uuid)
        except VendorError as error:
            log.warning("planviewer: kik/waiting for %s failed: %s", job.uuid, error)
            return None

    async def retrieve(self, order: OrderView, download: Downloader) -> list[c.Command]:
        commands: list[c.Command] = []
        for ref, info in order.results_available.items():
            if ref in order.results_retrieved:
                continue
            url = info.get("download_ref") or self.client.retrieve_url(ref)
            try:
                file = await download(url, headers=self.client.auth_headers,
                                      fallback_name=f"{ref}.pdf")
            except VendorError as error:
                log.warning("planviewer: result %s not retrieved: %s", ref, error)
                continue
            commands.append(c.RecordResultRetrieved(
                order_id=order.id, result_ref=ref, file_name=file.file_name,
                media_type=file.media_type, size=file.size, sha256=file.sha256, source="poll"))
        return commands

    async def select_location(self, order: OrderView, key: str) -> list[c.Command]:
        """Answer a location question (``kik/select``); recorded once the vendor accepts."""
        assert order.vendor_ref is not None
        await self.client.select(order.vendor_ref, key)
        return [c.ProvideUserInput(order_id=order.id, kind="location_choice",
                                   selection=[int(key)], source="human")]

    async def close(self) -> None:
        return None
