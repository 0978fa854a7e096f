"""PlanOmatic as a vendor the sync engine drives (``PolledVendor``).

PlanOcore v1 has one route, pay-and-submit: no status, lookup or download
routes. So the engine only ever submits through this adapter (after it has
committed SubmissionAttempted: at most once), and everything after placement
is either pushed by PlanOmatic's people or settled by ours. An uncertain
submission is never reconciled automatically: the card may be charged, and
only a person looking at the PlanOmatic account can tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone

from ordertrail.adapters.common.polled import Downloader
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.submit import send_once
from ordertrail.adapters.planomatic.translate import commands_for
from ordertrail.adapters.planomatic.wire import VENDOR
from ordertrail.domain.commands import Command
from ordertrail.domain.views import OrderView

NOTHING_TO_POLL = timedelta(days=1)


class PlanomaticAdapter:
    vendor = VENDOR
    daily_cap: int | None = None
    max_concurrency = 2
    poll_batch_size = 1

    def __init__(self, client: PlanomaticClient) -> None:
        self.client = client

    def submission_day(self, now: datetime) -> date:
        return now.astimezone(timezone.utc).date()

    def next_day_start(self, now: datetime) -> datetime:
        day = self.submission_day(now) + timedelta(days=1)
        return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)

    def poll_interval(self, order: OrderView, now: datetime) -> timedelta:
        return NOTHING_TO_POLL

    async def submit(self, order: OrderView) -> list[Command]:
        outcome = await send_once(self.client, order)
        return commands_for(order.id, outcome, datetime.now(timezone.utc))

    async def reconcile(self, order: OrderView) -> list[Command]:
        return []  # a person checks the PlanOmatic account: see submit.reconcile_by_person

    async def poll(self, orders: Sequence[OrderView]) -> list[Command]:
        return []

    async def retrieve(self, order: OrderView, download: Downloader) -> list[Command]:
        return []

    async def close(self) -> None:
        return None
