"""The lifecycle table itself: complete, closed, and the README shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordertrail.domain import events as ev
from ordertrail.domain.events import ORDER_EVENT_CLASSES
from ordertrail.domain.state_machine import (
    TERMINAL_STATES,
    TRANSITIONS,
    Guard,
    State,
    allowed_targets,
    mermaid_diagram,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_state_is_reachable_from_a_request() -> None:
    reached = {State.REQUESTED}
    frontier = [State.REQUESTED]
    while frontier:
        state = frontier.pop()
        for row in TRANSITIONS:
            if row.source == state and row.target not in reached:
                reached.add(row.target)
                frontier.append(row.target)
    assert reached == set(State)


def test_terminal_states_let_nothing_out_but_a_re_download() -> None:
    leaving = [t for t in TRANSITIONS if t.source in TERMINAL_STATES]
    assert [(t.source, t.event, t.target) for t in leaving] == [
        (State.COMPLETED, ev.ResultRetrieved, State.COMPLETED)
    ]


def test_every_event_class_is_in_the_table_and_the_table_names_only_event_classes() -> None:
    assert {t.event for t in TRANSITIONS} == set(ORDER_EVENT_CLASSES)


def test_rows_for_one_state_and_event_are_tried_guarded_first() -> None:
    """Rows are tried in the order written: an unguarded row before a guarded one of the same
    state and event would make the guarded one unreachable."""
    for row in TRANSITIONS:
        rows = allowed_targets(row.source, row.event)
        unguarded = [i for i, r in enumerate(rows) if r.guard is None]
        guarded = [i for i, r in enumerate(rows) if r.guard is not None]
        assert not unguarded or not guarded or max(guarded) < min(unguarded), rows


def test_every_event_class_has_an_explicit_stable_topic() -> None:
    topics = [cls.TOPIC for cls in ORDER_EVENT_CLASSES]
    assert len(set(topics)) == len(topics)
    assert all(t.startswith("ordertrail.order:") for t in topics)
    assert all(cls.__dict__.get("TOPIC") for cls in ORDER_EVENT_CLASSES)


@pytest.mark.parametrize(
    ("source", "event", "target"),
    [
        (State.REQUESTED, ev.SubmissionOutcomeUnknown, State.SUBMISSION_UNCERTAIN),
        (State.SUBMISSION_UNCERTAIN, ev.OrderPlaced, State.PLACED),
        (State.REQUESTED, ev.PaymentDeclined, State.PAYMENT_DECLINED),
        (State.PAYMENT_DECLINED, ev.OrderResubmitted, State.REQUESTED),
        (State.DELIVERED, ev.ReturnedToVendor, State.IN_PROGRESS),
        (State.PLACED, ev.OrderRejected, State.REJECTED),
        (State.WAITING_FOR_USER, ev.ProgressReported, State.IN_PROGRESS),
        (State.DELIVERED, ev.StatusChanged, State.COMPLETED),
    ],
)
def test_the_spec_transitions_are_in_the_table(
    source: State, event: type[ev.OrderEvent], target: State
) -> None:
    assert target in {t.target for t in allowed_targets(source, event)}


def test_human_only_transitions_are_guarded() -> None:
    (uncertain_cancel,) = allowed_targets(State.SUBMISSION_UNCERTAIN, ev.Cancelled)
    assert uncertain_cancel.guard is Guard.HUMAN
    (delivered_fail,) = allowed_targets(State.DELIVERED, ev.Failed)
    assert delivered_fail.guard is Guard.HUMAN


def test_the_readme_diagram_is_generated_from_the_table() -> None:
    assert mermaid_diagram() in README.read_text(encoding="utf-8")


def test_a_state_is_found_by_its_stored_value() -> None:
    for state in State:
        assert State(state.value) is state
        assert {state: 1}[state.value] == 1 and state.value in {state}
    with pytest.raises(ValueError, match="'placed' is not a valid State"):
        State("placed")  # stored values are exact; State.parse is for people
