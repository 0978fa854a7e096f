"""How long each polled adapter waits before polling an order again: fast while the order is
young, slow after, and (Planviewer) slowest while it waits for a person."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.views import OrderView


def placed_order(tmp_path: Path, vendor: str, kind: str) -> OrderView:
    tracker = open_tracker(f"sqlite:///{tmp_path / 'placed.db'}")
    oid = tracker.request_order(vendor, {"n": 1}, "k")
    tracker.execute([c.Place(order_id=oid, vendor_ref="ref-1", vendor_ref_kind=kind)])
    view = tracker.get_order(oid)
    tracker.close()
    return view


def test_planviewer_polls_fast_for_a_minute_then_slow_and_waiting_orders_least(
        tmp_path: Path) -> None:
    adapter = PlanviewerAdapter(None, PlanviewerConfig(  # type: ignore[arg-type]
        "key", Secret("secret"), poll_fast_seconds=5, poll_slow_seconds=60,
        poll_waiting_seconds=600))
    view = placed_order(tmp_path, "planviewer", "planviewer.job_uuid")
    assert view.placed_at is not None
    assert adapter.poll_interval(view, view.placed_at + timedelta(seconds=59)) == timedelta(seconds=5)
    assert adapter.poll_interval(view, view.placed_at + timedelta(minutes=2)) == timedelta(seconds=60)
    assert adapter.waiting_poll_interval == timedelta(seconds=600)


def test_ivcap_polls_fast_inside_its_window_then_slow(tmp_path: Path) -> None:
    adapter = IvcapAdapter(None, IvcapConfig(  # type: ignore[arg-type]
        Secret("token"), "http://ivcap.invalid", poll_fast_seconds=10, poll_slow_seconds=300,
        fast_window_seconds=120))
    view = placed_order(tmp_path, "ivcap", "ivcap.order_id")
    assert view.placed_at is not None
    assert adapter.poll_interval(view, view.placed_at + timedelta(seconds=119)) == timedelta(seconds=10)
    assert adapter.poll_interval(view, view.placed_at + timedelta(seconds=121)) == timedelta(seconds=300)
