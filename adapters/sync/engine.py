"""The sync engine: keeps every open order of the polled vendors current.

One pass looks at every open order once and does what its state calls for:
submit (at most once), reconcile, poll (batched, bounded concurrency, backed
off per order) or retrieve results. The engine owns the at-most-once protocol:
SubmissionAttempted is committed before the vendor is called, and an order
found with a submission still in flight after a restart is marked uncertain,
never resubmitted. Everything that matters is in the event store; the poll
schedule in memory only saves requests. With a LeaseBook, several engines
(processes, machines) split the open orders and never act on one together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import aiohttp

from ordertrail.adapters.common import crashpoints
from ordertrail.adapters.common.errors import VendorError
from ordertrail.adapters.common.polled import PolledVendor
from ordertrail.adapters.store.leases import LeaseBook
from ordertrail.adapters.sync.download import SafeDownloader
from ordertrail.domain import commands as c
from ordertrail.domain.errors import DomainError
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Outcome, Tracker
from ordertrail.domain.vendors import LOCAL_DAILY_CAP_CODE
from ordertrail.domain.views import OrderView

log = logging.getLogger(__name__)
POLLED = frozenset({State.PLACED, State.IN_PROGRESS, State.WAITING_FOR_USER})
VENDOR_TROUBLE = (VendorError, aiohttp.ClientError, asyncio.TimeoutError)
MAX_BACKOFF = timedelta(minutes=5)
RECORD_BATCH = 5000
"""Poll observations recorded per store transaction. Each batch's events land on random
(order, version) keys, so a transaction's SQLite cost is mostly index pages dirtied and
written to the WAL: a batch of 5,000 costs 9-10 us an event there, one of 2,000 about 12."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class PassReport:
    submitted: int = 0
    reconciled: int = 0
    polled: int = 0
    retrieved: int = 0
    recorded: int = 0
    errors: list[str] = field(default_factory=list)
    open_orders: int = 0


