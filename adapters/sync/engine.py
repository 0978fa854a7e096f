"""The sync engine: keeps every open order of the polled vendors current.

One pass looks at the open orders and does what each one's state calls for:
submit (at most once), reconcile, poll (batched, bounded concurrency, backed
off per order) or retrieve results. Before any of it, it asks the vendor's
connector (``ordertrail.domain.connector``): while the vendor refuses our
credentials, has an open circuit or has reached its daily cap, no order is
sent, and each waiting order says why (``SubmissionHeld``). When the cause is
gone the hold is lifted and the order goes out, still at most once.

The engine owns the at-most-once protocol: SubmissionAttempted is committed
before the vendor is called, and an order found with a submission still in
flight after a restart is marked uncertain, never resubmitted. Schedules that
matter (a job waiting for a person, backoffs after misses, a probe of refused
credentials) are derived from the event store (``schedule``). With a LeaseBook,
several engines (processes, machines) split the open orders and never act on
one together.

A pass does not look at the orders it has nothing to do with yet: an order whose next poll
is not due, and which nothing has changed since the engine last looked at it, is left out
without being viewed (``NextPoll``; the store layer's streamed listing knows each kept order's
version without reading it), so beyond the work on its due orders a pass costs a glance per
open order (and, with leases, the order's lease renewed). Such an order would get no action
in the pass anyway: every step for an order in a polled state waits for its next poll. The
same holds for an order that waits (a job waiting for a person's answer until its slow check,
an order whose troubles hold polls back until their next try, or for good until a person acts)
until it may be polled, except that any change to it gets it looked at again in the next
pass (an answer lets the job be polled then); and for every order of a vendor that refuses
our credentials, as none is polled until a probe shows they work. What a pass does for a
vendor or a worker as a whole goes on regardless: with leases, the orders left out still go
through ``LeaseBook.share`` (the heartbeat, their leases renewed or given back), and in a
pass where a probe of refused credentials comes due, or where a vendor's configuration may be
noted as found, no order of that vendor is left out, so its share of the pass runs as if
every order were looked at (a probe that works lets every overdue order be polled at once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Collection, Coroutine, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, cast
from uuid import UUID

import aiohttp

from ordertrail.adapters.common import crashpoints
from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.errors import VendorAuthError, VendorError
from ordertrail.adapters.common.polled import PolledVendor
from ordertrail.adapters.store.leases import LeaseBook
from ordertrail.adapters.sync import schedule
from ordertrail.adapters.sync.observer import SyncObserver, Unobserved
from ordertrail.domain import commands as c
from ordertrail.domain.connector import SUCCESS_NOTE_EVERY
from ordertrail.domain.state_machine import POLLED_STATES, State
from ordertrail.domain.tracker import Outcome, Tracker
from ordertrail.domain.views import ConnectorView, OrderView
from ordertrail.domain.vocabulary import AttentionKind, Classification, HoldCause, Source

log = logging.getLogger(__name__)
VENDOR_TROUBLE = (VendorError, aiohttp.ClientError, asyncio.TimeoutError)
MAX_BACKOFF = timedelta(minutes=5)
PROBE_EVERY = timedelta(minutes=1)
"""How often refused credentials are tried again with a safe read (when the vendor has one)."""
RECORD_BATCH = 5000
"""Poll observations recorded per store transaction."""
PASS_CHUNK = 5000
"""Open orders a pass works on at once (listed, submitted, polled, recorded, then the next
chunk), when the store layer streams them: a pass's memory does not grow with the number of
open orders."""
HUMAN_ONLY = frozenset({
    AttentionKind.SUBMISSION_FAILED, AttentionKind.INVALID_REQUEST,
    AttentionKind.AMBIGUOUS_RECONCILIATION, AttentionKind.CANCEL_AT_VENDOR,
})
"""An order flagged with one of these waits for a person before any automatic step."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class NextPoll(NamedTuple):
    """When an order in a polled state is to be polled next, and the version at which the
    engine last found it in a polled state: until ``at``, the order needs nothing while it
    stays at ``version``."""

    at: datetime
    version: int
    vendor: str
    waiting: bool = False
    """``at`` is not the next poll of a schedule but the end of a wait a change may cut short:
    the order waits (for a person's answer, for its troubles' next try; ``schedule.NEVER`` for
    a person's), or it is a job just polled while it waited for an answer. A changed order is
    looked at again at once (an answered job is polled in the next pass)."""
    checks_from: datetime | None = None
    """The pass whose poll of the order the vendor answered, or that found no slow check of it
    due. A job waiting for an answer is checked in case it was answered elsewhere once per
    slot (``schedule.waiting_poll_due``) since then: a check that fell due while no poll could
    go out (credentials refused, its troubles holding polls back) is made in the first pass
    that may poll, one whose poll failed at the job's next poll. Not known (None, or no
    NextPoll): an engine's first pass (a restart, each ``sync --once``) takes the order's last
    change, so it checks every job that has waited a slot or more since then; a later pass
    takes the pass before (an order another worker handed over is checked by slot, as that
    worker did, not again at once)."""


