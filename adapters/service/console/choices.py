"""Which actions the console offers for an order: exactly those the lifecycle allows now."""

from __future__ import annotations

from ordertrail.adapters.actions import answered_here, choices
from ordertrail.adapters.registry import find
from ordertrail.domain.events import CancellationRequested, Cancelled
from ordertrail.domain.state_machine import NOT_YET_PLACED, State, states_allowing
from ordertrail.domain.views import OrderView

CANCELLABLE = (states_allowing(Cancelled) & NOT_YET_PLACED) | states_allowing(CancellationRequested)
CONFIRMABLE = states_allowing(Cancelled)


def actions_for(view: OrderView) -> list[str]:
    """``choose`` (a question with options, answered here), ``reconcile`` (an uncertain
    submission), ``resubmit`` (a declined payment), ``cancel`` (not terminal, not already
    asked), ``confirm_cancel`` (asked of a vendor with no cancel route, whose people a person
    asked: record that they did; a vendor with a cancel route answers its own): in that
    order."""
    found = []
    if choices(view) and answered_here(view):
        found.append("choose")
    if view.state is State.SUBMISSION_UNCERTAIN:
        found.append("reconcile")
    if view.state is State.PAYMENT_DECLINED:
        found.append("resubmit")
    if view.state in CANCELLABLE and not view.is_terminal and not view.cancellation_pending:
        found.append("cancel")
    vendor = find(view.vendor)
    cancels_itself = vendor is not None and vendor.has_cancel_route
    if view.cancellation_pending and not cancels_itself and view.state in CONFIRMABLE:
        found.append("confirm_cancel")
    return found
