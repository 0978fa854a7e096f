"""The service's read side: the projections, brought up to date before each query.

Catching up when already current costs one small query, so the API never
answers from a stale read model and no second process is needed. A lock keeps
one runner working at a time (worker threads answer requests concurrently).
"""

from __future__ import annotations

import threading
from typing import Any

from ordertrail.adapters.common.jsonable import to_jsonable
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import (
    AttentionItem,
    OrderFilter,
    OrderStatusRow,
    ProjectionRunner,
    StuckLimits,
    open_read_models,
)
from ordertrail.projections.queries import ReadModels


class ProjectedReadSide:
    def __init__(self, tracker: Tracker, store_url: str, auto_upgrade: bool = True,
                 stuck: StuckLimits | None = None) -> None:
        """``stuck``: the age limits that make an order stuck on the attention list."""
        self._runner = ProjectionRunner(tracker, store_url, auto_upgrade=auto_upgrade)
        self._models = open_read_models(store_url, auto_upgrade=auto_upgrade)
        self._lock = threading.Lock()
        self._stuck = stuck

    def catch_up(self) -> int:
        """Bring the read models up to date; the order events applied."""
        with self._lock:
            return self._runner.catch_up()

    def _current(self) -> Any:
        self.catch_up()
        return self._models

    def current(self) -> ReadModels:
        """The read models, brought up to date first (the console's own queries use them)."""
        result: ReadModels = self._current()
        return result

    def list_orders(self, filters: OrderFilter) -> tuple[list[OrderStatusRow], int]:
        """One page of the orders ``filters`` selects, and how many it selects in all."""
        models = self._current()
        return models.list_orders(filters), models.count_orders(filters)

    def attention(self) -> list[AttentionItem]:
        """What needs a person, oldest first, stuck orders included (as ``ordertrail
        attention``), by the configured limits."""
        return list(self._current().attention(stuck=self._stuck))

    def vendor_report(self, days: int) -> dict[str, Any]:
        models = self._current()
        return {"days": days, "vendors": [r._asdict() for r in models.vendor_report(days)],
                "vendor_health": to_jsonable(models.vendor_health())}

    def close(self) -> None:
        self._runner.close()
        self._models.close()
