"""How the console shows a state: lifecycle order and one colour class per meaning.

Every view (list, order, attention, report, the live updates) takes its colours from here, so
"needs a person" is the same amber everywhere and a colour never rotates by row.
"""

from __future__ import annotations

from ordertrail.domain.state_machine import NEEDS_A_PERSON
from ordertrail.domain.states import State

LIFECYCLE: tuple[State, ...] = tuple(State)
"""The states in the order an order meets them (the enum is written in lifecycle order)."""

MEANINGS = ("waiting", "working", "done", "failed", "person")
"""The colour classes, each a CSS class ``m-<meaning>``."""

LABELS = {"waiting": "waiting", "working": "working", "done": "done", "failed": "failed",
          "person": "needs a person"}

_MEANING = {
    State.REQUESTED: "waiting", State.PLACED: "waiting",
    State.IN_PROGRESS: "working", State.DELIVERED: "working",
    State.COMPLETED: "done",
    State.REJECTED: "failed", State.FAILED: "failed", State.CANCELLED: "failed",
    **dict.fromkeys(NEEDS_A_PERSON, "person"),
}


def meaning(state: str, needs_person: bool = False) -> str:
    """The colour class of an order in ``state``; an order a person must act on is "person"
    whatever its state, so the list shows it the way the attention page does."""
    if needs_person:
        return "person"
    try:
        return _MEANING[State(state)]
    except ValueError:
        return "waiting"


def rank(state: str) -> int:
    """The position of ``state`` in the lifecycle (unknown states last)."""
    try:
        return LIFECYCLE.index(State(state))
    except ValueError:
        return len(LIFECYCLE)
