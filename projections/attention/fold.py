"""attention: what a person must act on, per order (no I/O).

Kinds are ``AttentionKind`` values:
- the order's state, when it waits on a person (``WAITING_FOR_USER``, ``PAYMENT_DECLINED``,
  ``SUBMISSION_UNCERTAIN``);
- otherwise the order's own attention kind, as its events decided it (a rejection, a failure,
  an ack problem, a trouble past its limit, ...);
- ``ACK_PENDING``: an offer the vendor acks (a ``SubmissionAttempted`` with a transaction id:
  only a vendor that acks gives one) not yet acked.
  It becomes *overdue*, and is listed, only once it is older than the caller's limit, so the
  query, not the fold, decides what is overdue.

``since`` is when the condition began; it is kept while the condition lasts. What a person
must do about a vendor account as a whole is the connectors' (``connectors/``).

``fold`` runs a batch over order_status's rows after each event (it depends on order_status).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from ordertrail.domain import events as ev
from ordertrail.domain.state_machine import NEEDS_A_PERSON
from ordertrail.projections.attention.rows import AttentionEntry
from ordertrail.projections.decode import OrderFact, as_event
from ordertrail.projections.order_status.fold import OrderChanges
from ordertrail.projections.order_status.rows import OrderStatusRow

ACK_PENDING = "ACK_PENDING"
_STATE_KINDS = frozenset(s.value for s in NEEDS_A_PERSON)
_ATTEMPTED = ev.SubmissionAttempted.TOPIC
_ACKED = ev.Acked.TOPIC

Key = tuple[str, str]
Entries = dict[Key, AttentionEntry]


@dataclass
class AttentionChanges:
    previous: Mapping[UUID, Entries] = field(default_factory=dict)
    """The entries the touched orders had before the batch (orders without any left out)."""
    entries: dict[UUID, Entries] = field(default_factory=dict)
    """The full new set of entries of every order the batch touched."""
    vendors: Mapping[UUID, str] = field(default_factory=dict)
    """Each touched order's vendor."""

    def changed(self) -> dict[UUID, Entries]:
        """The orders whose entries the batch changed (most batches change few), and theirs."""
        before = self.previous
        return {oid: new for oid, new in self.entries.items() if new != before.get(oid, {})}


def fold(orders: OrderChanges, previous: Mapping[UUID, Entries]) -> AttentionChanges:
    """Each touched order's entries after the batch, given those before it."""
    changes = AttentionChanges(previous, vendors=orders.vendor_of())
    entries = changes.entries
    for oid, _, events, after in orders.trails:
        current = previous.get(oid, {}) if previous else {}
        for (_, event), row in zip(events, after, strict=True):
            if (current or row.attention_kind is not None or row.state in _STATE_KINDS
                    or event.TOPIC == _ATTEMPTED):
                current = apply(current, row, event)
            # else nothing to keep and nothing called for: ``apply`` would give {} too
        entries[oid] = current
    return changes


def condition(row: OrderStatusRow) -> tuple[str, str] | None:
    """The (kind, reason) an order's row calls for, if any; acks aside."""
    if row.state in _STATE_KINDS:
        return row.state, row.attention or row.state.lower().replace("_", " ")
    if row.attention_kind is None:
        return None
    return row.attention_kind, row.attention or row.attention_kind.lower().replace("_", " ")


def apply(entries: Mapping[Key, AttentionEntry], row: OrderStatusRow, event: OrderFact) -> Entries:
    """The order's attention entries after ``event`` (domain event or Struct), given its row after it."""
    topic = event.TOPIC
    found = condition(row)
    if not entries and found is None and topic != _ATTEMPTED:
        return {}
    result = {k: e for k, e in entries.items() if k[0] == ACK_PENDING}
    if found is not None:
        kind, reason = found
        previous = entries.get((kind, ""))
        since = previous.since if previous is not None else event.timestamp
        result[(kind, "")] = AttentionEntry(kind, "", reason, since)
    if topic == _ATTEMPTED:
        attempted = as_event(ev.SubmissionAttempted, event)
        tid = attempted.transaction_id
        if isinstance(tid, str) and (ACK_PENDING, tid) not in result:
            reason = f"no ack from {row.vendor} for transaction {tid} ({attempted.channel})"
            result[(ACK_PENDING, tid)] = AttentionEntry(ACK_PENDING, tid, reason, event.timestamp)
    elif topic == _ACKED:
        result.pop((ACK_PENDING, as_event(ev.Acked, event).transaction_id), None)
    if row.finished_at is not None:
        result = {k: e for k, e in result.items() if k[0] != ACK_PENDING}
    return result
