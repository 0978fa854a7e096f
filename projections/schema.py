"""The read-model schema, migrated by Alembic (scripts in the top-level ``migrations`` package).

Alembic owns ONLY the read-model tables: every registered read model's
(``ordertrail.projections.registry``), the alert outbox and projection_tracking
(``ordertrail.projections.models``), with its own version table ``read_model_version``.
The event store's tables (events, snapshots) are created by the eventsourcing library
and ``ordertrail_leases`` by the lease book; ``include_object`` hides those from Alembic,
and from autogenerate, so a migration can never touch them. A rebuild's transient
``rebuild_*`` tables are hidden the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ordertrail import migrations
from ordertrail.adapters.store.schema_lock import create_alone
from ordertrail.projections.errors import ReadModelSchemaError
from ordertrail.projections.models import Base
from ordertrail.projections.registry import READ_MODELS

VERSION_TABLE = "read_model_version"
SCRIPT_LOCATION = str(Path(migrations.__file__).resolve().parent)


assert READ_MODELS  # importing the registry puts every registered read model's tables on Base


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Only the read-model tables (and their indexes and constraints) are Alembic's."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in Base.metadata.tables


def context_options() -> dict[str, Any]:
    return {"version_table": VERSION_TABLE, "include_object": include_object, "compare_type": True}


def config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration, built in code: no alembic.ini, no absolute paths."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    found = ScriptDirectory.from_config(config()).get_current_head()
    assert found is not None
    return found


def current(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts=context_options()).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade, one process at a time: processes started together on a new store each try
    it, and the later ones find the work done instead of tripping over half-made tables."""
    with engine.begin() as conn:
        create_alone(conn, VERSION_TABLE)  # see ordertrail.adapters.store.schema_lock
        command.upgrade(config(conn), revision)


def downgrade(engine: sa.Engine, revision: str = "base") -> None:
    with engine.begin() as conn:
        command.downgrade(config(conn), revision)


def prepare(engine: sa.Engine, auto_upgrade: bool) -> None:
    """Bring the schema to head, or refuse (ReadModelSchemaError) when not allowed to."""
    now, wanted = current(engine), head()
    if now == wanted:
        return
    if not auto_upgrade:
        raise ReadModelSchemaError(now, wanted)
    upgrade(engine)
