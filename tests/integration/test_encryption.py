"""With a cipher key, no byte of a vendor request or answer is readable in anything ordertrail
writes: orders carrying a marker go through place, sync, serve (PPW imports through the
receiver, the API answers) and the projections, then every file of the store's directory
(SQLite), or every table of its schema and the receiver's file (PostgreSQL), is searched for
the marker, plain and in common encodings. Without a key the same search finds it, so the
search can fail. Downloaded results are the user's files and are not searched.
"""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher

from ordertrail.adapters.planomatic.demo import request as planomatic_request
from ordertrail.adapters.planomatic.simulator import PlanomaticSim
from ordertrail.adapters.planviewer.simulator import PlanviewerSim
from ordertrail.adapters.ppw import PPWSimulator
from ordertrail.adapters.ppw.config import sha1_hex
from ordertrail.adapters.ppw.demo import work_order as ppw_work_order
from ordertrail.adapters.store import open_tracker
from tests.integration import sims as sim
from tests.integration.test_service import serving

MARKER = "Zq7MarkerLemonade"
KEY_ENV = "TEST_CIPHER_KEY"
PPW_PASSWORD = "receiver-password"
BAD_INTENTION = f"{MARKER}-bad-intention"
DECLINED_EMAIL = f"{MARKER.lower()}-declined@example.com"


def encodings(marker: str) -> dict[str, bytes]:
    """The marker as text in files may hold it: UTF-8, UTF-16, hex and base64 at each offset."""
    raw = marker.encode()
    found = {"utf-8": raw, "utf-16-le": marker.encode("utf-16-le"),
             "utf-16-be": marker.encode("utf-16-be"), "hex": raw.hex().encode(),
             "HEX": raw.hex().upper().encode()}
    for offset in range(3):  # base64 of the marker inside a longer text, at each alignment
        encoded = base64.b64encode(b"x" * offset + raw)[4 if offset else 0:][:-4]
        found[f"base64+{offset}"] = encoded
    return found


def readable(data: bytes) -> list[str]:
    return [name for name, needle in encodings(MARKER).items() if needle in data]


def requests() -> dict[str, list[dict[str, Any]]]:
    client = {"first_name": MARKER, "last_name": MARKER, "email": f"{MARKER.lower()}@example.com"}
    declined = planomatic_request(2, "declined-payment")
    declined["order"]["client"] = {**client, "email": DECLINED_EMAIL}
    accepted = planomatic_request(1, "action-successful")
    accepted["order"]["client"] = client
    return {
        "planviewer": [{"intention_uuid": f"{MARKER}-intention", "product": MARKER},
                       {"intention_uuid": BAD_INTENTION, "product": "bestemmingsplanrapport"}],
        "ivcap": [{"parameters": [{"name": "note", "value": MARKER}]}],
        "planomatic": [accepted, declined],
        "ppw": [{**ppw_work_order(n), "address": f"{n} {MARKER} Street",
                 "wo_number": f"WO-{MARKER}-{n}"} for n in range(2)],
    }


def write_config(tmp_path: Path, sims: sim.Sims, store_url: str, cipher: bool) -> tuple[Path, dict[str, str]]:
    config = tmp_path / "ordertrail.toml"
    env = sim.write_config(config, sims, store_url, tmp_path / "results")
    text = config.read_text(encoding="utf-8")
    if cipher:
        text = text.replace("[store]\n", f'[store]\ncipher_key_env = "{KEY_ENV}"\n', 1)
    text += ('\n[service]\nhost = "127.0.0.1"\nport = 0\n\n[vendors.ppw]\nusername = "ppw-import"\n'
             'password_sha1_env = "TEST_PPW_PASSWORD_SHA1"\nsite_id = "site-123"\n'
             'remote_site_id = "remote-456"\n')
    config.write_text(text, encoding="utf-8")
    return config, {**env, "TEST_PPW_PASSWORD_SHA1": sha1_hex(PPW_PASSWORD)}


