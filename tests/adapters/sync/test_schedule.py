"""The engine's schedule: when an order that waits may next be polled, checked against the
yes/no rules a pass applies (a pass may leave the order out until then, so "then" must never
come after a moment the rules say yes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import cast

from hypothesis import given
from hypothesis import strategies as st

from ordertrail.adapters.sync import schedule
from ordertrail.domain.events import TroubleCount
from ordertrail.domain.views import OrderView
from ordertrail.domain.vocabulary import Trouble

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
seconds = st.integers(min_value=0, max_value=10_000).map(lambda s: timedelta(seconds=s))


@given(anchor=seconds, every=st.integers(min_value=1, max_value=900), now=seconds,
       gap=st.integers(min_value=0, max_value=900), later=st.integers(min_value=1, max_value=3_000))
def test_the_next_slot_is_the_first_moment_a_slot_is_crossed_after_now(
        anchor: timedelta, every: int, now: timedelta, gap: int, later: int) -> None:
    step = timedelta(seconds=every)
    at = schedule.next_slot(T0 + anchor, step, T0 + now)
    assert at > T0 + now and (at - (T0 + anchor)) % step == timedelta(0)
    # Passes left the order out from ``now`` on; the last of them ran at ``previous`` (before
    # ``at``): the next pass, at ``then``, crosses a slot iff it runs at ``at`` or later.
    previous = min(T0 + now + timedelta(seconds=gap), at - timedelta(microseconds=1))
    then = previous + timedelta(seconds=later)
    assert schedule.slot_crossed(T0 + anchor, step, then, previous) is (then >= at)


def test_no_slot_without_a_positive_period_or_within_the_calendar() -> None:
    assert schedule.next_slot(T0, timedelta(0), T0) is schedule.NEVER
    assert schedule.next_slot(T0, timedelta(days=10**7), T0 + timedelta(days=1)) \
        is schedule.NEVER


def view_with(troubles: dict[Trouble, TroubleCount], attention: str | None = None,
              modified_on: datetime = T0) -> OrderView:
    """What the schedule reads of an order view."""
    return cast(OrderView, SimpleNamespace(troubles=troubles, attention=attention,
                                           modified_on=modified_on))


def count(retry_at: datetime | None) -> TroubleCount:
    return TroubleCount(count=1, first_at=T0, last_at=T0, escalated=retry_at is None,
                        detail="404", retry_at=retry_at)


@given(tries=st.lists(st.one_of(st.none(), seconds), min_size=0, max_size=3), now=seconds,
       later=st.integers(min_value=0, max_value=20_000))
def test_troubles_let_a_poll_through_from_their_next_allow_on_and_not_before(
        tries: list[timedelta | None], now: timedelta, later: int) -> None:
    polling = [t for t in Trouble if not t.stops_retrieval]
    view = view_with({trouble: count(None if t is None else T0 + t)
                      for trouble, t in zip(polling, tries, strict=False)})
    at = schedule.troubles_next_allow(view, T0 + now, retrieval=False)
    then = T0 + now + timedelta(seconds=later)
    assert at >= T0 + now
    assert schedule.troubles_allow(view, then, retrieval=False) is (then >= at)
    if any(t is None for t in tries[:len(polling)]):
        assert at is schedule.NEVER


def test_troubles_about_retrieval_do_not_hold_a_poll_back() -> None:
    retrieval = next(t for t in Trouble if t.stops_retrieval)
    view = view_with({retrieval: count(None)})
    assert schedule.troubles_next_allow(view, T0, retrieval=False) == T0


@given(modified=seconds, every=st.integers(min_value=1, max_value=900), now=seconds,
       gap=st.integers(min_value=0, max_value=900), later=st.integers(min_value=1, max_value=3_000))
def test_a_job_waiting_for_an_answer_is_next_due_at_its_next_slot(
        modified: timedelta, every: int, now: timedelta, gap: int, later: int) -> None:
    step = timedelta(seconds=every)
    view = view_with({}, attention="choose an option", modified_on=T0 + modified)
    at = schedule.waiting_poll_next(view, step, T0 + now)
    # the last pass that left the job out ran at ``previous``, before ``at``
    previous = min(T0 + now + timedelta(seconds=gap), at - timedelta(microseconds=1))
    then = previous + timedelta(seconds=later)
    assert schedule.waiting_poll_due(view, step, then, previous) is (then >= at)
    answered = view_with({}, attention=None)
    assert schedule.waiting_poll_next(answered, step, T0 + now) == T0 + now
