"""attention kinds, holds and costs on order_status; connector_status and connector_attention

The attention read model now keys on each order's attention kind (decided by the
events) instead of its text, and connectors (one per vendor account) have their
own rows. Existing rows were folded by older rules, so this migration empties the
read models and rewinds the projection to the start: the next catch-up refolds
every stored event. The event store itself is untouched.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
REFOLDED = ("order_status", "attention", "vendor_daily", "audit_log")


def _refold_from_the_start() -> None:
    for table in REFOLDED:
        op.execute(sa.text(f'DELETE FROM "{table}"'))
    op.execute(sa.text("UPDATE projection_tracking SET position = 0"))


def upgrade() -> None:
    with op.batch_alter_table("order_status") as batch:
        batch.add_column(sa.Column("attention_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("hold", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("amount_cents", sa.BigInteger(), nullable=True))
    op.create_table(
        "connector_status",
        sa.Column("connector_id", sa.Uuid(), nullable=False),
        sa.Column("vendor", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("cap_until", UTC_DATETIME, nullable=True),
        sa.Column("last_success_at", UTC_DATETIME, nullable=True),
        sa.Column("last_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("connector_id", name=op.f("pk_connector_status")),
    )
    op.create_table(
        "connector_attention",
        sa.Column("connector_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("vendor", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("connector_id", "kind", "ref", name=op.f("pk_connector_attention")),
    )
    op.create_index(op.f("ix_connector_attention_since"), "connector_attention", ["since"])
    _refold_from_the_start()


def downgrade() -> None:
    op.drop_index(op.f("ix_connector_attention_since"), table_name="connector_attention")
    op.drop_table("connector_attention")
    op.drop_table("connector_status")
    with op.batch_alter_table("order_status") as batch:
        batch.drop_column("amount_cents")
        batch.drop_column("hold")
        batch.drop_column("attention_kind")
    _refold_from_the_start()
