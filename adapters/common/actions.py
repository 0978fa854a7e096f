"""What a person does about an order on the attention list, callable without a command line.

The CLI (``adapters/cli/commands_act.py``) and the console both call these, so a choice,
a reconciliation, a resubmission or a cancellation is one command on the ledger with
``source=Source.HUMAN`` whichever door it came through. The lifecycle table decides whether
it is allowed; a refusal raises ``TransitionRefused`` (or ``ActionInputError`` for an answer
the order was not asked) and records nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from ordertrail.domain import commands as c
from ordertrail.domain.errors import OrdertrailError, TransitionRefused
from ordertrail.domain.state_machine import NOT_YET_PLACED, State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import OrderView
from ordertrail.domain.vocabulary import Classification, Initiator, Source

REF_KINDS = {"planviewer": "planviewer.job_uuid", "ivcap": "ivcap.order_id",
             "planomatic": "planomatic.order_id", "ppw": "ppw.report_id"}


class ActionInputError(OrdertrailError):
    """A person's answer that the order does not accept (a choice not offered, no change)."""


def reconcile(tracker: Tracker, order_id: UUID, vendor_ref: str | None) -> OrderView:
    """Settle an uncertain submission: the vendor has it as ``vendor_ref``, or (None) has none."""
    view = tracker.get_order(order_id)
    if view.state is not State.SUBMISSION_UNCERTAIN:
        raise TransitionRefused(order_id, view.state, "reconcile")
    if vendor_ref:
        tracker.run(c.Place(order_id=order_id, vendor_ref=vendor_ref,
                            vendor_ref_kind=REF_KINDS[view.vendor], source=Source.HUMAN))
    else:
        tracker.run(c.FailSubmission(order_id=order_id, classification=Classification.RECONCILED_NOT_CREATED,
                                     message="a person found no such order at the vendor",
                                     source=Source.HUMAN))
    return tracker.get_order(order_id)


def resubmit(tracker: Tracker, order_id: UUID, changes: dict[str, Any]) -> OrderView:
    """Send a declined order again with ``changes`` to its vendor request, history kept."""
    if not changes:
        raise ActionInputError("give at least one field to change")
    tracker.run(c.Resubmit(order_id=order_id, changes=changes, source=Source.HUMAN))
    return tracker.get_order(order_id)


def cancel_here(tracker: Tracker, order_id: UUID, reason: str | None, confirm: bool) -> str:
    """Cancel an order not yet placed (or confirmed cancelled at the vendor by hand); for a
    placed one, ask for cancellation. What was done, in words. (PPW's own cancel route is
    ``ordertrail.adapters.ppw.instructions.request_cancel``.)"""
    view = tracker.get_order(order_id)
    if view.state in NOT_YET_PLACED or confirm:
        tracker.run(c.Cancel(order_id=order_id, initiator=Initiator.USER, reason=reason,
                             source=Source.HUMAN))
        return "cancelled"
    tracker.run(c.RequestCancellation(order_id=order_id, initiator=Initiator.USER,
                                      reason=reason, source=Source.HUMAN))
    return (f"{view.vendor} has no cancel route: cancel it there, then "
            f"`ordertrail cancel {order_id} --confirm`")


def choices(view: OrderView) -> list[dict[str, Any]]:
    """The options a vendor offers for the question ``view`` waits on (empty when none)."""
    if view.state is not State.WAITING_FOR_USER or not view.waiting:
        return []
    return list(view.waiting.get("choices") or [])


def check_choice(view: OrderView, choice: str) -> None:
    """Refuse (nothing recorded) unless ``choice`` answers the question ``view`` waits on."""
    if view.state is not State.WAITING_FOR_USER or not view.waiting:
        raise TransitionRefused(view.id, view.state, "choose", "nothing is being asked")
    options = choices(view)
    if options and choice not in {str(o.get("key")) for o in options}:
        raise ActionInputError(f"{choice!r} is not one of the offered choices")
    if view.vendor != "planviewer":
        raise TransitionRefused(view.id, view.state, "choose",
                                f"{view.vendor} questions are answered at the vendor")


AskVendor = Callable[[OrderView, str], Awaitable[Sequence[c.AnyCommand]]]
"""Gives the vendor a person's answer; returns the commands that record it once accepted
(``ordertrail.adapters.wiring.answer_at_vendor``)."""


async def choose(tracker: Tracker, order_id: UUID, choice: str, ask_vendor: AskVendor) -> OrderView:
    """Answer the vendor's question (Planviewer: which parcel) at the vendor, then record it."""
    view = tracker.get_order(order_id)
    check_choice(view, choice)
    tracker.execute(await ask_vendor(view, choice))
    return tracker.get_order(order_id)
