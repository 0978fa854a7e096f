"""When the engine may call a vendor about an order again, decided from the event store.

Everything here is a function of facts the store holds (an order's troubles and their
next-try times, when it began waiting, when a connector refused our credentials) and of
the clock, so ``sync --once`` run from cron behaves like ``sync --follow``: no schedule
that matters lives only in a process's memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ordertrail.domain.views import OrderView


def slot_crossed(anchor: datetime, every: timedelta, now: datetime, previous: datetime) -> bool:
    """Whether a multiple of ``every`` after ``anchor`` fell in ``(previous, now]``.

    A periodic check anchored on a stored time: two passes ``previous`` and ``now`` apart run
    it once per ``every``, whichever process ran the earlier pass.
    """
    if now <= anchor or every <= timedelta(0):
        return False
    return (now - anchor) // every > max(previous - anchor, timedelta(0)) // every


def troubles_allow(view: OrderView, now: datetime, *, retrieval: bool) -> bool:
    """Whether the order's troubles about polling (or about retrieval) let us try now."""
    for trouble, count in view.troubles.items():
        if trouble.stops_retrieval != retrieval:
            continue
        if count.retry_at is None or count.retry_at > now:
            return False
    return True


def waiting_poll_due(view: OrderView, every: timedelta, now: datetime, previous: datetime) -> bool:
    """A job that waits for a person's answer is not polled until the answer is given (the
    order's attention clears), except for a slow check in case it was answered elsewhere."""
    if view.attention is None:
        return True
    return slot_crossed(view.modified_on, every, now, previous)
