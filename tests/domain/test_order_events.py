"""How the Order records its events (the part of the library's trigger_event it does itself)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ordertrail.domain import events as ev
from ordertrail.domain.order import Meta, Order
from ordertrail.domain.state_machine import State


def test_an_event_missing_a_field_is_refused_and_the_order_is_unchanged() -> None:
    order = Order.request(uuid4(), "ivcap", "k", {"n": 1}, "test")
    order.collect_events()
    with pytest.raises(TypeError, match="missing 3 required positional arguments"):
        order._record(ev.StatusChanged, State.PLACED, Meta(), raw_status="x")
    assert (order.version, order.state, order.pending_events) == (1, State.REQUESTED, [])


def test_a_recorded_event_equals_the_one_its_class_would_construct() -> None:
    order = Order.request(uuid4(), "ivcap", "k", {"n": 1}, "test")
    order.place("job-1", "ivcap.order_id", meta=Meta(source="poll", raw={"id": "job-1"}))
    created, placed = order.collect_events()
    assert created == ev.OrderRequested(**vars(created))
    assert placed == ev.OrderPlaced(**vars(placed))
    assert (placed.originator_id, placed.originator_version) == (order.id, 2)
    assert (order.version, order.modified_on) == (2, placed.timestamp)


def test_a_view_holds_exactly_the_orders_fields() -> None:
    import dataclasses

    from ordertrail.domain.views import OrderView

    order = Order.request(uuid4(), "ivcap", "k", {"n": 1}, "test")
    order.place("job-1", "ivcap.order_id")
    view = OrderView.of(order)
    expected = OrderView(**{f.name: getattr(order, f.name) for f in dataclasses.fields(OrderView)})
    assert view == expected and repr(view) == repr(expected)
    assert dataclasses.asdict(view) == dataclasses.asdict(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.state = State.CANCELLED  # type: ignore[misc]
