"""What a read model plugged into the registry provides (``ordertrail.projections.registry``).

A read model is one folder: its pure fold, its tables, how its rows are stored (by column
name), what ``projections verify`` expects of it, and its queries. The runner, rebuild and
verify iterate the registry, so adding one is its folder, one registry line and one migration.
It says which read models it reads in ``depends_on``: the writer hands it what those computed
for the same batch (today: each touched order's vendor, from ``order_status``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.bulk import Bulk
from ordertrail.projections.decode import Decoded


class ReadModel(Protocol):
    name: str
    """Its name, also the name of its verify mismatches."""
    depends_on: tuple[str, ...]
    """The read models whose batch results it reads (``"order_status"``: ``vendor_of``)."""
    tables: tuple[sa.Table, ...]
    """Its live tables (SQLAlchemy models on ``projections.models.Base``; Alembic migrates
    them). A rebuild loads copies of them and swaps them in with the others."""

    def fold(self, events: Sequence[tuple[int, Decoded]],
             vendor_of: Mapping[UUID, str]) -> Any:
        """The batch's changes, from its (position, event) pairs alone: no I/O."""
        ...

    def store(self, conn: sa.Connection, tables: Mapping[str, sa.Table], changes: Any,
              bulk: Bulk) -> None:
        """Write ``changes`` into ``tables`` (by live table name: the live ones or a rebuild's
        copies), in the batch's transaction."""
        ...

    def expect(self, view: OrderView, history: Sequence[EventView], expected: Any) -> Any:
        """Add what one replayed order calls for to ``expected`` (None at first); returns it."""
        ...

    def compare(self, conn: sa.Connection, expected: Any) -> list[str]:
        """What differs between ``expected`` (all orders replayed) and the live tables."""
        ...