@dataclass
class PassReport:
    submitted: int = 0
    held: int = 0
    reconciled: int = 0
    polled: int = 0
    retrieved: int = 0
    recorded: int = 0
    errors: list[str] = field(default_factory=list)
    open_orders: int = 0
    left_out: int = 0
    """Open orders not looked at: unchanged since the engine last did, and next poll not due,
    waiting until they may be polled, or of a vendor refusing our credentials (counted in
    ``open_orders``)."""
    changed: set[UUID] = field(default_factory=set)
    """Orders with something recorded in this pass."""
    error_classes: Counter[str] = field(default_factory=Counter)
    """How many of ``errors`` of each class (a vendor classification, ``transport``, ``ledger``)."""
    refused: list[str] = field(default_factory=list)
    """The ``ledger`` errors: commands the ledger refused (vendor errors are told as they happen)."""
    seconds: float = 0.0

    def problem(self, error_class: str, line: str) -> None:
        self.errors.append(line)
        self.error_classes[error_class] += 1
        if error_class == "ledger":
            self.refused.append(line)


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
        configured: Collection[str] | None = None,
        pass_interval: timedelta = timedelta(seconds=5),
        observer: SyncObserver | None = None,
        pass_chunk: int = PASS_CHUNK,
        look_at_every_order: bool = False,
    ) -> None:
        """``configured``: every vendor some part of this deployment serves (the polled ones
        and those that call us, through a receiver); an open order of any other vendor is held, and its
        connector asks a person for the configuration. ``look_at_every_order``: view every
        open order in every pass, also those left out as unchanged and not due (a switch for
        measuring what leaving them out saves)."""
        self.tracker = tracker
        self.vendors = dict(vendors)
        self.downloader = downloader
        self.leases = leases
        self.clock = clock
        self.on_change = on_change
        self.configured = frozenset(configured if configured is not None else self.vendors)
        self.pass_interval = pass_interval
        self.observer: SyncObserver = observer or Unobserved()
        self.pass_chunk = pass_chunk
        self.look_at_every_order = look_at_every_order
        self._next_poll: dict[UUID, NextPoll] = {}
        self._previous_pass: datetime | None = None

    # ------------------------------------------------------------------ passes
    async def run_once(self) -> PassReport:
        started = time.monotonic()
        now = self.clock()
        previous = self._previous_pass  # None: this engine's first pass
        self._previous_pass = now
        report = PassReport()
        passes: dict[str, _VendorPass] = {}
        looked_at: set[UUID] = set()
        left_out: list[UUID] = []
        unchanged = await self._unchanged(now, previous)
        chunks = self._open_view_chunks(unchanged, left_out)
        try:
            while (views := await asyncio.to_thread(next, chunks, None)) is not None:
                await self._run_chunk(views, passes, now, previous, report, looked_at)
        finally:
            chunks.close()
        if self.leases is not None:
            left_out = await self._share(left_out, now)
        await asyncio.gather(*(vendor_pass.finish() for vendor_pass in passes.values()))
        report.left_out = len(left_out)
        report.open_orders += len(left_out)
        # Orders neither looked at nor left out have ended, or are another worker's now.
        kept = looked_at.union(left_out)
        self._next_poll = {oid: due for oid, due in self._next_poll.items() if oid in kept}
        report.seconds = time.monotonic() - started
        self.observer.pass_done(report)
        return report

    async def _run_chunk(self, views: list[OrderView], passes: dict[str, _VendorPass],
                         now: datetime, previous: datetime | None, report: PassReport,
                         looked_at: set[UUID]) -> None:
        """One chunk of the open orders, each vendor's share by its ``_VendorPass`` (made on
        the first chunk that has orders of the vendor, kept for the rest of the pass)."""
        if self.leases is not None:
            mine = await asyncio.to_thread(self.leases.share, [v.id for v in views], now)
            views = [v for v in views if v.id in mine]
        report.open_orders += len(views)
        looked_at.update(v.id for v in views)
        by_vendor: dict[str, list[OrderView]] = {}
        for view in views:
            by_vendor.setdefault(view.vendor, []).append(view)
        await self._note_configuration(by_vendor, now, report)
        for name in by_vendor:
            if name in self.vendors and name not in passes:
                passes[name] = _VendorPass(self, self.vendors[name], now, previous, report)
        await asyncio.gather(*(passes[name].run(group) for name, group in by_vendor.items()
                               if name in passes))

    async def run_forever(self, stop: asyncio.Event, pass_interval: float | None = None) -> None:
        if pass_interval is not None:
            self.pass_interval = timedelta(seconds=pass_interval)
        while not stop.is_set():
            await self.run_once()  # the observer tells what each pass did
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.pass_interval.total_seconds())
            except TimeoutError:
                continue

    async def release(self) -> None:
        """Give back this worker's leases, so another worker need not wait for them to expire."""
        if self.leases is not None:
            await asyncio.to_thread(self.leases.release_all)

    async def _share(self, left_out: list[UUID], now: datetime) -> list[UUID]:
        """Those of the orders ``left_out`` still this worker's: they go through the lease book as
        the chunks the pass looked at did (a chunk at a time, in the order the orders were
        requested), so the worker heartbeats and their leases are renewed or given back."""
        assert self.leases is not None
        mine: list[UUID] = []
        for start in range(0, len(left_out), self.pass_chunk):
            chunk = left_out[start:start + self.pass_chunk]
            kept = await asyncio.to_thread(self.leases.share, chunk, now)
            mine += [oid for oid in chunk if oid in kept]
        return mine

    async def _unchanged(self, now: datetime,
                         previous: datetime | None) -> dict[UUID, int] | None:
        """The orders this pass need not look at if still at these versions: those whose next
        poll is not due (or that wait, until they may be polled), and every one of a vendor
        whose credentials are refused (none is polled until a probe shows they work). None of
        a vendor whose connector waits for this pass (a probe of refused credentials comes due,
        a configuration to note as found): that vendor's share of the pass runs on all of
        them, as when every order is looked at."""
        if self.look_at_every_order or not self._next_poll:
            return None
        vendors = {due.vendor for due in self._next_poll.values()}
        connectors = await asyncio.gather(*(asyncio.to_thread(self.tracker.connector, vendor)
                                            for vendor in sorted(vendors)))
        refused = {connector.vendor for connector in connectors
                   if connector.has(AttentionKind.CREDENTIALS)}
        in_full = {connector.vendor for connector in connectors
                   if connector.has(AttentionKind.NOT_CONFIGURED)
                   or probe_due(connector, now, previous)}
        return {oid: due.version for oid, due in self._next_poll.items()
                if due.vendor not in in_full and (due.at > now or due.vendor in refused)}

    def _open_view_chunks(self, unchanged: dict[UUID, int] | None,
                          left_out: list[UUID]) -> Generator[list[OrderView], None, None]:
        """The open orders a chunk at a time when the store layer streams them (``FastTracker``:
        a pass holds one chunk of views, however many orders are open), else in one list.
        The store layer leaves out those ``unchanged`` names at the version named, and appends
        them to ``left_out``."""
        chunks = getattr(self.tracker, "open_order_chunks", None)
        if chunks is None:
            yield self.tracker.open_orders()
            return
        yield from cast(Iterator[list[OrderView]], chunks(
            size=self.pass_chunk, unchanged=unchanged, left_out=left_out))

    async def _note_configuration(
        self, by_vendor: dict[str, list[OrderView]], now: datetime, report: PassReport
    ) -> None:
        """Hold the orders no part of this deployment serves, and say so on their connector;
        clear that once the vendor is configured."""
        commands: list[c.AnyCommand] = []
        for vendor, views in by_vendor.items():
            if vendor in self.configured:
                connector = await asyncio.to_thread(self.tracker.connector, vendor)
                if connector.has(AttentionKind.NOT_CONFIGURED):
                    commands.append(c.FindConfiguration(vendor=vendor))
                continue
            commands.append(c.MissConfiguration(
                vendor=vendor, at=now,
                reason=f"{len(views)} open {vendor} order(s) wait: no [vendors.{vendor}] table "
                       "in the configuration of any running engine"))
            commands += [c.HoldSubmission(order_id=v.id, cause=HoldCause.NOT_CONFIGURED,
                                          reason=f"no [vendors.{vendor}] configuration")
                         for v in views if v.state is State.REQUESTED and not v.submission_in_flight
                         and v.hold is not HoldCause.NOT_CONFIGURED]
            report.held += sum(1 for cmd in commands if isinstance(cmd, c.HoldSubmission))
        await self.record(commands, report)

    # ------------------------------------------------------------------ recording
    async def record(self, commands: Sequence[c.AnyCommand], report: PassReport) -> list[Outcome]:
        if not commands:
            return []
        outcomes = await asyncio.to_thread(self.tracker.execute, list(commands))
        report.recorded += sum(1 for o in outcomes if o.recorded)
        report.changed.update(o.order_id for o in outcomes if o.recorded and o.order_id)
        for outcome in outcomes:
            if outcome.error is not None:
                report.problem("ledger", str(outcome.error))
        if self.on_change is not None:
            self.on_change(outcomes)
        return outcomes


