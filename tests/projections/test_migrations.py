"""Alembic owns the read-model schema, and only it, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.store.engines import engine_for
from ordertrail.adapters.store.leases import LeaseBook
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner, ReadModelSchemaError, open_read_models
from ordertrail.projections.models import Base
from ordertrail.projections.schema import VERSION_TABLE, context_options, current, downgrade, head, upgrade
from tests.projections.conftest import populate

READ_TABLES = set(Base.metadata.tables)


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    e = engine_for(store_url)
    try:
        yield e
    finally:
        e.dispose()


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts=context_options()),
                                     Base.metadata))


def test_an_empty_database_upgrades_to_head_downgrades_to_base_and_upgrades_again(
    engine: sa.Engine,
) -> None:
    upgrade(engine)
    assert tables(engine) >= READ_TABLES and current(engine) == head()
    downgrade(engine, "base")
    assert tables(engine) & READ_TABLES == set() and current(engine) is None
    upgrade(engine)
    assert READ_TABLES | {VERSION_TABLE} <= tables(engine) and current(engine) == head()


def test_autogenerate_finds_no_difference_and_leaves_the_event_store_alone(
    store_url: str, engine: sa.Engine, tracker: Tracker
) -> None:
    LeaseBook(store_url, "worker").close()  # the leases table exists too
    upgrade(engine)
    before = tables(engine) - READ_TABLES
    assert differences(engine) == []
    downgrade(engine, "base")
    assert tables(engine) - READ_TABLES == before  # event and lease tables untouched


def test_autogenerate_still_finds_no_difference_after_a_rebuild_swapped_tables(
    store_url: str, engine: sa.Engine, tracker: Tracker
) -> None:
    populate(tracker, 5)
    runner = ProjectionRunner(tracker, store_url)
    try:
        runner.rebuild()
    finally:
        runner.close()
    assert differences(engine) == []


def test_opening_refuses_a_schema_behind_head_when_upgrading_is_not_allowed(
    store_url: str, engine: sa.Engine
) -> None:
    with pytest.raises(ReadModelSchemaError) as refused:
        open_read_models(store_url, auto_upgrade=False)
    assert "base" in str(refused.value) and head() in str(refused.value)
    assert tables(engine) & READ_TABLES == set()
    open_read_models(store_url).close()  # allowed: upgrades
    assert current(engine) == head()
    open_read_models(store_url, auto_upgrade=False).close()


def test_the_runner_refuses_too_when_upgrading_is_not_allowed(store_url: str) -> None:
    tracker = open_tracker(store_url)
    try:
        with pytest.raises(ReadModelSchemaError):
            ProjectionRunner(tracker, store_url, auto_upgrade=False)
    finally:
        tracker.close()



def test_processes_opening_a_new_store_together_all_find_it_at_head(store_url: str) -> None:
    """Two ``ordertrail`` processes (a service and a projection runner, say) started together
    on a new store both upgrade it; the later ones must wait for the first, not trip over its
    half-made tables. (Processes, not threads: Alembic's context is one per process.)"""
    from tests.together import all_succeed_together

    all_succeed_together(
        "import sys; from ordertrail.projections.schema import prepare; "
        "from ordertrail.adapters.store.engines import engine_for; prepare(engine_for(sys.argv[1]), True)",
        store_url,
    )
    engine = engine_for(store_url)
    try:
        assert current(engine) == head() and tables(engine) >= READ_TABLES
    finally:
        engine.dispose()
