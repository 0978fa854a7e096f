"""Which physical tables a projection run writes: the live ones, or a rebuild's fresh ones."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ordertrail.projections.models import (
    NAMING_CONVENTION,
    Attention,
    AuditLog,
    ConnectorAttention,
    ConnectorStatus,
    OrderStatus,
    VendorDaily,
)

REBUILD_PREFIX = "rebuild_"


@dataclass(frozen=True)
class TableSet:
    order_status: sa.Table
    attention: sa.Table
    vendor_daily: sa.Table
    audit_log: sa.Table
    connector_status: sa.Table
    connector_attention: sa.Table

    def all(self) -> tuple[sa.Table, ...]:
        return (self.order_status, self.attention, self.vendor_daily, self.audit_log,
                self.connector_status, self.connector_attention)


def live() -> TableSet:
    tables = [model.__table__ for model in (OrderStatus, Attention, VendorDaily, AuditLog,
                                            ConnectorStatus, ConnectorAttention)]
    assert all(isinstance(t, sa.Table) for t in tables)
    return TableSet(*tables)  # type: ignore[arg-type]


def fresh(prefix: str = REBUILD_PREFIX) -> TableSet:
    """Copies of the live tables under ``prefix``: same columns and primary keys, no other index.

    A rebuild loads these, then renames them over the live ones and adds the indexes.
    """
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    copies = [
        sa.Table(prefix + table.name, metadata, *(column._copy() for column in table.columns))
        for table in live().all()
    ]
    return TableSet(*copies)
