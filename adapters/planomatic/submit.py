"""Pay and submit one order, at most once; and the person-driven follow-ups.

The attempt is committed before the call. An order whose previous attempt has
no recorded outcome, or that is not REQUESTED, is never sent again: the card
may already be charged. PlanOcore v1 has no lookup route, so an uncertain
order is settled by a person who checked the PlanOmatic account.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from ordertrail.adapters.common.errors import VendorAuthError, VendorError
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.outcomes import Kind, Outcome
from ordertrail.adapters.planomatic.translate import commands_for
from ordertrail.adapters.planomatic.wire import VENDOR
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import OrderView

log = logging.getLogger(__name__)
CHANNEL = "pay_and_submit"


class SubmissionRefused(VendorError):
    """This order may not be sent to PlanOmatic now (and nothing was sent)."""


def with_reference(vendor_request: dict[str, Any], order_id: UUID) -> dict[str, Any]:
    """Our order id in a free-text field, so a person can reconcile by hand."""
    order = dict(vendor_request.get("order") or {})
    service = dict(order.get("primary_service") or {})
    note = f"ordertrail order {order_id}"
    instructions = str(service.get("service_instructions") or "")
    if note not in instructions:
        service["service_instructions"] = f"{instructions} [{note}]".strip()
    order["primary_service"] = service
    return {**vendor_request, "order": order}


async def pay_and_submit(
    tracker: Tracker, client: PlanomaticClient, order_id: UUID, now: datetime | None = None
) -> State:
    view = await asyncio.to_thread(tracker.get_order, order_id)
    if view.vendor != VENDOR:
        raise SubmissionRefused(VENDOR, f"order {order_id} is a {view.vendor} order")
    if view.submission_in_flight:
        raise SubmissionRefused(
            VENDOR, f"order {order_id}: an earlier attempt has no recorded outcome; reconcile first"
        )
    if view.state is not State.REQUESTED:
        raise SubmissionRefused(VENDOR, f"order {order_id} is {view.state.value}, not REQUESTED")
    await asyncio.to_thread(tracker.run, c.AttemptSubmission(order_id=order_id, channel=CHANNEL))
    outcome = await send_once(client, view)
    commands = commands_for(order_id, outcome, now or datetime.now(timezone.utc))
    await asyncio.to_thread(tracker.execute, commands)
    return (await asyncio.to_thread(tracker.get_order, order_id)).state


async def send_once(client: PlanomaticClient, view: OrderView) -> Outcome:
    """One pay-and-submit call; a refused token is renewed once and the call made again.

    The caller has already committed SubmissionAttempted. The second call is
    safe because invalid-token and session-expired are answered before charging.
    """
    request = with_reference(view.vendor_request, view.id)
    outcome = await client.pay_and_submit(request)
    if outcome.rule.kind is Kind.REAUTH and client.can_reauthenticate:
        try:
            await client.create_session()
        except VendorAuthError as error:
            log.warning("planomatic: re-authentication failed: %s", error)
        else:
            outcome = await client.pay_and_submit(request)
    return outcome


def resubmit_with_payment_method(tracker: Tracker, order_id: UUID, payment_method_id: int) -> None:
    """A person fixed a declined payment: the order goes back to REQUESTED, history kept."""
    tracker.run(c.Resubmit(order_id=order_id, changes={"payment_method_id": payment_method_id},
                           source="human"))


def reconcile_by_person(tracker: Tracker, order_id: UUID, found_vendor_ref: str | None) -> None:
    """A person checked the PlanOmatic account: the order exists there, or it does not."""
    if found_vendor_ref:
        tracker.run(c.Place(order_id=order_id, vendor_ref=found_vendor_ref,
                            vendor_ref_kind="planomatic.order_id", source="human"))
    else:
        tracker.run(c.FailSubmission(order_id=order_id, classification="reconciled_not_created",
                                     source="human"))
