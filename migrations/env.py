"""Alembic environment: online only, on the connection ordertrail.projections.schema passes in."""

from __future__ import annotations

from alembic import context

from ordertrail.projections.models import Base
from ordertrail.projections.registry import READ_MODELS
from ordertrail.projections.schema import context_options

assert READ_MODELS  # importing the registry puts every registered read model's tables on Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through ordertrail.projections.schema (it passes the connection)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    **context_options(),
)
with context.begin_transaction():
    context.run_migrations()
