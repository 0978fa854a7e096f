"""Frozen read values the tracker returns: never live aggregates."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ordertrail.domain.connector import Block, Connector, Notice, blocking, notice_key
from ordertrail.domain.events import OrderEvent, TroubleCount
from ordertrail.domain.order import Order
from ordertrail.domain.state_machine import NEEDS_A_PERSON
from ordertrail.domain.states import State
from ordertrail.domain.vocabulary import AckOutcome, AttentionKind, HoldCause, Trouble

COMMON_EVENT_FIELDS = frozenset(
    {
        "originator_id", "originator_version", "timestamp", "originator_topic", "vendor",
        "source", "occurred_at", "raw", "dedupe_key", "to_state",
    }
)


def summarize(
    event_type: str, from_state: str | None, to_state: str, fields: Iterable[tuple[str, Any]]
) -> str:
    """An event's one-line summary: its type, the state change and its own non-empty fields."""
    change = f"{from_state or '-'} -> {to_state}" if from_state != to_state else to_state
    details = ", ".join([f"{k}={v}" for k, v in fields if _shown(v)])
    return f"{event_type} [{change}] {details}".rstrip()


def _shown(value: Any) -> bool:
    """Whether a summary lists a field: not None, not an empty dict or list."""
    return value is not None and (bool(value) or not isinstance(value, dict | list))


@dataclass(frozen=True)
class OrderView:
    id: UUID
    version: int
    vendor: str
    idempotency_key: str
    state: State
    vendor_request: dict[str, Any]
    requested_by: str
    vendor_ref: str | None
    vendor_ref_kind: str | None
    vendor_secondary_refs: dict[str, str]
    submission_attempts: int
    last_submission: tuple[str, str | None] | None
    """(channel, transaction id) of the latest attempt."""
    submission_in_flight: bool
    last_error: str | None
    retry_not_before: datetime | None
    last_raw_status: str | None
    progress_current: int | None
    progress_total: int | None
    waiting: dict[str, Any] | None
    results_available: dict[str, dict[str, Any]]
    results_retrieved: dict[str, str]
    acked_transactions: dict[str, AckOutcome]
    cancellation_pending: bool
    attention: str | None
    attention_kind: AttentionKind | None
    hold: HoldCause | None
    hold_until: datetime | None
    troubles: dict[Trouble, TroubleCount]
    amount: Decimal | None
    currency: str | None
    requested_at: datetime | None
    placed_at: datetime | None
    delivered_at: datetime | None
    finished_at: datetime | None
    modified_on: datetime

    @property
    def is_terminal(self) -> bool:
        return self.state.is_terminal

    @property
    def needs_a_person(self) -> bool:
        return self.attention is not None or self.state in NEEDS_A_PERSON

    @classmethod
    def of(cls, order: Order) -> OrderView:
        """The view of ``order`` now."""
        values = {name: getattr(order, name) for name in ORDER_ATTRIBUTES}
        return cls(id=order.id, version=order.version, modified_on=order.modified_on, **values)


ORDER_ATTRIBUTES = tuple(
    f.name for f in dataclasses.fields(OrderView) if f.name not in ("id", "version", "modified_on")
)
"""The view's fields read straight off the aggregate."""


@dataclass(frozen=True)
class EventView:
    """One event of an order's history, as an audit shows it."""

    order_id: UUID
    version: int
    type: str
    recorded_at: datetime
    occurred_at: datetime | None
    source: str
    from_state: State | None
    to_state: State
    fields: dict[str, Any]
    raw: Any
    dedupe_key: str | None

    @property
    def summary(self) -> str:
        """One line: the type, the state change and the event's own fields."""
        from_state = self.from_state.value if self.from_state else None
        return summarize(self.type, from_state, self.to_state.value, self.fields.items())

    @classmethod
    def of(cls, event: OrderEvent, from_state: State | None) -> EventView:
        state = vars(event)
        return cls(
            order_id=event.originator_id,
            version=event.originator_version,
            type=type(event).__name__,
            recorded_at=event.timestamp,
            occurred_at=event.occurred_at,
            source=event.source,
            from_state=from_state,
            to_state=State(event.to_state),
            fields={k: v for k, v in state.items() if k not in COMMON_EVENT_FIELDS},
            raw=event.raw,
            dedupe_key=event.dedupe_key,
        )


@dataclass(frozen=True)
class ConnectorView:
    """One vendor account's connector, now."""

    id: UUID
    vendor: str
    account: str
    version: int
    notices: tuple[Notice, ...]
    cap_until: datetime | None
    last_success_at: datetime | None

    def blocks(self, now: datetime) -> Block | None:
        """Why no order may be submitted to this vendor now, or None."""
        return blocking({notice_key(n.kind, n.ref): n for n in self.notices}, self.cap_until, now)

    def has(self, kind: AttentionKind, ref: str = "") -> bool:
        return any(n.kind is kind and n.ref == ref for n in self.notices)

    @classmethod
    def of(cls, connector: Connector) -> ConnectorView:
        notices = tuple(sorted(connector.notices.values(), key=lambda n: (n.since, n.ref)))
        return cls(connector.id, connector.vendor, connector.account, connector.version,
                   notices, connector.cap_until, connector.last_success_at)


@dataclass(frozen=True)
class ConnectorEventView:
    """One event of a connector's history."""

    vendor: str
    version: int
    type: str
    recorded_at: datetime
    fields: dict[str, Any]

    @property
    def summary(self) -> str:
        details = ", ".join(f"{k}={v}" for k, v in self.fields.items() if _shown(v))
        return f"{self.type} {details}".rstrip()