class SyncEngine:
    def __init__(
        self,
        tracker: Tracker,
        vendors: Mapping[str, PolledVendor],
        downloader: SafeDownloader,
        *,
        leases: LeaseBook | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_change: Callable[[list[Outcome]], None] | None = None,
    ) -> None:
        self.tracker = tracker
        self.vendors = dict(vendors)
        self.downloader = downloader
        self.leases = leases
        self.clock = clock
        self.on_change = on_change
        self._next_poll: dict[UUID, datetime] = {}

    # ------------------------------------------------------------------ passes
    async def run_once(self) -> PassReport:
        now = self.clock()
        report = PassReport()
        views = await asyncio.to_thread(self._open_views)
        if self.leases is not None:
            mine = await asyncio.to_thread(self.leases.share, [v.id for v in views], now)
            views = [v for v in views if v.id in mine]
        report.open_orders = len(views)
        by_vendor: dict[str, list[OrderView]] = {}
        for view in views:
            by_vendor.setdefault(view.vendor, []).append(view)
        await asyncio.gather(*(
            self._vendor_pass(self.vendors[name], group, now, report)
            for name, group in by_vendor.items()
        ))
        return report

    async def run_forever(self, stop: asyncio.Event, pass_interval: float = 1.0) -> None:
        while not stop.is_set():
            report = await self.run_once()
            for problem in report.errors:
                log.warning("sync: %s", problem)
            try:
                await asyncio.wait_for(stop.wait(), timeout=pass_interval)
            except TimeoutError:
                continue

    async def release(self) -> None:
        """Give back this worker's leases, so another worker need not wait for them to expire."""
        if self.leases is not None:
            await asyncio.to_thread(self.leases.release_all)

    def _open_views(self) -> list[OrderView]:
        return [v for v in self.tracker.open_orders() if v.vendor in self.vendors]

    def _views_of(self, ids: list[UUID]) -> list[OrderView]:
        return [self.tracker.get_order(i) for i in ids]

    async def _vendor_pass(
        self, vendor: PolledVendor, views: list[OrderView], now: datetime, report: PassReport
    ) -> None:
        limit = asyncio.Semaphore(max(1, vendor.max_concurrency))
        stranded = [v for v in views if v.state is State.REQUESTED and v.submission_in_flight]
        await self._record([
            c.MarkOutcomeUnknown(order_id=v.id, reason="process stopped during submission",
                                 source="reconciliation")
            for v in stranded
        ], report)
        for view in views:
            if self._may_submit(view, now):
                await self._submit(vendor, view, now, report)
        # Orders just marked uncertain are reconciled in this same pass, as found.
        marked = await asyncio.to_thread(self._views_of, [v.id for v in stranded]) if stranded else []
        uncertain = [v for v in views + marked if v.state is State.SUBMISSION_UNCERTAIN]
        await asyncio.gather(*(self._guarded(limit, report, vendor.reconcile(v), "reconcile")
                               for v in uncertain))
        report.reconciled += len(uncertain)
        due = [v for v in views if v.state in POLLED and self._next_poll.get(v.id, now) <= now]
        size = max(1, vendor.poll_batch_size)
        batches = [due[i:i + size] for i in range(0, len(due), size)]
        observations = _Observations(self, report)
        await asyncio.gather(*(self._guarded(limit, report, vendor.poll(b), "poll", observations)
                               for b in batches))
        await observations.finish()
        for view in due:
            self._next_poll[view.id] = now + vendor.poll_interval(view, now)
        report.polled += len(due)
        delivered = [v for v in views if v.state is State.DELIVERED]
        await asyncio.gather(*(
            self._guarded(limit, report, vendor.retrieve(v, self.downloader.for_order(v.id, v.vendor)),
                          "retrieve")
            for v in delivered
        ))
        report.retrieved += len(delivered)

    # ------------------------------------------------------------------ submission
    @staticmethod
    def _may_submit(view: OrderView, now: datetime) -> bool:
        if view.state is not State.REQUESTED or view.submission_in_flight:
            return False
        if view.attention is not None:
            return False  # a person must act first (needs_human, needs_reauth, terminal)
        if view.retry_not_before is not None and view.retry_not_before > now:
            return False
        if view.submission_attempts:
            backoff = min(timedelta(seconds=2 ** min(view.submission_attempts, 9)), MAX_BACKOFF)
            return view.modified_on + backoff <= now or view.retry_not_before is not None
        return True

    async def _submit(
        self, vendor: PolledVendor, view: OrderView, now: datetime, report: PassReport
    ) -> None:
        day = vendor.submission_day(now)
        if vendor.daily_cap is not None:
            used = await asyncio.to_thread(self.tracker.submissions_on, view.vendor, day)
            if used >= vendor.daily_cap:
                await self._record([c.FailSubmission(
                    order_id=view.id, classification="retryable", vendor_code=LOCAL_DAILY_CAP_CODE,
                    message=f"local daily cap of {vendor.daily_cap} reached for {day}",
                    retry_not_before=vendor.next_day_start(now),
                )], report)
                return
        attempt = c.AttemptSubmission(order_id=view.id, channel=f"{view.vendor}:submit",
                                      counts_toward_day=day)
        try:
            await asyncio.to_thread(self.tracker.run, attempt)
        except DomainError as refused:
            report.errors.append(f"order {view.id}: {refused}")
            return
        crashpoints.crash_point("before_submit_call")
        fresh = await asyncio.to_thread(self.tracker.get_order, view.id)
        try:
            commands = await vendor.submit(fresh)
        except VENDOR_TROUBLE as error:
            # The adapter could not classify it; the request may have gone out.
            commands = [c.MarkOutcomeUnknown(order_id=view.id, reason=_describe(error))]
        crashpoints.crash_point("after_submit_call")
        await self._record(commands, report)
        report.submitted += 1

    # ------------------------------------------------------------------ helpers
    async def _guarded(self, limit: asyncio.Semaphore, report: PassReport, work: Any,
                       what: str, collect: _Observations | None = None) -> None:
        """Run one vendor call; record its commands now, or hand them to ``collect``."""
        async with limit:
            try:
                commands = await work
            except VENDOR_TROUBLE as error:
                report.errors.append(f"{what}: {_describe(error)}")
                return
        if collect is not None:
            collect.add(commands)
            return
        crashpoints.crash_point(f"before_{what}_record")
        await self._record(commands, report)

    async def _record(self, commands: Sequence[c.Command], report: PassReport) -> None:
        if not commands:
            return
        outcomes = await asyncio.to_thread(self.tracker.execute, list(commands))
        report.recorded += sum(1 for o in outcomes if o.recorded)
        for outcome in outcomes:
            if outcome.error is not None:
                report.errors.append(str(outcome.error))
        if self.on_change is not None:
            self.on_change(outcomes)


class _Observations:
    """Poll observations, recorded RECORD_BATCH to a store transaction while polling goes on.

    Observations are safe to record together: lost in a crash, they are observed again.
    Batches are recorded one after another, in the order they filled up.
    """

    def __init__(self, engine: SyncEngine, report: PassReport) -> None:
        self.engine = engine
        self.report = report
        self.waiting: list[c.Command] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.turn = asyncio.Lock()

    def add(self, commands: Sequence[c.Command]) -> None:
        self.waiting.extend(commands)
        while len(self.waiting) >= RECORD_BATCH:
            self._flush(self.waiting[:RECORD_BATCH])
            del self.waiting[:RECORD_BATCH]

    async def finish(self) -> None:
        """Record what is left and wait for every batch; re-raise the first failure."""
        if self.waiting:
            self._flush(self.waiting)
            self.waiting = []
        done = await asyncio.gather(*self.tasks, return_exceptions=True)
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome

    def _flush(self, batch: list[c.Command]) -> None:
        self.tasks.append(asyncio.create_task(self._record(batch)))

    async def _record(self, batch: list[c.Command]) -> None:
        async with self.turn:
            crashpoints.crash_point("before_poll_record")
            await self.engine._record(batch, self.report)


def _describe(error: BaseException) -> str:
    return str(error) if isinstance(error, VendorError) else type(error).__name__
