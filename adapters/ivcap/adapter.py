"""IVCAP as a PolledVendor for the sync engine."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import msgspec

from ordertrail.adapters.common.download import Result, retrieve_results
from ordertrail.adapters.common.polled import Downloader
from ordertrail.adapters.ivcap.client import CreateAnswer, IvcapClient, ReadRefused
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.ivcap.translate import create_commands, status_commands, trouble_commands
from ordertrail.adapters.ivcap.wire import (
    NameValue,
    OrderRequest,
    OrderStatus,
    request_problem,
)
from ordertrail.domain import commands as c
from ordertrail.domain.views import OrderView
from ordertrail.domain.vocabulary import Classification, Source, Trouble

log = logging.getLogger(__name__)
READ_TROUBLES = (Trouble.ORDER_NOT_FOUND, Trouble.POLL_FORBIDDEN)


class IvcapAdapter:
    vendor = "ivcap"
    daily_cap: int | None = None
    poll_batch_size = 1  # IVCAP reads one order per request

    def __init__(self, client: IvcapClient, config: IvcapConfig) -> None:
        self.client = client
        self.config = config
        self.max_concurrency = config.max_concurrency
        # Made once: every pass asks for each open order's interval.
        self._fast_window = timedelta(seconds=config.fast_window_seconds)
        self._poll_fast = timedelta(seconds=config.poll_fast_seconds)
        self._poll_slow = timedelta(seconds=config.poll_slow_seconds)
        self.waiting_poll_interval = self._poll_slow

    def submission_day(self, now: datetime) -> date:
        return now.astimezone(timezone.utc).date()

    def next_day_start(self, now: datetime) -> datetime:
        return datetime.combine(self.submission_day(now) + timedelta(days=1), datetime.min.time(),
                                tzinfo=timezone.utc)

    def poll_interval(self, order: OrderView, now: datetime) -> timedelta:
        placed_at = order.placed_at
        return self._poll_fast if placed_at is None or now - placed_at < self._fast_window \
            else self._poll_slow

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        return request_problem(request)

    async def probe(self) -> bool:
        await self.client.probe()
        return True

    def request_for(self, order: OrderView) -> OrderRequest:
        vr = order.vendor_request
        metadata = vr.get("metadata") or {}
        return OrderRequest(
            service_id=str(vr.get("service_id") or self.config.service_id),
            account_id=str(vr.get("account_id") or self.config.account_id),
            parameters=[NameValue(str(p["name"]), str(p.get("value", "")))
                        for p in vr.get("parameters") or []],
            name=str(order.id),  # reconciliation finds the order by this name
            metadata=[NameValue(str(k), str(v)) for k, v in dict(metadata).items()],
        )

    async def submit(self, order: OrderView, now: datetime) -> list[c.AnyCommand]:
        if order.submission_attempts > 1:
            # An earlier attempt failed (a 503, say) after the request may have been processed:
            # look for our name first (vendor-spec I2), and create only if IVCAP has none.
            existing = await self._find_ours(order, now)
            if existing is not None:
                return [c.MarkOutcomeUnknown(order_id=order.id, source=Source.RECONCILIATION,
                                             reason="an earlier attempt may have created it"),
                        *existing]
        return create_commands(order.id, await self.client.create(self.request_for(order)), now)

    async def reconcile(self, order: OrderView, now: datetime) -> list[c.AnyCommand]:
        if now - order.modified_on < timedelta(seconds=self.config.reconcile_after_seconds):
            # The request we gave up on may still be travelling: a lookup now could miss the
            # order it is about to create, and a retry would create a second one.
            return []
        existing = await self._find_ours(order, now)
        if existing is not None:
            return existing
        return [c.FailSubmission(order_id=order.id,
                                 classification=Classification.RECONCILED_NOT_CREATED,
                                 source=Source.RECONCILIATION,
                                 message="no IVCAP order carries our name")]

    async def _find_ours(self, order: OrderView, now: datetime) -> list[c.AnyCommand] | None:
        """Placement commands for the IVCAP order named after ours; a person's choice when
        several carry the name; None when there is none."""
        found = await self.client.list_by_name(str(order.id))
        if not found:
            return None
        if len(found) > 1:
            return [c.NoteAmbiguousReconciliation(order_id=order.id,
                                                  candidates=[o.id for o in found],
                                                  source=Source.RECONCILIATION)]
        status = await self.client.read(found[0].id)
        commands = create_commands(order.id, _created(status), now)
        return [replace(cmd, source=Source.RECONCILIATION) if isinstance(cmd, c.Command) else cmd
                for cmd in commands]

    async def poll(self, orders: Sequence[OrderView], now: datetime) -> list[c.AnyCommand]:
        commands: list[c.AnyCommand] = []
        for order in orders:
            if not order.vendor_ref:
                continue
            try:
                status, body = await self.client.read_answer(order.vendor_ref)
            except ReadRefused as refused:
                commands += trouble_commands(order.id, refused, now)
                continue
            commands += status_commands(order.id, status, now, raw=msgspec.Raw(body))  # verbatim
            commands += [c.ClearTrouble(order_id=order.id, trouble=t, source=Source.POLL)
                         for t in READ_TROUBLES if t in order.troubles]
        return commands

    async def retrieve(
        self, order: OrderView, download: Downloader, now: datetime
    ) -> list[c.AnyCommand]:
        results = [
            Result(ref, str(info["download_ref"]), fallback_name=str(info.get("name") or ref),
                   expected_size=info.get("size"), media_type=info.get("media_type"))
            for ref, info in order.results_available.items()
            if ref not in order.results_retrieved and info.get("download_ref")
        ]
        return await retrieve_results(order, results, download, self.client.auth_headers, now)

    async def close(self) -> None:
        return None


def _created(status: OrderStatus) -> CreateAnswer:
    return CreateAnswer("created", 200, order=status, raw=msgspec.to_builtins(status))
