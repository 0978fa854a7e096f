"""Which physical tables a projection run writes: the live ones, or a rebuild's fresh ones."""

from __future__ import annotations

from dataclasses import dataclass, field

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
from ordertrail.projections.read_model import ReadModel
from ordertrail.projections.registry import READ_MODELS

REBUILD_PREFIX = "rebuild_"


@dataclass(frozen=True)
class TableSet:
    order_status: sa.Table
    attention: sa.Table
    vendor_daily: sa.Table
    audit_log: sa.Table
    connector_status: sa.Table
    connector_attention: sa.Table
    registered: dict[str, sa.Table] = field(default_factory=dict)
    """The registered read models' tables, by their live names."""

    def all(self) -> tuple[sa.Table, ...]:
        return (self.order_status, self.attention, self.vendor_daily, self.audit_log,
                self.connector_status, self.connector_attention, *self.registered.values())

    def of(self, model: ReadModel) -> dict[str, sa.Table]:
        """``model``'s tables in this set, by their live names."""
        return {t.name: self.registered[t.name] for t in model.tables}


def live() -> TableSet:
    tables: list[sa.Table] = [
        model.__table__ for model in (OrderStatus, Attention, VendorDaily,  # type: ignore[misc]
                                      AuditLog, ConnectorStatus, ConnectorAttention)]
    registered = {t.name: t for model in READ_MODELS for t in model.tables}
    return _set(tables, registered)


def fresh(prefix: str = REBUILD_PREFIX) -> TableSet:
    """Copies of the live tables under ``prefix``: same columns and primary keys, no other index.

    A rebuild loads these, then renames them over the live ones and adds the indexes.
    """
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    current = live()
    copies = [
        sa.Table(prefix + table.name, metadata, *(column._copy() for column in table.columns))
        for table in current.all()
    ]
    core = len(current.all()) - len(current.registered)
    return _set(copies[:core], dict(zip(current.registered, copies[core:], strict=True)))


def _set(core: list[sa.Table], registered: dict[str, sa.Table]) -> TableSet:
    order_status, attention, vendor_daily, audit_log, connector_status, connector_attention = core
    return TableSet(order_status, attention, vendor_daily, audit_log, connector_status,
                    connector_attention, registered)
