"""attention's values: an order's entry as stored, and an item as listed."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from uuid import UUID


class AttentionEntry(NamedTuple):
    """One thing a person must do about one order, as stored (``ref`` tells acks apart)."""

    kind: str
    ref: str
    reason: str
    since: datetime


class AttentionItem(NamedTuple):
    """One thing a person must do: about an order, or (``order_id`` None) a vendor account."""

    order_id: UUID | None
    vendor: str
    kind: str
    reason: str
    since: datetime
    ref: str = ""
    """Tells items of one kind apart (an awaited ack's transaction, an unknown status)."""
    age_seconds: float | None = None
    """A stuck order's time in its state (None: not stuck)."""
    limit_seconds: float | None = None
    """The limit that time is past (None: not stuck)."""


class AttentionRow(NamedTuple):
    """One row of the attention table."""

    order_id: UUID
    kind: str
    ref: str
    vendor: str
    reason: str
    since: datetime
