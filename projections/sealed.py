"""What the read models keep of free text when the store is encrypted (no I/O).

Attention reasons and audit summaries quote vendor requests and answers (names, addresses,
vendor messages, a vendor's questions). With a cipher on, the read models would hold them
in plain text beside the encrypted events, so they keep only ids, states, kinds and event
types instead; the details stay in the encrypted history (``ordertrail history``).
"""

from __future__ import annotations

import dataclasses

from ordertrail.domain.connector import Notice
from ordertrail.domain.views import summarize
from ordertrail.projections.fold import Changes, Entries
from ordertrail.projections.logic.connectors import Notices
from ordertrail.projections.rows import AuditRow, OrderStatusRow

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


def entries(found: Entries) -> Entries:
    return {key: e._replace(reason=reason(e.kind)) for key, e in found.items()}


def notices(found: Notices) -> Notices:
    return {key: _notice(n) for key, n in found.items()}


def _notice(notice: Notice) -> Notice:
    return dataclasses.replace(notice, reason=reason(notice.kind.value))


def changes(found: Changes) -> Changes:
    """``found`` with every free text replaced as above (the rows before it are already so)."""
    return dataclasses.replace(
        found,
        orders={oid: order_row(row) for oid, row in found.orders.items()},
        attention={oid: entries(e) for oid, e in found.attention.items()},
        audit=[audit_row(row) for row in found.audit],
        notices={cid: notices(n) for cid, n in found.notices.items()},
    )