def run(config: Path, env: dict[str, str], *args: str) -> str:
    done = sim.ordertrail(config, *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def use_every_path(config: Path, env: dict[str, str], store_url: str) -> list[str]:
    """Place, sync, import through the receiver, read through the API and the CLI; order ids."""
    bodies = [(vendor, body) for vendor, found in requests().items() for body in found]
    placed = run(config, env, "place", bodies[0][0], "--request", json.dumps(bodies[0][1]))
    tracker = open_tracker(store_url, cipher_key=env.get(KEY_ENV))
    try:
        ids = [placed.split()[0], *(str(tracker.request_order(vendor, body, f"key-{n}"))
                                    for n, (vendor, body) in enumerate(bodies[1:]))]
    finally:
        tracker.close()
    for _ in range(2):
        sim.ordertrail(config, "sync", "--once", env=env)  # may exit 1 with a problem listed
    with serving(config) as base:

        async def ppw_side() -> Any:
            async with PPWSimulator(f"{base}/ppw/receiver", "ppw-import", PPW_PASSWORD,
                                    "site-123") as ppw:
                await ppw.validate_user()
                return await ppw.run_cycle()

        assert len(asyncio.run(ppw_side()).imported) == 2
        with urllib.request.urlopen(f"{base}/api/attention", timeout=10) as answer:
            assert answer.status == 200 and json.loads(answer.read())
    run(config, env, "projections", "rebuild")
    verified = sim.ordertrail(config, "projections", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return ids


@pytest.mark.parametrize("cipher", [True, False], ids=["encrypted", "plain"])
def test_no_file_of_an_encrypted_sqlite_store_holds_order_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cipher: bool
) -> None:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    key = AESCipher.create_key(32)
    monkeypatch.setenv(KEY_ENV, key)
    sims = sim.Sims(planviewer=PlanviewerSim(daily_cap=1000, invalid_intentions={BAD_INTENTION}),
                    planomatic=PlanomaticSim(status_by_email={DECLINED_EMAIL: "declined-payment"}))
    with sim.running(sims):
        store_url = f"sqlite:///{store_dir / 'o.db'}"
        config, env = write_config(tmp_path, sims, store_url, cipher)
        ids = use_every_path(config, {**env, **({KEY_ENV: key} if cipher else {})}, store_url)
    history = run(config, {**env, KEY_ENV: key}, "--json", "history", ids[0])
    assert MARKER in history  # the key reads everything back
    files = sorted(p for p in store_dir.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"o.db", "o.db.ppw-link.sqlite3"}
    found = {p.name: readable(p.read_bytes()) for p in files}
    print(f"\n{len(files)} files, {sum(p.stat().st_size for p in files)} bytes searched: {found}")
    if cipher:
        assert not any(found.values()), found
    else:
        assert found["o.db"] and found["o.db.ppw-link.sqlite3"], found


@pytest.mark.postgres
def test_no_table_of_an_encrypted_postgres_store_holds_order_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str, postgres_dsn: str
) -> None:
    key = AESCipher.create_key(32)
    monkeypatch.setenv(KEY_ENV, key)
    sims = sim.Sims(planviewer=PlanviewerSim(daily_cap=1000, invalid_intentions={BAD_INTENTION}),
                    planomatic=PlanomaticSim(status_by_email={DECLINED_EMAIL: "declined-payment"}))
    with sim.running(sims):
        config, env = write_config(tmp_path, sims, postgres_url, cipher=True)
        use_every_path(config, {**env, KEY_ENV: key}, postgres_url)
    schema = postgres_url.rpartition("schema=")[2]
    with psycopg.connect(postgres_dsn) as conn:
        tables = [r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = %s", (schema,))]
        assert {"order_status", "audit_log", "attention"} <= set(tables)
        assert any(t.endswith("_events") for t in tables) and len(tables) >= 8, tables
        found = {}
        for table in tables:
            rows = conn.execute(f'select t::text from "{schema}"."{table}" t').fetchall()
            found[table] = readable("\n".join(r[0] for r in rows).encode())
    print(f"\n{len(tables)} tables searched: {found}")
    assert not any(found.values()), found
    bookkeeping = [p for p in (tmp_path / "results").glob("ppw-link.sqlite3*")]
    assert bookkeeping
    assert not any(readable(p.read_bytes()) for p in bookkeeping)