class _VendorPass:
    """One vendor's share of a pass: its connector first, then its orders by state."""

    def __init__(self, engine: SyncEngine, vendor: PolledVendor, now: datetime,
                 previous: datetime | None, report: PassReport) -> None:
        self.engine = engine
        self.tracker = engine.tracker
        self.vendor = vendor
        self.views: list[OrderView] = []
        """The chunk of the vendor's open orders being worked on."""
        self.now = now
        self.previous = previous
        self.report = report
        self.limit = asyncio.Semaphore(max(1, vendor.max_concurrency))
        self.connector: ConnectorView | None = None
        self.usable: bool | None = None
        """Whether our credentials may be used this pass (decided on the first chunk)."""
        self.succeeded = False
        """Some call to the vendor worked this pass."""
        self.refused = False
        """The vendor refused our credentials this pass: make no more calls."""

    async def run(self, views: list[OrderView]) -> None:
        """One chunk of the vendor's open orders; the connector is asked on the first."""
        self.views = views
        if self.usable is None:
            self.connector = await asyncio.to_thread(self.tracker.connector, self.vendor.vendor)
            self.usable = await self._credentials_usable()
        if not self.usable:
            self._note_unpolled()
            await self._hold_all()
            return
        stranded = await self._mark_stranded()
        for view in self.views:
            if not self.refused and view.state is State.REQUESTED:
                await self._consider_submission(view)
        uncertain = [v for v in self.views + stranded
                     if v.state is State.SUBMISSION_UNCERTAIN
                     and v.attention_kind is not AttentionKind.AMBIGUOUS_RECONCILIATION]
        await self._each(uncertain, "reconcile", lambda v: self.vendor.reconcile(v, self.now))
        self.report.reconciled += len(uncertain)
        await self._poll()
        delivered = [v for v in self.views if v.state is State.DELIVERED
                     and schedule.troubles_allow(v, self.now, retrieval=True)]
        await self._each(delivered, "retrieve", lambda v: self.vendor.retrieve(
            v, self.engine.downloader.for_order(v.id, v.vendor), self.now))
        self.report.retrieved += len(delivered)

    async def finish(self) -> None:
        """After the last chunk: note a successful pass on the connector."""
        if self.usable:
            await self._note_success()

    # ------------------------------------------------------------------ the connector
    async def _credentials_usable(self) -> bool:
        """False while the vendor refuses our credentials; a probe, when due, may show that
        they work again (the refusal is lifted: held orders go out in this pass)."""
        assert self.connector is not None
        if not self.connector.has(AttentionKind.CREDENTIALS):
            return True
        if not probe_due(self.connector, self.now, self.previous):
            return False
        try:
            proven = await self.vendor.probe()
        except VENDOR_TROUBLE as error:
            log.info("%s: credentials still refused (%s)", self.vendor.vendor, _describe(error))
            self._observe("probe", error)
            return False
        self._observe("probe")
        if not proven:
            return False
        await self._record([c.RestoreCredentials(vendor=self.vendor.vendor, by=Source.POLL,
                                                 operation="probe")])
        return True

    async def _hold_all(self) -> None:
        """No call while credentials are refused: requested orders say why they wait."""
        assert self.connector is not None
        block = self.connector.blocks(self.now)
        if block is None:
            return
        await self._record([
            c.HoldSubmission(order_id=v.id, cause=block.cause, reason=block.reason,
                             until=block.until)
            for v in self.views
            if v.state is State.REQUESTED and not v.submission_in_flight and v.hold is not block.cause
        ], held=True)

    async def _note_success(self) -> None:
        assert self.connector is not None
        if not self.succeeded:
            return
        commands: list[c.AnyCommand] = []
        last = self.connector.last_success_at
        if last is None or self.now - last >= SUCCESS_NOTE_EVERY:
            commands.append(c.NoteSuccess(vendor=self.vendor.vendor, operation="sync",
                                          at=self.now))
        if self.connector.has(AttentionKind.CREDENTIALS) and not self.refused:
            commands.append(c.RestoreCredentials(vendor=self.vendor.vendor, by=Source.POLL,
                                                 operation="sync"))
        await self._record(commands)

    async def _reload_connector(self) -> None:
        self.connector = await asyncio.to_thread(self.tracker.connector, self.vendor.vendor)

    # ------------------------------------------------------------------ submission
    async def _mark_stranded(self) -> list[OrderView]:
        stranded = [v for v in self.views if v.state is State.REQUESTED and v.submission_in_flight]
        if not stranded:
            return []
        await self._record([
            c.MarkOutcomeUnknown(order_id=v.id, reason="process stopped during submission",
                                 source=Source.RECONCILIATION)
            for v in stranded
        ])
        return await asyncio.to_thread(lambda: [self.tracker.get_order(v.id) for v in stranded])

    async def _consider_submission(self, view: OrderView) -> None:
        if view.submission_in_flight or view.attention_kind in HUMAN_ONLY:
            return
        assert self.connector is not None
        block = self.connector.blocks(self.now)
        if block is not None:
            if view.hold is not block.cause or view.hold_until != block.until:
                await self._record([c.HoldSubmission(order_id=view.id, cause=block.cause,
                                                     reason=block.reason, until=block.until)],
                                   held=True)
            return
        if view.hold is HoldCause.DAILY_CAP and view.hold_until and view.hold_until > self.now:
            return
        if not self._backoff_over(view):
            return
        problem = self.vendor.request_problem(view.vendor_request)
        if problem is not None:
            await self._record([c.HoldSubmission(order_id=view.id,
                                                 cause=HoldCause.INVALID_REQUEST, reason=problem)],
                               held=True)
            return
        if await self._local_cap_reached(view):
            return
        await self._submit(view)

    def _backoff_over(self, view: OrderView) -> bool:
        return view.retry_not_before is None or view.retry_not_before <= self.now

    def _with_backoff(self, view: OrderView, commands: list[c.AnyCommand]) -> list[c.AnyCommand]:
        """A retryable failure without a stated delay waits ``2 ** attempts`` seconds (at most
        MAX_BACKOFF), recorded on the failure itself so every later pass and process sees it."""
        attempts = view.submission_attempts + 1
        wait = min(timedelta(seconds=2 ** min(attempts, 9)), MAX_BACKOFF)
        return [
            replace(cmd, retry_not_before=self.now + wait)
            if isinstance(cmd, c.FailSubmission) and cmd.retry_not_before is None
            and cmd.classification is Classification.RETRYABLE else cmd
            for cmd in commands
        ]

    async def _local_cap_reached(self, view: OrderView) -> bool:
        """Our own daily count against the configured cap, before any call (the vendor's 429
        stops a day on its connector)."""
        cap = self.vendor.daily_cap
        if cap is None:
            return False
        day = self.vendor.submission_day(self.now)
        used = await asyncio.to_thread(self.tracker.submissions_on, view.vendor, day)
        if used < cap:
            return False
        await self._record([c.HoldSubmission(
            order_id=view.id, cause=HoldCause.DAILY_CAP, until=self.vendor.next_day_start(self.now),
            reason=f"the configured daily cap of {cap} is reached for {day}")], held=True)
        return True

    async def _submit(self, view: OrderView) -> None:
        day = self.vendor.submission_day(self.now)
        lift: list[c.Command] = []
        if view.hold is not None:
            lift = [c.LiftHold(order_id=view.id, reason=f"{view.hold} no longer holds it")]
        attempt = c.AttemptSubmission(order_id=view.id, channel=f"{view.vendor}:submit",
                                      counts_toward_day=day)
        outcomes = await asyncio.to_thread(self.tracker.execute, [*lift, attempt])
        refused = next((o.error for o in outcomes if o.error is not None), None)
        if refused is not None or not outcomes[-1].recorded:
            self.report.problem("ledger", f"order {view.id}: {refused or 'attempt not recorded'}")
            return
        crashpoints.crash_point("before_submit_call")
        fresh = await asyncio.to_thread(self.tracker.get_order, view.id)
        try:
            commands = await self.vendor.submit(fresh, self.now)
        except VENDOR_TROUBLE as error:
            # The adapter could not classify it; the request may have gone out.
            commands = [c.MarkOutcomeUnknown(order_id=view.id, reason=_describe(error))]
        crashpoints.crash_point("after_submit_call")
        classification, reason = _submit_outcome(commands)
        self.engine.observer.vendor_call(self.vendor.vendor, "submit", classification, reason)
        if classification != Classification.SUCCESS.value:
            self.report.error_classes[classification] += 1
        commands = self._with_backoff(view, commands)
        await self._record(commands)
        self.report.submitted += 1
        if any(isinstance(cmd, c.ConnectorCommand) for cmd in commands):
            await self._reload_connector()
            self.refused = self.connector is not None and \
                self.connector.has(AttentionKind.CREDENTIALS)
        elif not any(isinstance(cmd, c.MarkOutcomeUnknown) for cmd in commands):
            self.succeeded = True

    # ------------------------------------------------------------------ polling
    async def _poll(self) -> None:
        if self.refused:
            self._note_unpolled()
            return
        engine, now = self.engine, self.now
        waiting_every = self.vendor.waiting_poll_interval
        next_poll = engine._next_poll
        due = []
        for v in self.views:
            if v.state not in POLLED_STATES:
                continue
            scheduled = next_poll.get(v.id)
            if scheduled is not None and scheduled.at > now:
                if scheduled.version == v.version:
                    continue
                if not scheduled.waiting:  # changed, still not due: unchanged from now
                    next_poll[v.id] = scheduled._replace(version=v.version)
                    continue
            checks_from: datetime | None = None
            check_due = True
            if v.state is State.WAITING_FOR_USER:
                owed_from = self._checks_from(v, scheduled)
                checks_from = owed_from
                check_due = schedule.waiting_poll_due(v, waiting_every, now, owed_from)
            if schedule.troubles_allow(v, now, retrieval=False) and check_due:
                due.append(v)
                continue
            # It waits: not before its troubles' next try, nor before its waiting slot (unless
            # a check is owed already).
            at = schedule.troubles_next_allow(v, now, retrieval=False)
            if not check_due:
                at, checks_from = max(at, schedule.waiting_poll_next(v, waiting_every, now)), now
            next_poll[v.id] = NextPoll(at, v.version, self.vendor.vendor, True, checks_from)
        size = max(1, self.vendor.poll_batch_size)
        batches = [due[i:i + size] for i in range(0, len(due), size)]
        observations = _Observations(self)
        answered = await asyncio.gather(*(self._guarded(self.vendor.poll(b, now), "poll",
                                                        observations) for b in batches))
        await observations.finish()
        vendor, interval = self.vendor.vendor, self.vendor.poll_interval
        for batch, ok in zip(batches, answered, strict=True):
            for view in batch:  # a job still waiting for an answer is polled once it is answered
                next_poll[view.id] = NextPoll(
                    now + interval(view, now), view.version, vendor,
                    view.state is State.WAITING_FOR_USER and view.attention is not None,
                    # a check whose poll failed is still owed
                    now if ok else self._checks_from(view, next_poll.get(view.id)))
        self.report.polled += len(due)

    def _checks_from(self, view: OrderView, scheduled: NextPoll | None) -> datetime:
        """From when a slow check of the waiting job ``view`` is owed (``NextPoll.checks_from``):
        as its NextPoll says; else, in an engine's first pass, from its last change, and in a
        later pass from the pass before (an order another worker handed over)."""
        if scheduled is not None and scheduled.checks_from is not None:
            return scheduled.checks_from
        return view.modified_on if self.previous is None else self.previous

    def _note_unpolled(self) -> None:
        """No poll this pass (credentials refused): each order in a polled state is known at
        the version seen, so passes leave it out while they are refused (from a fresh engine
        too). One without a poll time, or that waited and changed, is looked at as soon as a
        poll may go out, and a waiting job then gets the checks it was owed here (from its last
        change in an engine's first pass: a restart while credentials are refused)."""
        next_poll = self.engine._next_poll
        for v in self.views:
            if v.state not in POLLED_STATES:
                continue
            known = next_poll.get(v.id)
            if known is None or (known.waiting and known.version != v.version):
                next_poll[v.id] = NextPoll(self.now, v.version, self.vendor.vendor, False,
                                           self._checks_from(v, known))
            elif known.version != v.version:
                next_poll[v.id] = known._replace(version=v.version)

    # ------------------------------------------------------------------ helpers
    async def _each(self, views: list[OrderView], what: str,
                    work: Callable[[OrderView], Coroutine[Any, Any, list[c.AnyCommand]]]) -> None:
        await asyncio.gather(*(self._guarded(work(v), what) for v in views))

    async def _guarded(self, work: Coroutine[Any, Any, list[c.AnyCommand]], what: str,
                       collect: _Observations | None = None) -> bool:
        """Run one vendor call; record its commands now, or hand them to ``collect``. Whether
        the vendor answered. Once the vendor refused our credentials in this pass, no further
        call goes out."""
        async with self.limit:
            if self.refused:
                work.close()
                return False
            try:
                commands = await work
            except VendorAuthError as error:
                self._observe(what, error)
                await self._refused(what, error)
                return False
            except VENDOR_TROUBLE as error:
                self._observe(what, error)
                self.report.problem(_class_of(error), f"{self.vendor.vendor} {what}: {_describe(error)}")
                return False
        self._observe(what)
        self.succeeded = True
        if collect is not None:
            collect.add(commands)
            return True
        crashpoints.crash_point(f"before_{what}_record")
        await self._record(commands)
        return True

    def _observe(self, operation: str, error: BaseException | None = None) -> None:
        self.engine.observer.vendor_call(
            self.vendor.vendor, operation,
            Classification.SUCCESS.value if error is None else _class_of(error),
            None if error is None else _describe(error))

    async def _refused(self, what: str, error: VendorAuthError) -> None:
        self.refused = True
        self.report.problem(_class_of(error), f"{self.vendor.vendor} {what}: {error}")
        await self._record([c.RefuseCredentials(vendor=self.vendor.vendor, operation=what,
                                                http_status=error.http_status,
                                                message=str(error), at=self.now)])
        await self._reload_connector()

    async def _record(self, commands: Sequence[c.AnyCommand], held: bool = False) -> None:
        outcomes = await self.engine.record(commands, self.report)
        if held:
            self.report.held += sum(1 for o in outcomes if o.recorded)


