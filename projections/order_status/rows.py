"""order_status's values: an order's row, and what its queries take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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
