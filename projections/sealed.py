"""What the read models keep of free text when the store is encrypted (no I/O).

Attention reasons and audit summaries quote vendor requests and answers (names, addresses,
vendor messages, a vendor's questions). With a cipher on, the read models would hold them
in plain text beside the encrypted events, so they keep only ids, states, kinds and event
types instead; the details stay in the encrypted history (``ordertrail history``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ordertrail.domain.connector import Notice
from ordertrail.domain.views import summarize
from ordertrail.projections.attention.rows import AttentionEntry
from ordertrail.projections.audit_log.rows import AuditRow
from ordertrail.projections.connectors.rows import Notices
from ordertrail.projections.order_status.rows import OrderStatusRow

Entries = Mapping[tuple[str, str], AttentionEntry]

DETAILS = "details in its history"


def reason(kind: str) -> str:
    """The text that stands for a reason of this attention kind."""
    return f"{kind.lower().replace('_', ' ')}: {DETAILS}"


def order_row(row: OrderStatusRow) -> OrderStatusRow:
    if row.attention is None:
        return row
    return row._replace(attention=reason(row.attention_kind or "attention"))


def audit_row(row: AuditRow) -> AuditRow:
    return row._replace(summary=summarize(row.event_type, row.from_state, row.to_state, ()))


def entries(found: Entries) -> dict[tuple[str, str], AttentionEntry]:
    return {key: e._replace(reason=reason(e.kind)) for key, e in found.items()}


def notices(found: Notices) -> Notices:
    return {key: _notice(n) for key, n in found.items()}


def _notice(notice: Notice) -> Notice:
    return dataclasses.replace(notice, reason=reason(notice.kind.value))
