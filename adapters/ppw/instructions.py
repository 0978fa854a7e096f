"""Queueing instructions for PPW: Update, RTV, Complete and Cancel.

Each records what the domain has a fact for (``AmendmentSent``,
``CancellationRequested``) and queues an offer with a fresh transaction id;
PPW picks it up in ``get_all_updates`` and acks it, and the ack records the
outcome (see ``translate.ack_commands``). The domain write comes first: when
the domain refuses, nothing is offered.
"""

from __future__ import annotations

from uuid import UUID

from ordertrail.adapters.ppw.errors import NotOfferableError
from ordertrail.adapters.ppw.outbox import CANCEL, COMPLETE, RTV, UPDATE, PPWOutbox
from ordertrail.adapters.ppw.translate import UPDATABLE_FIELDS
from ordertrail.domain import commands as c
from ordertrail.domain.events import CancellationRequested, ReturnedToVendor, StatusChanged
from ordertrail.domain.state_machine import POLLED_STATES, State, states_allowing, states_reaching
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vocabulary import Initiator

_UPDATABLE_STATES = POLLED_STATES
"""Placed and not yet delivered: PPW ignores updates from Ready for Office on."""
_RETURNABLE_STATES = states_allowing(ReturnedToVendor)
_COMPLETABLE_STATES = states_reaching(StatusChanged, State.COMPLETED)
_CANCELLABLE_STATES = states_allowing(CancellationRequested)


def _require(tracker: Tracker, order_id: UUID, states: frozenset[State], what: str) -> State:
    view = tracker.get_order(order_id)
    if view.vendor != "ppw":
        raise NotOfferableError(f"order {order_id} is a {view.vendor} order, not a PPW one")
    if view.state not in states:
        allowed = ", ".join(sorted(s.value for s in states))
        raise NotOfferableError(
            f"order {order_id} is {view.state.value}: {what} needs one of {allowed}"
        )
    return view.state


def send_update(
    tracker: Tracker, outbox: PPWOutbox, order_id: UUID, field: str, value: str
) -> str:
    """Offer PPW an ``Update`` of one field; return its transaction id.

    PPW ignores updates once the order is Ready for Office, Invoiced or Complete,
    so they are refused here from DELIVERED on.
    """
    if field not in UPDATABLE_FIELDS:
        raise NotOfferableError(f"PPW cannot update field {field!r}")
    _require(tracker, order_id, _UPDATABLE_STATES, "an update")
    tid = outbox.new_transaction_id()
    tracker.run(c.SendAmendment(order_id=order_id, transaction_id=tid, field=field, value=value))
    return outbox.queue(order_id, UPDATE, field, value, transaction_id=tid)


def request_rtv(tracker: Tracker, outbox: PPWOutbox, order_id: UUID, reason: str) -> str:
    """Return delivered work to the vendor for follow-up (recorded as ReturnedToVendor on ack)."""
    _require(tracker, order_id, _RETURNABLE_STATES, "RTV")
    return outbox.queue(order_id, RTV, value=reason)


def request_complete(tracker: Tracker, outbox: PPWOutbox, order_id: UUID) -> str:
    """Accept delivered work: COMPLETED once PPW acks the ``Complete``."""
    _require(tracker, order_id, _COMPLETABLE_STATES, "Complete")
    return outbox.queue(order_id, COMPLETE)


def request_cancel(
    tracker: Tracker, outbox: PPWOutbox, order_id: UUID, reason: str | None = None
) -> str | None:
    """Cancel: locally while PPW has not imported the order, else offer PPW a ``Cancel``.

    Returns the transaction id of the offered Cancel, or None for a local cancel.
    """
    state = _require(tracker, order_id, _CANCELLABLE_STATES, "a cancel")
    if state is State.REQUESTED:
        offer = outbox.new_offer_of(order_id)
        if offer is not None and offer.fetched:
            raise NotOfferableError(
                f"order {order_id}: PPW fetched it and may be importing it; "
                "cancel after its ack arrives"
            )
        tracker.run(c.Cancel(order_id=order_id, initiator=Initiator.US, reason=reason))
        outbox.sync(tracker)
        return None
    tid = outbox.new_transaction_id()
    tracker.run(
        c.RequestCancellation(order_id=order_id, initiator=Initiator.US, reason=reason, transaction_id=tid)
    )
    return outbox.queue(order_id, CANCEL, value=reason, transaction_id=tid)
