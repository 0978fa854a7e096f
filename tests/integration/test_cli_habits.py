"""The command line as habits expect it (issue 17): options anywhere, no stray store, id
prefixes, "N of M", states listed, versions checked, times with their zone, 80 columns,
a readable history, and ``place`` refusing what sync could never send."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.vendors import Vendor, order_id_for
from ordertrail.domain.vocabulary import HoldCause
from tests.integration.test_cli_errors import assert_one_line_error, configured, ordertrail

PV = {"intention_uuid": "i-1", "product": "bestemmingsplanrapport"}
LONG_REASON = ("the vendor refused the request because the field intention_uuid names an "
               "intention that expired yesterday; ask the customer for a new one")


def store_of(folder: Path, orders: int = 3) -> tuple[str, list[UUID]]:
    """A configured folder whose store holds ``orders`` Planviewer orders, the first held
    with a long reason (so it is on the attention list)."""
    url = f"sqlite:///{folder / 'o.db'}"
    configured(folder, url)
    tracker = open_tracker(url)
    try:
        ids = [tracker.request_order("planviewer", {**PV, "intention_uuid": f"i-{n}"}, f"k{n}")
               for n in range(orders)]
        tracker.run(c.HoldSubmission(order_id=ids[0], cause=HoldCause.INVALID_REQUEST,
                                     reason=LONG_REASON))
    finally:
        tracker.close()
    return url, ids


# ---------------------------------------------------------------- place refuses what would stall
def test_place_refuses_a_vendor_without_its_table_and_records_nothing(tmp_path: Path) -> None:
    (tmp_path / "ordertrail.toml").write_text('[store]\nurl = "sqlite:///o.db"\n')
    result = ordertrail("place", "planomatic", "--request", "{}", cwd=tmp_path)
    assert_one_line_error(result, "[vendors.planomatic]", "ordertrail.toml")
    assert result.returncode == 2
    assert not (tmp_path / "o.db").exists()


@pytest.mark.parametrize(("vendor", "request_json", "field"), [
    ("planviewer", "{}", "intention_uuid"),
    ("planviewer", '{"intention_uuid": ""}', "$.intention_uuid"),
    ("ivcap", '{"parameters": [{"value": "x"}]}', "name"),
    ("planomatic", '{"payment_method_id": 7}', "order"),
    ("planomatic", '{"order": {}, "payment_method_id": "card"}', "$.payment_method_id"),
    ("ppw", '{"address": "1 Elm St"}', "wo_number"),
    ("ppw", '{"wo_number": "W1", "date_due": "15-12-2026"}', "$.date_due"),
])
def test_place_refuses_a_request_the_vendor_would_refuse_naming_the_field(
    tmp_path: Path, vendor: str, request_json: str, field: str
) -> None:
    configured(tmp_path)
    result = ordertrail("place", vendor, "--request", request_json, cwd=tmp_path)
    assert_one_line_error(result, f"{vendor} would refuse this request", field)
    assert result.returncode == 2
    assert not (tmp_path / "o.db").exists()


def test_place_accepts_each_vendor_s_request_when_it_is_configured(tmp_path: Path) -> None:
    configured(tmp_path)
    requests = {
        "planviewer": json.dumps(PV),
        "ivcap": '{"parameters": [{"name": "n", "value": "1"}]}',
        "ppw": '{"wo_number": "W1", "date_due": "20261215", "line_items": [{"desc": "cut"}]}',
    }
    for vendor, body in requests.items():
        placed = ordertrail("place", vendor, "--request", body, cwd=tmp_path)
        assert placed.returncode == 0, placed.stderr
        assert placed.stdout.split()[1:3] == [vendor, "REQUESTED"]


# ---------------------------------------------------------------- global options, missing store
def test_global_options_work_after_the_subcommand_too(tmp_path: Path) -> None:
    url, ids = store_of(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    after = ordertrail("status", "--json", "--store", url, cwd=elsewhere)
    before = ordertrail("--json", "--store", url, "status", cwd=elsewhere)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)
    config = str(tmp_path / "ordertrail.toml")
    shown = ordertrail("history", str(ids[1]), "--config", config, "--json", cwd=elsewhere)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)[0]["type"] == "OrderRequested"
    nested = ordertrail("projections", "verify", "--store", url, "--json", cwd=elsewhere)
    assert nested.returncode == 0 and json.loads(nested.stdout) == []


@pytest.mark.parametrize("command", [
    ("status",), ("attention",), ("report",), ("history", "0123456789ab"),
    ("show", "00000000-0000-0000-0000-000000000001"), ("cancel", "0123456789ab"),
    ("projections", "verify"),
])
def test_a_read_command_without_a_store_says_so_and_creates_nothing(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = ordertrail(*command, cwd=tmp_path)
    assert_one_line_error(result, "no store", "ordertrail.toml", "--store")
    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == []
    named = ordertrail("--store", f"sqlite:///{tmp_path / 'typo.db'}", *command, cwd=tmp_path)
    assert_one_line_error(named, "no store at", "typo.db")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- ids, lists, states, versions
def test_an_order_is_named_by_a_unique_prefix_of_six_characters(tmp_path: Path) -> None:
    _, ids = store_of(tmp_path)
    prefix = str(ids[1])[:6]
    shown = ordertrail("--json", "show", prefix, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == str(ids[1])
    cancelled = ordertrail("cancel", str(ids[2])[:8].upper(), "--reason", "test", cwd=tmp_path)
    assert cancelled.returncode == 0, cancelled.stderr
    assert "CANCELLED" in cancelled.stdout
    short = ordertrail("show", prefix[:5], cwd=tmp_path)
    assert_one_line_error(short, "too short", "6")
    assert short.returncode == 2
    missing = ordertrail("show", "ffffff" if not prefix.startswith("ff") else "000000",
                         cwd=tmp_path)
    assert_one_line_error(missing, "no order")


def test_an_ambiguous_prefix_lists_the_candidates(tmp_path: Path) -> None:
    seen: dict[str, str] = {}
    key = 0
    while True:  # two idempotency keys whose derived ids share six characters
        key += 1
        head = order_id_for(Vendor("planviewer"), f"a{key}").hex[:6]
        if head in seen:
            keys = (seen[head], f"a{key}")
            break
        seen[head] = f"a{key}"
    configured(tmp_path)
    tracker = open_tracker(f"sqlite:///{tmp_path / 'o.db'}")
    try:
        ids = [tracker.request_order("planviewer", PV, k) for k in keys]
    finally:
        tracker.close()
    result = ordertrail("history", head, cwd=tmp_path)
    assert_one_line_error(result, "matches 2 orders", str(ids[0]), str(ids[1]))
    assert result.returncode == 2


def test_status_says_n_of_m_and_all_shows_every_order(tmp_path: Path) -> None:
    store_of(tmp_path, orders=4)
    cut = ordertrail("status", "--limit", "3", cwd=tmp_path)
    assert cut.returncode == 0 and "orders (3 of 4)" in cut.stdout
    assert "1 more" in cut.stderr
    every = ordertrail("status", "--limit", "3", "--all", cwd=tmp_path)
    assert "orders (4)" in every.stdout and "of 4" not in every.stdout
    listed = ordertrail("status", "--all", "--json", cwd=tmp_path)
    assert len(json.loads(listed.stdout)) == 4


def test_an_unknown_state_lists_the_valid_ones(tmp_path: Path) -> None:
    store_of(tmp_path, orders=1)
    result = ordertrail("status", "--state", "BOGUS", cwd=tmp_path)
    assert_one_line_error(result, "BOGUS", "REQUESTED", "IN_PROGRESS", "CANCELLED")
    assert result.returncode == 2


def test_show_version_outside_one_to_current_is_a_usage_error(tmp_path: Path) -> None:
    _, ids = store_of(tmp_path, orders=1)  # version 2: requested, then held
    for version in ("0", "3", "-1"):
        result = ordertrail("show", str(ids[0]), "--version", version, cwd=tmp_path)
        assert_one_line_error(result, f"--version {version}", "1 to 2")
        assert result.returncode == 2
    first = ordertrail("--json", "show", str(ids[0]), "--version", "1", cwd=tmp_path)
    assert json.loads(first.stdout)["version"] == 1 and json.loads(first.stdout)["hold"] is None


# ---------------------------------------------------------------- what a person reads
def test_times_are_shown_with_their_zone_and_tz_chooses_it(tmp_path: Path) -> None:
    _, ids = store_of(tmp_path, orders=1)
    tokyo = ordertrail("history", str(ids[0]), "--tz", "Asia/Tokyo", cwd=tmp_path)
    assert tokyo.returncode == 0, tokyo.stderr
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST", tokyo.stdout), tokyo.stdout
    utc = ordertrail("--tz", "UTC", "attention", cwd=tmp_path)
    assert re.search(r"\d\d:\d\d:\d\d\s+│?\s*UTC|\d\d:\d\d:\d\d UTC", utc.stdout), utc.stdout
    bad = ordertrail("history", str(ids[0]), "--tz", "Mars/Olympus", cwd=tmp_path)
    assert_one_line_error(bad, "Mars/Olympus", "IANA")
    assert bad.returncode == 2


def test_at_80_columns_ids_are_whole_and_words_are_never_split(tmp_path: Path) -> None:
    _, ids = store_of(tmp_path, orders=3)
    for command in (("status",), ("attention",), ("report",), ("history", str(ids[0]))):
        result = ordertrail(*command, cwd=tmp_path, env={"COLUMNS": "80"})
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert max(map(len, lines)) <= 80, (command, result.stdout)
        text = " ".join(re.sub(r"[│┃]", " ", line) for line in lines)
        words = set(text.split())
        if command[0] in ("status", "attention"):
            assert {str(i)[:8] for i in ids if command[0] == "status" or i == ids[0]} <= words
            assert "…" not in text.replace("vendor ref", "")
            assert all(w in words for w in LONG_REASON.split() if w.isalpha())


def test_history_is_readable_and_json_keeps_the_raw_fields(tmp_path: Path) -> None:
    _, ids = store_of(tmp_path, orders=1)
    text = ordertrail("history", str(ids[0]), cwd=tmp_path).stdout
    assert "{'" not in text and "':" not in text  # no Python reprs
    assert 'vendor request: {"intention_uuid": "i-0"' in text
    assert "OrderRequested  - -> REQUESTED  (command)" in text
    assert f"reason: {LONG_REASON[:40]}" in text
    raw = json.loads(ordertrail("history", str(ids[0]), "--json", cwd=tmp_path).stdout)
    assert raw[0]["fields"]["vendor_request"]["intention_uuid"] == "i-0"


# ---------------------------------------------------------------- --help stays light
def test_the_entry_point_imports_no_heavy_library_until_a_command_runs() -> None:
    heavy = ["aiohttp", "sqlalchemy", "eventsourcing", "rich", "psycopg", "msgspec", "alembic"]
    code = ("import sys; from ordertrail.adapters.cli.main import run; run(['--help']); "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "place" in result.stdout and "projections" in result.stdout


def test_every_command_is_listed_with_its_own_help() -> None:
    import click

    from ordertrail.adapters.cli.main import all_commands, cli

    with click.Context(cli) as ctx:
        for name, (_, summary) in all_commands().items():  # each vendor's own commands too
            command = cli.get_command(ctx, name)
            assert command is not None and command.get_short_help_str(limit=1000) == summary
            assert {"--json", "--store", "--config", "--tz"} <= {
                opt for p in command.params for opt in getattr(p, "opts", [])}


def test_no_command_shows_the_help_and_a_bad_one_is_one_line(tmp_path: Path) -> None:
    bare = ordertrail(cwd=tmp_path)
    assert bare.returncode == 2 and "Usage: ordertrail" in bare.stderr
    assert "status" in bare.stderr and "Where every order is now" in bare.stderr
    wrong = ordertrail("stauts", cwd=tmp_path)
    assert_one_line_error(wrong, "No such command", "stauts")
    assert wrong.returncode == 2 and list(tmp_path.iterdir()) == []
