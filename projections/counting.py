"""A read model of counters: what a batch adds to each one, added to the stored count by the
database (``vendor_daily`` and ``vendor_health`` are two).

Such a model reads nothing before it folds (the database adds each batch's counts to the
stored ones, so a batch needs no prior rows), folds each batch from ``order_status``'s result
(each order's row before and after each event: its vendor, what the event changed), and
stores one row per counter: its key's fields, then ``count``. What differs between two such
models is only what they count (``fold``), their table and row, and what verify expects of
them (``check``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

import sqlalchemy as sa

from ordertrail.domain.tracker import Tracker
from ordertrail.projections.order_status.check import NAME as ORDER_STATUS
from ordertrail.projections.order_status.fold import OrderChanges
from ordertrail.projections.read_model import Batch, Check, Computed, result
from ordertrail.projections.target import Target

Key = TypeVar("Key", bound=tuple[Any, ...])


class CountingModel(Generic[Key]):
    """A registered read model (``read_model.ReadModel``) of counters keyed by ``Key``.

    ``count``: a batch's order changes -> what it adds to each counter. ``row``: the table's
    row type, the key's fields followed by ``count`` (named like the columns). ``check``: a
    fresh verify comparison.
    """

    depends_on: tuple[str, ...] = (ORDER_STATUS,)

    def __init__(self, name: str, table: sa.Table,
                 count: Callable[[OrderChanges], Counter[Key]],
                 row: type[NamedTuple], check: Callable[[], Check]) -> None:
        if row._fields[-1] != "count":
            raise TypeError(f"{name}: a counter's row ends with its count, not {row._fields[-1]}")
        self.name = name
        self.tables: tuple[sa.Table, ...] = (table,)
        self._count = count
        self._row = row
        self._check = check

    def load(self, target: Target, batch: Batch, computed: Computed) -> None:
        return None  # the database adds each batch's counts to the stored ones

    def fold(self, batch: Batch, prior: None, computed: Computed) -> Counter[Key]:
        return self._count(result(computed, ORDER_STATUS, OrderChanges))

    def store(self, target: Target, changes: Counter[Key]) -> None:
        make = self._row._make
        target.upsert(self.tables[0], [make((*key, n)) for key, n in changes.items()],
                      add="count")

    def check(self, tracker: Tracker, redact: bool) -> Check:
        return self._check()
