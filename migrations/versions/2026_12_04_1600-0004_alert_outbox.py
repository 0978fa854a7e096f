"""alert_outbox: each new attention item, to be posted to the alert webhook

On a store whose read models were in use before, only items that appear after this
migration are alerts (its history, refolded or not, is not news), so upgrading does not flood
a webhook; on a new store every item is.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("vendor", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", UTC_DATETIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", UTC_DATETIME, nullable=True),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("posted_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_alert_outbox_key")),
    )
    op.create_index(op.f("ix_alert_outbox_posted_at_next_try_at"), "alert_outbox",
                    ["posted_at", "next_try_at"])
    op.create_table(
        "alert_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("since", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_alert_state")),
    )
    # A store whose read models were in use before: its history is not news. A new one: all is.
    used = op.get_bind().scalar(sa.text("SELECT count(*) FROM projection_tracking"))
    since = "CURRENT_TIMESTAMP" if used else "'1970-01-01 00:00:00'"
    op.execute(sa.text(f"INSERT INTO alert_state (name, since) VALUES ('enabled', {since})"))


def downgrade() -> None:
    op.drop_table("alert_state")
    op.drop_index(op.f("ix_alert_outbox_posted_at_next_try_at"), table_name="alert_outbox")
    op.drop_table("alert_outbox")
