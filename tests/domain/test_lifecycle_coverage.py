"""Every state and every row of the lifecycle table, taken at least once by the real tracker.

The reference model finds, breadth first, a shortest command sequence that ends in each
(from-state, event, to-state) it knows; each sequence then runs on a fresh order in the
tracker, compared with the model at every step. The test fails when a row of the table is
never taken (the model does not know it, or the tracker refused it), and when the tracker
takes a transition that is not a row.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import deque
from functools import cache, partial
from typing import Any
from uuid import uuid4

from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import TRANSITIONS
from ordertrail.domain.states import State
from ordertrail.domain.tracker import Tracker
from tests.domain.order_model import RECORDED, ModelOrder, OrdersModel, Prediction
from tests.domain.test_lifecycle_stateful import ALPHABET, actual_view, expected_view, outcome_of

Row = tuple[str, str, str]


def _signature(o: ModelOrder) -> Any:
    """What tells two model orders apart for the table's rows and guards."""
    return (o.state, o.in_flight, o.hold, frozenset(o.results), frozenset(o.retrieved.items()),
            o.cancellation_pending, bool(o.troubles), o.attention, o.last_raw_status,
            o.progress, None if o.waiting is None else o.waiting["prompt"], o.vendor_ref,
            o.last_submission)


def _run_model(order: ModelOrder, build: partial[c.Command]) -> tuple[ModelOrder, Prediction]:
    model = OrdersModel()
    model.orders[0] = copy.deepcopy(order)
    prediction = model.run(0, build(order_id=uuid4()))
    return model.orders[0], prediction


@cache
def shortest_paths(max_depth: int = 5) -> dict[Row, list[partial[c.Command]]]:
    """For every transition the model takes from a new order, a shortest command sequence
    that ends with it."""
    start = ModelOrder(0, "ivcap", {"n": 0})
    paths: dict[Row, list[partial[c.Command]]] = {("", "OrderRequested", "REQUESTED"): []}
    seen = {_signature(start)}
    frontier: deque[tuple[ModelOrder, list[partial[c.Command]]]] = deque([(start, [])])
    while frontier:
        order, path = frontier.popleft()
        if len(path) >= max_depth:
            continue
        for build in ALPHABET:
            after, predicted = _run_model(order, build)
            if predicted.outcome != RECORDED:
                continue
            assert predicted.event is not None and predicted.target is not None
            row = (order.state, predicted.event, predicted.target)
            paths.setdefault(row, [*path, build])
            if _signature(after) not in seen:
                seen.add(_signature(after))
                frontier.append((after, [*path, build]))
    return paths


def _bind(build: partial[c.Command], order_id: Any, tag: str) -> c.Command:
    command = build(order_id=order_id)
    if isinstance(command, c.Place):
        command = dataclasses.replace(command, vendor_ref=f"{command.vendor_ref}-{tag}")
    return command


def test_the_tracker_takes_every_row_of_the_table_and_reaches_every_state(
    tracker: Tracker,
) -> None:
    table = {(t.source.value if t.source else "", t.event_name, t.target.value)
             for t in TRANSITIONS}
    taken: set[Row] = set()
    for number, path in enumerate(shortest_paths().values()):
        tag = uuid4().hex[:8]
        oid = tracker.request_order("ivcap", {"n": 0}, f"cover-{tag}-{number}")
        model = OrdersModel()
        model.add(0, "ivcap", {"n": 0})
        for build in path:
            command = _bind(build, oid, tag)
            predicted = model.run(0, command)
            (outcome,) = tracker.execute([command])
            assert outcome_of(outcome.recorded, outcome.error) == predicted.outcome, (
                command, outcome.error, predicted)
            assert actual_view(tracker.get_order(oid)) == expected_view(model.orders[0]), command
        taken |= {(e.from_state.value if e.from_state else "", e.type, e.to_state.value)
                  for e in tracker.history(oid)}
    assert taken - table == set(), "the tracker took transitions the table does not have"
    assert table - taken == set(), "rows of the table no command sequence took"
    assert {State(target) for _, _, target in taken} == set(State)
