"""order_status.state_since: when each order entered its state (stuck orders are found by it)

The column is filled by refolding: the read models are emptied and the projection rewound,
as 0002 did, so every row gets the time of its last state change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFOLDED = ("order_status", "attention", "vendor_daily", "audit_log", "connector_status",
            "connector_attention")


def _refold_from_the_start() -> None:
    for table in REFOLDED:
        op.execute(sa.text(f'DELETE FROM "{table}"'))
    op.execute(sa.text("UPDATE projection_tracking SET position = 0"))


def upgrade() -> None:
    op.drop_index(op.f("ix_order_status_vendor_state"), table_name="order_status")
    with op.batch_alter_table("order_status") as batch:
        batch.add_column(sa.Column("state_since", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_order_status_vendor_state_state_since"), "order_status",
                    ["vendor", "state", "state_since"])
    _refold_from_the_start()


def downgrade() -> None:
    op.drop_index(op.f("ix_order_status_vendor_state_state_since"), table_name="order_status")
    with op.batch_alter_table("order_status") as batch:
        batch.drop_column("state_since")
    op.create_index(op.f("ix_order_status_vendor_state"), "order_status", ["vendor", "state"])
    _refold_from_the_start()
