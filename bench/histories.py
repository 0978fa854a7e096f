"""Order histories the benchmarks write: the same shape in every benchmark that needs one."""

from __future__ import annotations

import uuid

from ordertrail.domain.order import Order
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker


def write_history(tracker: Tracker, orders: int) -> int:
    """``orders`` orders of five events each (request, place, status, progress, result)."""
    chunk: list[Order] = []
    for n in range(orders):
        order = Order.request(uuid.uuid4(), "planviewer", f"bench-{n}", {"n": n}, "bench")
        order.place(f"job-{n}", "planviewer.job_uuid")
        order.change_status("in_progress", State.IN_PROGRESS)
        order.report_progress(2, 6)
        order.announce_result(f"r-{n}")
        chunk.append(order)
        if len(chunk) == 200:
            tracker.save(*chunk)
            chunk.clear()
    if chunk:
        tracker.save(*chunk)
    return orders * 5
