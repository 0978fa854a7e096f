"""Which actions the console offers for an order: exactly those the lifecycle allows now."""

from __future__ import annotations

from ordertrail.adapters.common.actions import choices
from ordertrail.domain.events import CancellationRequested, Cancelled
from ordertrail.domain.state_machine import NOT_YET_PLACED, State, states_allowing
from ordertrail.domain.views import OrderView

CANCELLABLE = (states_allowing(Cancelled) & NOT_YET_PLACED) | states_allowing(CancellationRequested)
CONFIRMABLE = states_allowing(Cancelled)


def actions_for(view: OrderView) -> list[str]:
    """``choose`` (a question with options, answered here), ``reconcile`` (an uncertain
    submission), ``resubmit`` (a declined payment), ``cancel`` (not terminal, not already
    asked), ``confirm_cancel`` (asked of a vendor with no cancel route, whose people a person
    asked: record that they did; PPW answers its own Cancel): in that order."""
    found = []
    if view.vendor == "planviewer" and choices(view):
        found.append("choose")
    if view.state is State.SUBMISSION_UNCERTAIN:
        found.append("reconcile")
    if view.state is State.PAYMENT_DECLINED:
        found.append("resubmit")
    if view.state in CANCELLABLE and not view.is_terminal and not view.cancellation_pending:
        found.append("cancel")
    if view.cancellation_pending and view.vendor != "ppw" and view.state in CONFIRMABLE:
        found.append("confirm_cancel")
    return found
