"""What ``projections verify`` expects of attention: each order's entries as a replay makes them."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.state_machine import NEEDS_A_PERSON
from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.attention.fold import ACK_PENDING
from ordertrail.projections.attention.queries import kinds_of
from ordertrail.projections.read_model import Mismatch

NAME = "attention"
_STATE_KINDS = frozenset(s.value for s in NEEDS_A_PERSON)


def expected_kinds(view: OrderView, history: Sequence[EventView]) -> list[tuple[str, str]]:
    """(kind, ref) of the attention entries the replayed order calls for."""
    kinds: list[tuple[str, str]] = []
    if view.state.value in _STATE_KINDS:
        kinds.append((view.state.value, ""))
    elif view.attention_kind is not None:
        kinds.append((view.attention_kind.value, ""))
    if not view.is_terminal:  # offers with a transaction id wait for the vendor's ack
        offered = {str(e.fields["transaction_id"]) for e in history
                   if e.type == "SubmissionAttempted" and e.fields.get("transaction_id")}
        kinds.extend((ACK_PENDING, tid) for tid in offered - set(view.acked_transactions))
    return sorted(kinds)


class AttentionCheck:
    """Each order's (kind, ref) entries."""

    def __init__(self) -> None:
        self.expected: dict[UUID, list[tuple[str, str]]] = {}

    def order(self, view: OrderView, history: Sequence[EventView]) -> None:
        self.expected[view.id] = expected_kinds(view, history)

    def chunk(self, conn: sa.Connection, order_ids: Sequence[UUID]) -> list[Mismatch]:
        stored = kinds_of(conn, order_ids)
        found = []
        for order_id in order_ids:
            want, kinds = self.expected.pop(order_id), sorted(stored.get(order_id, []))
            if kinds != want:
                found.append(Mismatch(order_id, NAME, f"replay {want}, read model {kinds}"))
        return found

    def finish(self, conn: sa.Connection) -> list[Mismatch]:
        return []
