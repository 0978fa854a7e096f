"""Which physical tables a projection run writes: the live ones, or a rebuild's fresh ones.

A ``Tables`` maps each registered read model's live table name to the table a run writes in
its place (the live table itself, or a rebuild's copy of it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from ordertrail.projections.models import NAMING_CONVENTION
from ordertrail.projections.read_model import AnyReadModel
from ordertrail.projections.registry import READ_MODELS

REBUILD_PREFIX = "rebuild_"

Tables = dict[str, sa.Table]


def live(models: Sequence[AnyReadModel] = READ_MODELS) -> Tables:
    """The tables of ``models`` (every registered read model's by default), by name."""
    return {table.name: table for model in models for table in model.tables}


def fresh(prefix: str = REBUILD_PREFIX, models: Sequence[AnyReadModel] = READ_MODELS) -> Tables:
    """Copies of ``models``' live tables under ``prefix``: same columns and primary keys, no
    other index.

    A rebuild loads these, then renames them over the live ones and adds the indexes.
    """
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    return {
        name: sa.Table(prefix + name, metadata, *(column._copy() for column in table.columns))
        for name, table in live(models).items()
    }
