"""Rows are written by column name: a row type's field order does not matter, a missing
column is an error at once, not a shifted value."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from ordertrail.projections.bulk import Bulk, Columns
from ordertrail.projections.models import UTCDateTime

METADATA = sa.MetaData()
TABLE = sa.Table("columns_test", METADATA,
                 sa.Column("id", sa.Uuid(), primary_key=True),
                 sa.Column("label", sa.Text),
                 sa.Column("at", UTCDateTime))


class Shuffled(NamedTuple):
    at: datetime
    label: str
    id: UUID


def test_a_row_is_stored_under_its_fields_names_whatever_their_order(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    METADATA.create_all(engine)
    bulk = Bulk("sqlite")
    row = Shuffled(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "first", uuid4())
    columns = Columns(TABLE, Shuffled._fields, bulk)
    with engine.begin() as conn:
        bulk.insert(conn, TABLE, [columns.values(row)])
    with engine.connect() as conn:
        stored = conn.execute(sa.select(TABLE)).one()
    engine.dispose()
    assert (stored.id, stored.label, stored.at) == (row.id, row.label, row.at)


def test_a_row_type_without_one_of_the_columns_is_refused() -> None:
    with pytest.raises(ValueError):
        Columns(TABLE, ("id", "label"), Bulk("sqlite"))
