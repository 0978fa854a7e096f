"""vendor_health: outcome counts per vendor and UTC hour

On a store whose read models were in use before, the table starts empty and fills from new
events on; ``ordertrail projections rebuild`` fills it from the whole history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vendor_health",
        sa.Column("vendor", sa.String(length=32), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("vendor", "hour", "outcome", name=op.f("pk_vendor_health")),
    )


def downgrade() -> None:
    op.drop_table("vendor_health")
