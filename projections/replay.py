"""Audit replay: rebuild every order from its events and compare with every read model."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ordertrail.domain.events import OrderEvent
from ordertrail.domain.order import Order
from ordertrail.domain.state_machine import NEEDS_A_PERSON
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections import sealed
from ordertrail.projections.logic.attention import ACK_PENDING
from ordertrail.projections.logic.order_status import cents
from ordertrail.projections.queries import ReadModels
from ordertrail.projections.registry import READ_MODELS
from ordertrail.projections.rows import OrderStatusRow

_STATE_KINDS = frozenset(s.value for s in NEEDS_A_PERSON)


@dataclass(frozen=True)
class Mismatch:
    order_id: UUID | None
    model: str
    what: str


def expected_row(view: OrderView, history: list[EventView]) -> OrderStatusRow:
    """The order_status row a replay of ``view``'s order (with its history) calls for."""
    changes = [e.recorded_at for e in history if e.from_state != e.to_state]
    return OrderStatusRow(
        order_id=view.id, vendor=view.vendor, vendor_ref=view.vendor_ref,
        idempotency_key=view.idempotency_key, state=view.state.value,
        last_raw_status=view.last_raw_status, progress_current=view.progress_current,
        progress_total=view.progress_total, needs_person=view.needs_a_person,
        attention=view.attention, attention_kind=view.attention_kind, hold=view.hold,
        amount_cents=None if view.amount is None else cents(view.amount),
        state_since=changes[-1] if changes else None,
        requested_at=view.requested_at, placed_at=view.placed_at,
        delivered_at=view.delivered_at, finished_at=view.finished_at, last_version=view.version,
    )


def expected_kinds(view: OrderView, history: list[EventView]) -> list[tuple[str, str]]:
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


def verify(tracker: Tracker, models: ReadModels, chunk: int = 2000) -> list[Mismatch]:
    """Every difference between a replay of each order and the read models.

    Orders are taken ``chunk`` at a time, in the order they were requested: each one is
    replayed from its own events, and the chunk's read-model rows are read in three queries,
    so memory stays flat however many orders the store holds.
    """
    mismatches: list[Mismatch] = []
    requested: Counter[str] = Counter()
    seen = 0
    redact = tracker.cipher is not None  # as the runner wrote them
    expected: dict[str, Any] = {}
    for ids in tracker.order_id_chunks(chunk):
        seen += len(ids)
        rows, entries, counts = models.rows_of(ids)
        for order_id in ids:
            view, history = _replayed(tracker, order_id)
            requested[view.vendor] += 1
            for model in READ_MODELS:
                expected[model.name] = model.expect(view, history, expected.get(model.name))
            mismatches.extend(_compare_order(view, history, rows.get(order_id),
                                             entries.get(order_id, []), counts.get(order_id, 0),
                                             redact))
    listed = models.order_count()
    if listed != seen:
        mismatches.append(Mismatch(None, "order_status", f"{listed} rows for {seen} orders"))
    mismatches.extend(_compare_requested(models, requested))
    mismatches.extend(_compare_connectors(tracker, models, redact))
    with models.engine.connect() as conn:
        for model in READ_MODELS:
            mismatches += [Mismatch(None, model.name, what)
                           for what in model.compare(conn, expected.get(model.name))]
    return mismatches


def _replayed(tracker: Tracker, order_id: UUID) -> tuple[OrderView, list[EventView]]:
    """The order as its events make it, and its history, from one read of its events."""
    order: Order | None = None
    history: list[EventView] = []
    for event in tracker.events.get(order_id):
        assert isinstance(event, OrderEvent)
        history.append(EventView.of(event, history[-1].to_state if history else None))
        order = event.mutate(order)
    assert order is not None, order_id
    return OrderView.of(order), history


def _compare_connectors(tracker: Tracker, models: ReadModels, redact: bool) -> list[Mismatch]:
    """Each connector row and its attention rows against a replay of the connector."""
    found: list[Mismatch] = []
    expected_entries: list[tuple[str, str, str, str]] = []
    for row in models.connectors():
        view = tracker.connector(row.vendor, row.account)
        want = (view.id, view.vendor, view.account, view.cap_until, view.last_success_at,
                view.version)
        if tuple(row) != want:
            found.append(Mismatch(None, "connector_status", f"{row.vendor}/{row.account}: "
                                  f"replay {want!r}, read model {tuple(row)!r}"))
        expected_entries += [(view.vendor, n.kind.value, n.ref,
                              sealed.reason(n.kind.value) if redact else n.reason)
                             for n in view.notices]
    stored = models.connector_entries()
    if sorted(expected_entries) != stored:
        found.append(Mismatch(None, "connector_attention",
                              f"replay {sorted(expected_entries)}, read model {stored}"))
    return found


def _compare_order(
    view: OrderView, history: list[EventView], row: OrderStatusRow | None,
    entries: list[tuple[str, str]], logged: int, redact: bool,
) -> list[Mismatch]:
    found: list[Mismatch] = []
    want = sealed.order_row(expected_row(view, history)) if redact else expected_row(view, history)
    if row is None:
        found.append(Mismatch(view.id, "order_status", "row missing"))
    else:
        for name, expected, actual in zip(want._fields, want, row, strict=True):
            if expected != actual:
                found.append(Mismatch(view.id, "order_status",
                                      f"{name}: replay {expected!r}, read model {actual!r}"))
    kinds = sorted(entries)
    if kinds != expected_kinds(view, history):
        found.append(Mismatch(view.id, "attention",
                              f"replay {expected_kinds(view, history)}, read model {kinds}"))
    if logged != len(history):
        found.append(Mismatch(view.id, "audit_log", f"{len(history)} events, {logged} rows"))
    return found


def _compare_requested(models: ReadModels, requested: Counter[str]) -> list[Mismatch]:
    counted = models.metric_totals("requested")
    return [
        Mismatch(None, "vendor_daily", f"{vendor}: {requested[vendor]} orders requested, "
                                       f"{counted.get(vendor, 0)} counted")
        for vendor in sorted(set(requested) | set(counted))
        if requested[vendor] != counted.get(vendor, 0)
    ]
