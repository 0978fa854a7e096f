"""The CLI as a user runs it: one clear line on stderr, a non-zero exit, nothing lost."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def ordertrail(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ordertrail.adapters.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


VENDORS = """
[vendors.planviewer]
access_key_id_env = "PVK"
access_key_secret_env = "PVS"
[vendors.ivcap]
base_url = "http://127.0.0.1:9"
token_env = "T_IVCAP"
service_id = "urn:s"
account_id = "urn:a"
[vendors.planomatic]
token_env = "T_PO"
[vendors.ppw]
username = "u"
password_sha1_env = "PPWP"
site_id = "s"
remote_site_id = "r"
"""
"""A table for each vendor, so that ``place`` accepts their orders (no secret is read)."""


def configured(folder: Path, store: str = "sqlite:///o.db") -> Path:
    """``folder/ordertrail.toml`` naming ``store`` and configuring every vendor."""
    config = folder / "ordertrail.toml"
    config.write_text(f'[store]\nurl = "{store}"\n{VENDORS}')
    return config


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ordertrail: ")
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_placing_an_order_prints_its_id_and_placing_again_names_the_same(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'o.db'}"
    configured(tmp_path)
    args = ("--store", store, "place", "planviewer", "--field", "intention_uuid=i-1", "--key", "k1")
    first = ordertrail(*args, cwd=tmp_path)
    second = ordertrail(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split()[0] == second.stdout.split()[0]
    order_id = first.stdout.split()[0]
    history = ordertrail("--store", store, "--json", "history", order_id, cwd=tmp_path)
    assert history.returncode == 0 and '"OrderRequested"' in history.stdout


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("place", "acme"), ("unknown vendor", "acme")),
        (("history", "not-a-uuid"), ("malformed order id", "not-a-uuid")),
        (("history", "00000000-0000-0000-0000-000000000001"), ("no order",)),
        (("status", "--vendor", "ppw' OR '1'='1"), ("not a vendor", "valid: planviewer")),
        (("status", "--state", "PLACED'; DROP TABLE order_status; --"),
         ("not an order state", "valid: REQUESTED")),
        (("show", "1; DELETE FROM stored_events"), ("malformed order id",)),
    ],
)
def test_bad_input_gives_one_line_and_a_non_zero_exit(
    tmp_path: Path, args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    configured(tmp_path)
    placed = ordertrail("place", "ppw", "--field", "wo_number=W1", cwd=tmp_path)
    assert placed.returncode == 0, placed.stderr
    result = ordertrail(*args, cwd=tmp_path)
    assert_one_line_error(result, *needles)


def test_sql_in_a_filter_is_refused_as_a_value_and_the_store_is_untouched(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'o.db'}"
    configured(tmp_path)
    placed = ordertrail("--store", store, "place", "ppw", "--field", "wo_number=W1", cwd=tmp_path)
    assert placed.returncode == 0, placed.stderr
    ordertrail("--store", store, "status", "--state", "x' OR 1=1; DROP TABLE order_status; --",
               cwd=tmp_path)
    listing = ordertrail("--store", store, "--json", "status", cwd=tmp_path)
    assert listing.returncode == 0 and '"REQUESTED"' in listing.stdout


def test_an_unreachable_vendor_is_one_line_exit_1_and_nothing_is_sent(tmp_path: Path) -> None:
    (tmp_path / "ordertrail.toml").write_text(
        '[store]\nurl = "sqlite:///o.db"\n[vendors.ivcap]\nbase_url = "http://127.0.0.1:9"\n'
        'token_env = "T_IVCAP"\nservice_id = "urn:s"\naccount_id = "urn:a"\n')
    env = {"T_IVCAP": "token"}
    placed = ordertrail("place", "ivcap", "--request", '{"parameters": [{"name": "x"}]}',
                        cwd=tmp_path, env=env)
    assert placed.returncode == 0, placed.stderr
    # the pass's log line (at info) is the log, not the error: one line once it is quieted
    done = ordertrail("sync", "--once", "--log-level", "warning", cwd=tmp_path, env=env)
    assert_one_line_error(done, "vendor ivcap", "http://127.0.0.1:9")
    assert done.returncode == 1
    history = ordertrail("--json", "history", placed.stdout.split()[0], cwd=tmp_path, env=env)
    assert history.stdout.count('"type"') == 1  # still only OrderRequested: nothing was sent


def test_a_bad_store_url_names_itself(tmp_path: Path) -> None:
    assert_one_line_error(ordertrail("--store", "mysql://db/x", "history", "x", cwd=tmp_path),
                          "mysql://db/x")


def test_an_unreachable_postgres_names_the_store_but_not_the_password(tmp_path: Path) -> None:
    result = ordertrail("--store", "postgresql://u:hunter2@127.0.0.1:1/db", "history",
                        "00000000-0000-0000-0000-000000000001", cwd=tmp_path)
    assert_one_line_error(result, "127.0.0.1:1")
    assert "hunter2" not in result.stderr


def test_a_bad_config_file_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "ordertrail.toml"
    config.write_text('[store]\nurl = "sqlite:///x.db"\ncolour = "blue"\n')
    assert_one_line_error(ordertrail("config", "check", cwd=tmp_path), "colour", "ordertrail.toml")
    config.write_text("[store\n")
    assert_one_line_error(ordertrail("config", "check", cwd=tmp_path), "not valid TOML")
    config.write_text('[vendors.ivcap]\nbase_url = "https://ivcap.invalid"\n'
                      'token_env = "IVCAP_TOKEN_FOR_TEST"\n')
    result = ordertrail("config", "check", cwd=tmp_path, env={"IVCAP_TOKEN_FOR_TEST": ""})
    assert_one_line_error(result, "IVCAP_TOKEN_FOR_TEST")


def test_a_secret_in_the_config_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ordertrail.toml").write_text('[vendors.ivcap]\nbase_url = "https://ivcap.invalid"\n'
                                              'token_env = "eyJhbGciOi.J9.x-y"\n')
    result = ordertrail("config", "check", cwd=tmp_path)
    assert_one_line_error(result, "environment variable", "token_env")
    assert "eyJhbGciOi" not in result.stderr


def test_a_locked_sqlite_store_is_a_clear_error_and_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "o.db"
    store = f"sqlite:///{db}"
    configured(tmp_path)
    placed = ordertrail("--store", store, "place", "ivcap", "--key", "a", cwd=tmp_path)
    assert placed.returncode == 0
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        result = ordertrail("--store", f"{store}?lock_timeout=1", "place", "ivcap", "--key", "b",
                            cwd=tmp_path)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert_one_line_error(result, "locked", str(db))
    listed = ordertrail("--store", store, "--json", "show", placed.stdout.split()[0], cwd=tmp_path)
    assert listed.returncode == 0 and '"REQUESTED"' in listed.stdout


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = ordertrail("--debug", "--store", f"sqlite:///{tmp_path / 'o.db'}", "place", "acme",
                        cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_an_unreachable_vendor_line_never_shows_credentials_written_into_its_url() -> None:
    import asyncio

    from ordertrail.adapters.wiring import unreachable_vendors

    down = asyncio.run(unreachable_vendors({"ivcap": "http://ops:hunter2@127.0.0.1:9/api"}))
    assert down["ivcap"].startswith("http://127.0.0.1:9/api: ") and "hunter2" not in down["ivcap"]
