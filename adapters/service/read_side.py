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
from ordertrail.projections import OrderFilter, ProjectionRunner, open_read_models
from ordertrail.projections.queries import ReadModels


class ProjectedReadSide:
    def __init__(self, tracker: Tracker, store_url: str, auto_upgrade: bool = True) -> None:
        self._runner = ProjectionRunner(tracker, store_url, auto_upgrade=auto_upgrade)
        self._models = open_read_models(store_url, auto_upgrade=auto_upgrade)
        self._lock = threading.Lock()

    def _current(self) -> Any:
        with self._lock:
            self._runner.catch_up()
        return self._models

    def current(self) -> ReadModels:
        """The read models, brought up to date first (the console's own queries use them)."""
        result: ReadModels = self._current()
        return result

    def list_orders(
        self, vendor: str | None, state: str | None, needs_attention: bool, limit: int
    ) -> list[dict[str, Any]]:
        rows = self._current().list_orders(OrderFilter(
            vendor=vendor, state=state, needs_person=True if needs_attention else None, limit=limit))
        return [row._asdict() for row in rows]

    def attention(self) -> list[dict[str, Any]]:
        return [item._asdict() for item in self._current().attention()]

    def vendor_report(self, days: int) -> dict[str, Any]:
        models = self._current()
        return {"days": days, "vendors": [r._asdict() for r in models.vendor_report(days)],
                "vendor_health": to_jsonable(models.vendor_health())}

    def close(self) -> None:
        self._runner.close()
        self._models.close()
