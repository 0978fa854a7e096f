"""What a read model plugged into the registry provides (``ordertrail.projections.registry``).

A read model is one folder: its pure fold, its tables, how its rows are stored (by column
name), what ``projections verify`` expects of it, and its queries. The runner, rebuild and
verify iterate the registry, so adding one is its folder, one registry line and one migration.

Per batch, in one transaction, the writer takes the registered models in dependency order
(``ordered``); for each it ``load``s what the fold needs of the rows already stored, ``fold``s
the batch (pure: no I/O) and ``store``s the changes. A model names the models whose batch
results it reads in ``depends_on``; it finds them in ``computed``, by name (order_status's
rows before and after each event, say), instead of being welded into one fold with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from uuid import UUID

import sqlalchemy as sa

from ordertrail.domain.tracker import Tracker
from ordertrail.domain.views import EventView, OrderView
from ordertrail.projections.decode import Decoded
from ordertrail.projections.target import Target

Batch = Sequence[tuple[int, Decoded]]
"""A batch's events with their notification ids (positions), in store order."""
Computed = Mapping[str, object]
"""What the models folded before this one computed for the same batch, by model name."""

Prior = TypeVar("Prior")
Changes = TypeVar("Changes")
T = TypeVar("T")


@dataclass(frozen=True)
class Mismatch:
    """One difference ``projections verify`` found between a replay and a read model."""

    order_id: UUID | None
    model: str
    what: str


class Check(Protocol):
    """One verify run's comparison of a read model with a replay of every order."""

    def order(self, view: OrderView, history: Sequence[EventView]) -> None:
        """Note what one replayed order (and its history) calls for."""
        ...

    def chunk(self, conn: sa.Connection, order_ids: Sequence[UUID]) -> list[Mismatch]:
        """After ``order`` for each of ``order_ids``: what differs for them (per-order models)."""
        ...

    def finish(self, conn: sa.Connection) -> list[Mismatch]:
        """After every order: what differs in the model as a whole."""
        ...


class ReadModel(Protocol[Prior, Changes]):
    name: str
    """Its name, also the name of its verify mismatches."""
    depends_on: tuple[str, ...]
    """The read models whose results for the batch it reads from ``computed``."""
    tables: tuple[sa.Table, ...]
    """Its live tables (SQLAlchemy models on ``projections.models.Base``; Alembic migrates
    them). A rebuild loads copies of them and swaps them in with the others."""

    def load(self, target: Target, batch: Batch, computed: Computed) -> Prior:
        """What ``fold`` needs of the stored rows (those the batch touches), read in the
        batch's transaction."""
        ...

    def fold(self, batch: Batch, prior: Prior, computed: Computed) -> Changes:
        """The batch's changes, from its events, ``prior`` and ``computed`` alone: no I/O."""
        ...

    def store(self, target: Target, changes: Changes) -> None:
        """Write ``changes`` into ``target``'s tables, in the batch's transaction."""
        ...

    def check(self, tracker: Tracker, redact: bool) -> Check:
        """A fresh comparison for one verify run (``redact``: the rows were stored sealed)."""
        ...


AnyReadModel = ReadModel[Any, Any]
"""A registered read model, whatever its rows before and its changes."""


def result(computed: Computed, name: str, kind: type[T]) -> T:
    """What the model ``name`` computed for the batch, which a dependent knows to be a ``kind``."""
    found = computed[name]
    if not isinstance(found, kind):
        raise TypeError(f"read model {name} computed {type(found).__name__}, not {kind.__name__}")
    return found


def ordered(models: Iterable[AnyReadModel]) -> tuple[AnyReadModel, ...]:
    """``models``, each after the ones it depends on (registry order otherwise)."""
    pending = list(models)
    names = {m.name for m in pending}
    for model in pending:
        missing = set(model.depends_on) - names
        if missing:
            raise ValueError(f"read model {model.name} depends on unregistered {sorted(missing)}")
    done: list[AnyReadModel] = []
    while pending:
        ready = [m for m in pending if set(m.depends_on) <= {d.name for d in done}]
        if not ready:
            raise ValueError(f"read models depend on each other: {[m.name for m in pending]}")
        done.append(ready[0])
        pending.remove(ready[0])
    return tuple(done)
