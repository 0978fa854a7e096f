"""When the engine may call a vendor about an order again, decided from the event store.

Everything here is a function of facts the store holds (an order's troubles and their
next-try times, when it began waiting, when a connector refused our credentials) and of
the clock, so ``sync --once`` run from cron keeps to the schedules that matter as
``sync --follow`` does. One thing only a running engine knows is when it last checked a
job waiting for a person's answer (``NextPoll.checks_from``), so that it checks it once per
slot; a fresh engine (each ``sync --once``) checks every job that has waited a slot or more
since its last change, which errs towards checking.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordertrail.domain.views import OrderView

NEVER = datetime.max.replace(tzinfo=UTC)
"""No time lets it: only a change of the order (a person's answer, say) can."""


def slot_crossed(anchor: datetime, every: timedelta, now: datetime, previous: datetime) -> bool:
    """Whether a multiple of ``every`` after ``anchor`` fell in ``(previous, now]``.

    A periodic check anchored on a stored time: two passes ``previous`` and ``now`` apart run
    it once per ``every``, whichever process ran the earlier pass.
    """
    if now <= anchor or every <= timedelta(0):
        return False
    return (now - anchor) // every > max(previous - anchor, timedelta(0)) // every


def next_slot(anchor: datetime, every: timedelta, now: datetime) -> datetime:
    """The first multiple of ``every`` after ``anchor`` later than ``now``: the earliest time
    at which ``slot_crossed`` can next say yes (``NEVER`` when ``every`` is not positive)."""
    if every <= timedelta(0):
        return NEVER
    try:
        return anchor + (max(now - anchor, timedelta(0)) // every + 1) * every
    except OverflowError:  # a period past the calendar's end
        return NEVER


def troubles_allow(view: OrderView, now: datetime, *, retrieval: bool) -> bool:
    """Whether the order's troubles about polling (or about retrieval) let us try now."""
    for trouble, count in view.troubles.items():
        if trouble.stops_retrieval != retrieval:
            continue
        if count.retry_at is None or count.retry_at > now:
            return False
    return True


def troubles_next_allow(view: OrderView, now: datetime, *, retrieval: bool) -> datetime:
    """The earliest time at which ``troubles_allow`` can say yes while the order stays as it
    is: ``now`` when it does now, ``NEVER`` when a trouble has no next try (a person's)."""
    latest = now
    for trouble, count in view.troubles.items():
        if trouble.stops_retrieval != retrieval:
            continue
        if count.retry_at is None:
            return NEVER
        latest = max(latest, count.retry_at)
    return latest


def waiting_poll_due(view: OrderView, every: timedelta, now: datetime, previous: datetime) -> bool:
    """A job that waits for a person's answer is not polled until the answer is given (the
    order's attention clears), except for a slow check in case it was answered elsewhere."""
    if view.attention is None:
        return True
    return slot_crossed(view.modified_on, every, now, previous)


def waiting_poll_next(view: OrderView, every: timedelta, now: datetime) -> datetime:
    """The earliest time at which ``waiting_poll_due`` can say yes while the order stays as it
    is (``now`` when nobody's answer is awaited)."""
    if view.attention is None:
        return now
    return next_slot(view.modified_on, every, now)
