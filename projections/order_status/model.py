"""order_status as a registered read model: load the touched rows, fold, upsert by name."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.tracker import Tracker
from ordertrail.projections import sealed
from ordertrail.projections.order_status import fold as folding
from ordertrail.projections.order_status.check import NAME, OrderStatusCheck
from ordertrail.projections.order_status.fold import Group, OrderChanges
from ordertrail.projections.order_status.rows import OrderStatusRow
from ordertrail.projections.order_status.table import TABLE
from ordertrail.projections.read_model import Batch, Computed
from ordertrail.projections.target import Target

Prior = tuple[dict[UUID, Group], dict[UUID, OrderStatusRow]]
"""The batch's order events by order, and the rows those orders had before it."""


class OrderStatusModel:
    name = NAME
    depends_on: tuple[str, ...] = ()
    tables: tuple[sa.Table, ...] = (TABLE,)

    def load(self, target: Target, batch: Batch, computed: Computed) -> Prior:
        groups = folding.group(batch)
        table = target.table(TABLE)
        query = sa.select(*[table.c[name] for name in OrderStatusRow._fields])
        found = target.among(query, table.c.order_id, folding.known_before(groups))
        return groups, {row.order_id: OrderStatusRow._make(row) for row in found}

    def fold(self, batch: Batch, prior: Prior, computed: Computed) -> OrderChanges:
        return folding.fold(*prior)

    def store(self, target: Target, changes: OrderChanges) -> None:
        rows = list(changes.rows.values())
        if target.sealed:
            rows = [sealed.order_row(row) for row in rows]
        target.upsert(TABLE, rows)

    def check(self, tracker: Tracker, redact: bool) -> OrderStatusCheck:
        return OrderStatusCheck(redact)


READ_MODEL = OrderStatusModel()
