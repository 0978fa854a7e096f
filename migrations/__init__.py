"""Alembic migrations of the read-model schema (see ``projections.schema``).

``env.py`` takes its connection from ``config.attributes["connection"]``; run
migrations through ``projections.schema.upgrade`` / ``downgrade`` or
``ordertrail migrate``.
"""
