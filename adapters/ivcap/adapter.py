"""IVCAP as a PolledVendor for the sync engine."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import msgspec

from ordertrail.adapters.common.errors import VendorError
from ordertrail.adapters.common.polled import Downloader
from ordertrail.adapters.ivcap.client import CreateAnswer, IvcapClient, OrderNotFound
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.ivcap.translate import create_commands, status_commands
from ordertrail.adapters.ivcap.wire import NameValue, OrderRequest, OrderStatus
from ordertrail.domain import commands as c
from ordertrail.domain.views import OrderView

log = logging.getLogger(__name__)


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

    def submission_day(self, now: datetime) -> date:
        return now.astimezone(timezone.utc).date()

    def next_day_start(self, now: datetime) -> datetime:
        return datetime.combine(self.submission_day(now) + timedelta(days=1), datetime.min.time(),
                                tzinfo=timezone.utc)

    def poll_interval(self, order: OrderView, now: datetime) -> timedelta:
        placed_at = order.placed_at
        return self._poll_fast if placed_at is None or now - placed_at < self._fast_window \
            else self._poll_slow

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

    async def submit(self, order: OrderView) -> list[c.Command]:
        if order.submission_attempts > 1:
            # An earlier attempt failed (a 503, say) after the request may have been processed:
            # look for our name first (vendor-spec I2), and create only if IVCAP has none.
            existing = await self._find_ours(order)
            if existing is not None:
                return existing
        return create_commands(order.id, await self.client.create(self.request_for(order)))

    async def reconcile(self, order: OrderView) -> list[c.Command]:
        existing = await self._find_ours(order)
        if existing is not None:
            return existing
        return [c.FailSubmission(order_id=order.id, classification="reconciled_not_created",
                                 source="reconciliation",
                                 message="no IVCAP order carries our name")]

    async def _find_ours(self, order: OrderView) -> list[c.Command] | None:
        """Placement commands for the IVCAP order named after ours, or None if there is none."""
        found = await self.client.list_by_name(str(order.id))
        if not found:
            return None
        if len(found) > 1:
            log.warning("ivcap: %d orders named %s; the first is ours, a person must check",
                        len(found), order.id)
        status = await self.client.read(found[0].id)
        commands = create_commands(order.id, _created(status))
        return [_as_reconciliation(cmd) for cmd in commands]

    async def poll(self, orders: Sequence[OrderView]) -> list[c.Command]:
        commands: list[c.Command] = []
        for order in orders:
            if not order.vendor_ref:
                continue
            try:
                status, body = await self.client.read_answer(order.vendor_ref)
            except OrderNotFound:
                log.warning("ivcap: order %s (ours %s) not found", order.vendor_ref, order.id)
                continue
            commands += status_commands(order.id, status, raw=msgspec.Raw(body))  # verbatim
        return commands

    async def retrieve(self, order: OrderView, download: Downloader) -> list[c.Command]:
        commands: list[c.Command] = []
        for ref, info in order.results_available.items():
            if ref in order.results_retrieved or not info.get("download_ref"):
                continue
            try:
                file = await download(str(info["download_ref"]), headers=self.client.auth_headers,
                                      fallback_name=str(info.get("name") or ref),
                                      expected_size=info.get("size"))
            except VendorError as error:
                log.warning("ivcap: product %s of %s not retrieved: %s", ref, order.id, error)
                continue
            commands.append(c.RecordResultRetrieved(
                order_id=order.id, result_ref=ref, file_name=file.file_name,
                media_type=str(info.get("media_type") or file.media_type), size=file.size,
                sha256=file.sha256, source="poll"))
        return commands

    async def close(self) -> None:
        return None


def _created(status: OrderStatus) -> CreateAnswer:
    return CreateAnswer("created", 200, order=status, raw=msgspec.to_builtins(status))


def _as_reconciliation(command: c.Command) -> c.Command:
    return replace(command, source="reconciliation")
