"""audit_log's values: one event, flat."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from uuid import UUID


class AuditRow(NamedTuple):
    """One event, flat: the ``audit_log`` read model."""

    order_id: UUID
    version: int
    position: int
    event_type: str
    recorded_at: datetime
    occurred_at: datetime | None
    source: str
    from_state: str | None
    to_state: str
    summary: str