class _Observations:
    """Poll observations, recorded RECORD_BATCH to a store transaction while polling goes on.

    Observations are safe to record together: lost in a crash, they are observed again.
    Batches are recorded one after another, in the order they filled up.
    """

    def __init__(self, vendor_pass: _VendorPass) -> None:
        self.vendor_pass = vendor_pass
        self.waiting: list[c.AnyCommand] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.turn = asyncio.Lock()

    def add(self, commands: Sequence[c.AnyCommand]) -> None:
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

    def _flush(self, batch: list[c.AnyCommand]) -> None:
        self.tasks.append(asyncio.create_task(self._record(batch)))

    async def _record(self, batch: list[c.AnyCommand]) -> None:
        async with self.turn:
            crashpoints.crash_point("before_poll_record")
            await self.vendor_pass._record(batch)


def probe_due(connector: ConnectorView, now: datetime, previous: datetime | None) -> bool:
    """Whether a pass at ``now`` (the one before at ``previous``) probes the connector's refused
    credentials: once per ``PROBE_EVERY`` since the refusal. An engine's first pass (``previous``
    None: a restart, each ``sync --once`` from cron) probes once that long has passed since the
    refusal, however its start falls against the refusal's minutes: ``sync --once`` probes on
    each run from then on (a run that started within the minute would otherwise probe only
    when it happened to start just after one of them)."""
    refusal = next((n for n in connector.notices if n.kind is AttentionKind.CREDENTIALS), None)
    return refusal is not None and schedule.slot_crossed(
        refusal.since, PROBE_EVERY, now, refusal.since if previous is None else previous)


def _class_of(error: BaseException) -> str:
    """An error's class for logs and metrics: the vendor's classification, else ``transport``."""
    return error.classification.value if isinstance(error, VendorError) else "transport"


def _submit_outcome(commands: Sequence[c.AnyCommand]) -> tuple[str, str | None]:
    """(classification, reason) of a submission from the commands it came to."""
    for cmd in commands:
        if isinstance(cmd, c.MarkOutcomeUnknown):
            return "uncertain", cmd.reason
        if isinstance(cmd, c.RefuseCredentials):
            return Classification.NEEDS_REAUTH.value, cmd.message
        if isinstance(cmd, c.OpenCircuit):
            return Classification.NEEDS_HUMAN.value, cmd.message
        if isinstance(cmd, c.ReachDailyCap):
            return Classification.RETRYABLE.value, cmd.message
        if isinstance(cmd, c.FailSubmission):
            return cmd.classification.value, cmd.message
    return Classification.SUCCESS.value, None


def _describe(error: BaseException) -> str:
    return str(error) if isinstance(error, VendorError) else type(error).__name__
