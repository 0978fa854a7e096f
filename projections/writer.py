"""The thin SQL writer: one transaction per batch, every read model's rows and the tracking
position together.

Exactly once: the batch's first statement is a compare-and-set of the tracking
row (``UPDATE ... SET position = :last WHERE name = :name AND position = :expected``).
If it changes no row, another delivery of this position already committed (or
is committing: PostgreSQL makes us wait for it, then re-checks), and the
database's answer, not an earlier read, refuses the batch. ``audit_log``'s
primary key (order_id, version) refuses a repeated event a second time over.

Then each registered read model, in dependency order, loads what it needs of its stored rows,
folds the batch (handed what the models it depends on computed) and stores its changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ordertrail.adapters.common import crashpoints
from ordertrail.projections.bulk import Bulk, Columns
from ordertrail.projections.decode import Decoded
from ordertrail.projections.errors import DuplicateDeliveryError
from ordertrail.projections.models import ProjectionTracking
from ordertrail.projections.read_model import AnyReadModel
from ordertrail.projections.registry import ORDERED
from ordertrail.projections.tables import Tables
from ordertrail.projections.target import Target

TRACKING: sa.Table = ProjectionTracking.__table__  # type: ignore[assignment]


class Writer:
    """Writes batches of events into one set of ``Tables`` under one tracking ``name``."""

    def __init__(self, engine: sa.Engine, tables: Tables, name: str,
                 alerts: bool = False, sealed: bool = False,
                 models: Sequence[AnyReadModel] = ORDERED) -> None:
        """``alerts``: queue each new attention item for the webhook (the live tables only: a
        rebuild refolds history, which is not news). ``sealed``: the store is encrypted, so
        keep no free text (``ordertrail.projections.sealed``). ``models``: in dependency order."""
        self.engine = engine
        self.tables = tables
        self.name = name
        self.alerts = alerts
        self.sealed = sealed
        self.models = tuple(models)
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert
        self.bulk = Bulk(engine.dialect.name)
        self._columns: dict[tuple[str, tuple[str, ...]], Columns] = {}

    def position(self) -> int:
        """The last applied notification id (0 before the first), creating the row if needed."""
        with self.engine.begin() as conn:
            conn.execute(
                self._insert(TRACKING).values(name=self.name, position=0).on_conflict_do_nothing()
            )
            found = conn.scalar(sa.select(TRACKING.c.position).where(TRACKING.c.name == self.name))
        return int(found or 0)

    def write(self, expected: int, last: int, events: Sequence[tuple[int, Decoded]]) -> None:
        """Apply ``events`` and move the position from ``expected`` to ``last``, atomically."""
        with self.engine.begin() as conn:
            advance(conn, self.name, expected, last)
            if events:
                self.apply(self.target(conn), events)
            crashpoints.crash_point("projection_before_commit")  # rows written, not committed

    def target(self, conn: sa.Connection) -> Target:
        return Target(conn, self.tables, self.bulk, self.sealed, self.alerts, self._columns)

    def apply(self, target: Target, events: Sequence[tuple[int, Decoded]]) -> None:
        """Fold and store ``events`` into every read model, each after its dependencies."""
        computed: dict[str, Any] = {}
        for model in self.models:
            changes = model.fold(events, model.load(target, events, computed), computed)
            model.store(target, changes)
            computed[model.name] = changes


def advance(conn: sa.Connection, name: str, expected: int, last: int) -> None:
    """Compare-and-set the tracking row; raise DuplicateDeliveryError when the database refuses."""
    moved = conn.execute(
        sa.update(TRACKING)
        .where(TRACKING.c.name == name, TRACKING.c.position == expected)
        .values(position=last)
    )
    if moved.rowcount != 1:
        raise DuplicateDeliveryError(name, expected)
