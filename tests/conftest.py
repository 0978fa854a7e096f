"""Shared fixtures: a real SQLite file and a real PostgreSQL schema per test.

PostgreSQL comes from ORDERTRAIL_TEST_POSTGRES (default: the local server's
``test`` database). When it is unreachable, PostgreSQL tests skip on a
developer machine and fail under CI=true: they never skip silently in CI.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from ordertrail.adapters.store import open_tracker
from ordertrail.domain.tracker import Tracker

POSTGRES_DSN = os.environ.get(
    "ORDERTRAIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_postgres_error: str | None = None
_postgres_checked = False


def _postgres_reachable() -> str | None:
    global _postgres_checked, _postgres_error
    if not _postgres_checked:
        _postgres_checked = True
        try:
            with psycopg.connect(POSTGRES_DSN, connect_timeout=5) as conn:
                conn.execute("select 1")
        except psycopg.Error as error:
            _postgres_error = str(error).splitlines()[0]
    return _postgres_error


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    error = _postgres_reachable()
    if error is not None:
        message = f"PostgreSQL at {POSTGRES_DSN} is unreachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return POSTGRES_DSN


@pytest.fixture
def postgres_url(postgres_dsn: str) -> Iterator[str]:
    """A PostgreSQL store URL in a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'create schema "{schema}"')
    try:
        yield f"{postgres_dsn}?schema={schema}"
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'drop schema if exists "{schema}" cascade')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ordertrail.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage-dependent test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def tracker(store_url: str) -> Iterator[Tracker]:
    t = open_tracker(store_url)
    try:
        yield t
    finally:
        t.close()


REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
"""Verbatim copies of ../shared/fixtures (the seeds' example payloads)."""


def fixture_bytes(relative: str) -> bytes:
    """The bytes of one vendor fixture, e.g. ``fixture_bytes("ppw/x.json")``."""
    return (FIXTURES / relative).read_bytes()
