"""The lifecycle table itself: complete, closed, and the README shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordertrail.domain.events import ORDER_EVENT_CLASSES
from ordertrail.domain.state_machine import (
    EVENT_NAMES,
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
        (State.COMPLETED, "ResultRetrieved", State.COMPLETED)
    ]


def test_every_event_in_the_table_has_an_event_class_and_back() -> None:
    classes = {cls.__name__ for cls in ORDER_EVENT_CLASSES}
    assert set(EVENT_NAMES) == classes


def test_every_event_class_has_an_explicit_stable_topic() -> None:
    topics = [cls.TOPIC for cls in ORDER_EVENT_CLASSES]
    assert len(set(topics)) == len(topics)
    assert all(t.startswith("ordertrail.order:") for t in topics)
    assert all(cls.__dict__.get("TOPIC") for cls in ORDER_EVENT_CLASSES)


@pytest.mark.parametrize(
    ("source", "event", "target"),
    [
        (State.REQUESTED, "SubmissionOutcomeUnknown", State.SUBMISSION_UNCERTAIN),
        (State.SUBMISSION_UNCERTAIN, "OrderPlaced", State.PLACED),
        (State.REQUESTED, "PaymentDeclined", State.PAYMENT_DECLINED),
        (State.PAYMENT_DECLINED, "OrderResubmitted", State.REQUESTED),
        (State.DELIVERED, "ReturnedToVendor", State.IN_PROGRESS),
        (State.PLACED, "OrderRejected", State.REJECTED),
        (State.WAITING_FOR_USER, "ProgressReported", State.IN_PROGRESS),
        (State.DELIVERED, "StatusChanged", State.COMPLETED),
    ],
)
def test_the_spec_transitions_are_in_the_table(source: State, event: str, target: State) -> None:
    assert target in {t.target for t in allowed_targets(source, event)}


def test_human_only_transitions_are_guarded() -> None:
    (uncertain_cancel,) = allowed_targets(State.SUBMISSION_UNCERTAIN, "Cancelled")
    assert uncertain_cancel.guard is Guard.HUMAN
    (delivered_fail,) = allowed_targets(State.DELIVERED, "Failed")
    assert delivered_fail.guard is Guard.HUMAN


def test_the_readme_diagram_is_generated_from_the_table() -> None:
    assert mermaid_diagram() in README.read_text(encoding="utf-8")


def test_a_state_is_found_by_its_stored_value_and_hashes_as_it() -> None:
    """Stored events carry a state's value; ``State.of`` maps it back exactly, and a state is
    found in dicts and sets by its value (str equality and hash agree)."""
    for state in State:
        assert State.of(state.value) is state
        assert hash(state) == hash(state.value)
        assert {state: 1}[state.value] == 1 and state.value in {state}
    with pytest.raises(ValueError, match="'placed' is not a valid State"):
        State.of("placed")  # stored values are exact, as State(value); State.parse is for people
