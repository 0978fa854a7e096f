"""audit_log as a registered read model: one row per event, inserted by column name."""

from __future__ import annotations

import sqlalchemy as sa

from ordertrail.domain.tracker import Tracker
from ordertrail.projections import sealed
from ordertrail.projections.audit_log import fold as folding
from ordertrail.projections.audit_log.check import NAME, AuditLogCheck
from ordertrail.projections.audit_log.rows import AuditRow
from ordertrail.projections.audit_log.table import TABLE
from ordertrail.projections.order_status.check import NAME as ORDER_STATUS
from ordertrail.projections.order_status.fold import OrderChanges
from ordertrail.projections.read_model import Batch, Computed, result
from ordertrail.projections.target import Target


class AuditLogModel:
    """Its primary key (order_id, version) refuses a repeated event a second time over."""

    name = NAME
    depends_on: tuple[str, ...] = (ORDER_STATUS,)
    tables: tuple[sa.Table, ...] = (TABLE,)

    def load(self, target: Target, batch: Batch, computed: Computed) -> None:
        return None  # rows are only ever added

    def fold(self, batch: Batch, prior: None, computed: Computed) -> list[AuditRow]:
        return folding.fold(result(computed, ORDER_STATUS, OrderChanges))

    def store(self, target: Target, changes: list[AuditRow]) -> None:
        if target.sealed:
            changes = [sealed.audit_row(row) for row in changes]
        target.insert(TABLE, changes)

    def check(self, tracker: Tracker, redact: bool) -> AuditLogCheck:
        return AuditLogCheck()


READ_MODEL = AuditLogModel()
