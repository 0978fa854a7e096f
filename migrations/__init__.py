"""Alembic migrations of the read-model schema (see ``ordertrail.projections.schema``).

``env.py`` takes its connection from ``config.attributes["connection"]``; run
migrations through ``ordertrail.projections.schema.upgrade`` / ``downgrade`` or
``ordertrail migrate``.
"""
