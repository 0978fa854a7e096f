"""Audit replay: rebuild every order from its events and compare with every read model."""

from __future__ import annotations

from uuid import UUID

from ordertrail.domain.events import OrderEvent
from ordertrail.domain.order import Order
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.queries import ReadModels
from ordertrail.projections.read_model import Mismatch
from ordertrail.projections.rebuild import gather_missing_statistics
from ordertrail.projections.registry import READ_MODELS

__all__ = ["Mismatch", "verify"]


def verify(tracker: Tracker, models: ReadModels, chunk: int = 2000) -> list[Mismatch]:
    """Every difference between a replay of each order and every registered read model.

    Orders are taken ``chunk`` at a time, in the order they were requested, their events read
    together (``Tracker.events_of``): each one is replayed from its own events once and shown
    to every model's check, which then compares the chunk's rows, so memory stays flat however
    many orders the store holds. Read-model tables PostgreSQL holds no statistics of are
    analyzed first (``rebuild.gather_missing_statistics``), so those look-ups use their indexes.
    """
    redact = tracker.cipher is not None  # as the runner wrote them
    gather_missing_statistics(models.engine, [t.name for model in READ_MODELS for t in model.tables])
    checks = [model.check(tracker, redact) for model in READ_MODELS]
    mismatches: list[Mismatch] = []
    for ids in tracker.order_id_chunks(chunk):
        for order_id, events in tracker.events_of(ids):
            view, history = _replayed(order_id, events)
            for check in checks:
                check.order(view, history)
        with models.engine.connect() as conn:
            for check in checks:
                mismatches += check.chunk(conn, ids)
    with models.engine.connect() as conn:
        for check in checks:
            mismatches += check.finish(conn)
    return mismatches


def _replayed(order_id: UUID, events: list[OrderEvent]) -> tuple[OrderView, list[EventView]]:
    """The order as its events make it, and its history."""
    order: Order | None = None
    history: list[EventView] = []
    for event in events:
        history.append(EventView.of(event, history[-1].to_state if history else None))
        order = event.mutate(order)
    assert order is not None, order_id
    return OrderView.of(order), history
