"""The read side's values: small NamedTuples, JSON-ready through ``_asdict()``.

The pure projections fold events into these; the queries return them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID


class OrderStatusRow(NamedTuple):
    """One order, now: the ``order_status`` read model."""

    order_id: UUID
    vendor: str
    vendor_ref: str | None
    idempotency_key: str
    state: str
    last_raw_status: str | None
    progress_current: int | None
    progress_total: int | None
    needs_person: bool
    attention: str | None
    """Why a person must act, when the ledger says so."""
    attention_kind: str | None
    hold: str | None
    amount_cents: int | None
    state_since: datetime | None
    requested_at: datetime | None
    placed_at: datetime | None
    delivered_at: datetime | None
    finished_at: datetime | None
    last_version: int


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


class ConnectorRow(NamedTuple):
    """One vendor account's connector: the ``connector_status`` read model."""

    connector_id: UUID
    vendor: str
    account: str
    cap_until: datetime | None
    last_success_at: datetime | None
    last_version: int


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


class DayCount(NamedTuple):
    """One increment of the ``vendor_daily`` counters."""

    vendor: str
    day: date
    metric: str


class VendorDayReport(NamedTuple):
    vendor: str
    day: str
    """An ISO date, or ``"total"`` for the vendor's row over the whole window."""
    counts: dict[str, int]
    declines: dict[str, int]
    delivered: int
    lead_p50_seconds: float | None
    lead_p95_seconds: float | None
    spend: Decimal
    """What the vendors' stated costs add up to (orders without one are not in it)."""
    unpriced: int
    """Orders placed whose cost no vendor or request stated: unknown, not zero."""


@dataclass(frozen=True)
class OrderFilter:
    vendor: str | None = None
    state: str | None = None
    needs_person: bool | None = None
    open_only: bool = False
    limit: int = 200
    after: tuple[datetime, UUID] | None = None
    """Keyset paging: only orders after this (requested_at, order_id) in the listing's order."""



@dataclass(frozen=True)
class StuckLimits:
    """How long an order may stay in a state that waits on a vendor before it counts as stuck:
    ``default`` per state, ``by_vendor`` overriding it per vendor and state."""

    default: dict[str, timedelta]
    by_vendor: dict[str, dict[str, timedelta]]

    def limit(self, vendor: str, state: str) -> timedelta | None:
        return self.by_vendor.get(vendor, {}).get(state, self.default.get(state))

    def pairs(self, vendors: list[str]) -> list[tuple[str, str, timedelta]]:
        """(vendor, state, limit) for every vendor and every state with a limit."""
        states = set(self.default) | {s for limits in self.by_vendor.values() for s in limits}
        found = []
        for vendor in vendors:
            for state in sorted(states):
                limit = self.limit(vendor, state)
                if limit is not None:
                    found.append((vendor, state, limit))
        return found
