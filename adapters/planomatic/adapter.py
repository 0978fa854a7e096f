"""PlanOmatic as a vendor the sync engine drives (``PolledVendor``).

PlanOcore v1 has one route, pay-and-submit: no status, lookup or download
routes. So the engine only ever submits through this adapter (after it has
committed SubmissionAttempted: at most once), and everything after placement
is either pushed by PlanOmatic's people or settled by ours. An uncertain
submission is never reconciled automatically: the card may be charged, and
only a person looking at the PlanOmatic account can tell.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ordertrail.adapters.common.errors import VendorAuthError
from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
from ordertrail.adapters.common.polled import Downloader
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.translate import commands_for
from ordertrail.adapters.planomatic.wire import VENDOR, request_problem
from ordertrail.domain import commands as c
from ordertrail.domain.views import OrderView

log = logging.getLogger(__name__)
NOTHING_TO_POLL = timedelta(days=1)


class PlanomaticAdapter:
    vendor = VENDOR
    daily_cap: int | None = None
    max_concurrency = 2
    poll_batch_size = 1
    waiting_poll_interval = NOTHING_TO_POLL

    def __init__(self, client: PlanomaticClient) -> None:
        self.client = client

    def submission_day(self, now: datetime) -> date:
        return now.astimezone(timezone.utc).date()

    def next_day_start(self, now: datetime) -> datetime:
        day = self.submission_day(now) + timedelta(days=1)
        return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)

    def poll_interval(self, order: OrderView, now: datetime) -> timedelta:
        return NOTHING_TO_POLL

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        return request_problem(request)

    async def probe(self) -> bool:
        """With session credentials configured, a new session proves them (nothing is
        charged); without, PlanOcore has no safe read and a person retries the vendor."""
        if not self.client.can_reauthenticate:
            return False
        await self.client.create_session()
        return True

    async def submit(self, order: OrderView, now: datetime) -> list[c.AnyCommand]:
        return commands_for(order.id, await self.send_once(order), now)

    async def send_once(self, order: OrderView) -> SubmitOutcome:
        """One pay-and-submit call; a refused token is renewed once and the call made again.

        The engine has already committed SubmissionAttempted. The second call is safe because
        invalid-token and session-expired are answered before charging.
        """
        request = with_reference(order.vendor_request, order.id)
        outcome = await self.client.pay_and_submit(request)
        if outcome.outcome is Outcome.REAUTH and self.client.can_reauthenticate:
            try:
                await self.client.create_session()
            except VendorAuthError as error:
                log.warning("planomatic: re-authentication failed: %s", error)
            else:
                outcome = await self.client.pay_and_submit(request)
        return outcome

    async def reconcile(self, order: OrderView, now: datetime) -> list[c.AnyCommand]:
        return []  # a person checks the PlanOmatic account, then `ordertrail reconcile`

    async def poll(self, orders: Sequence[OrderView], now: datetime) -> list[c.AnyCommand]:
        return []

    async def retrieve(
        self, order: OrderView, download: Downloader, now: datetime
    ) -> list[c.AnyCommand]:
        return []

    async def close(self) -> None:
        return None


def with_reference(vendor_request: Mapping[str, Any], order_id: object) -> dict[str, Any]:
    """Our order id in a free-text field, so a person can reconcile by hand (B.8)."""
    order = dict(vendor_request.get("order") or {})
    service = dict(order.get("primary_service") or {})
    note = f"ordertrail order {order_id}"
    instructions = str(service.get("service_instructions") or "")
    if note not in instructions:
        service["service_instructions"] = f"{instructions} [{note}]".strip()
    order["primary_service"] = service
    return {**vendor_request, "order": order}
