"""A wrong, missing or malformed cipher key: one line and exit 2 on every command, read commands
included, the key never shown and nothing written; the right key (or none, on a plain store)
opens the store as before."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

from ordertrail.adapters.cli.main import run
from ordertrail.adapters.ppw import PPWOutbox
from ordertrail.adapters.store import CipherKeyError, open_tracker
from tests.integration.sims import ordertrail

KEY_ENV = "TEST_STORE_CIPHER_KEY"
RIGHT = AESCipher.create_key(32)
ORDER = "{order}"
COMMANDS: list[tuple[str, ...]] = [
    ("status",), ("attention",), ("report",), ("watch", "--once"), ("show", ORDER),
    ("history", ORDER), ("place", "ivcap", "--field", "x=1"), ("sync", "--once"),
    ("serve", "--port", "0"), ("projections", "run"), ("projections", "verify"),
    ("projections", "rebuild"), ("migrate",), ("config", "check"), ("cancel", ORDER),
    ("reconcile", ORDER, "--not-created"), ("choose", ORDER), ("vendor", "show", "ivcap"),
]


@pytest.fixture(scope="module")
def listening() -> Iterator[str]:
    """A port that accepts connections, so ``sync`` finds its vendor reachable."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def config(tmp_path: Path, store: Path, vendor_url: str, key_env: str | None) -> Path:
    path = tmp_path / "ordertrail.toml"
    cipher = f'cipher_key_env = "{key_env}"\n' if key_env else ""
    path.write_text(f'[store]\nurl = "sqlite:///{store.as_posix()}"\n{cipher}\n'
                    f'[vendors.ivcap]\nbase_url = "{vendor_url}"\ntoken_env = "TEST_IVCAP_TOKEN"\n'
                    'service_id = "urn:s"\naccount_id = "urn:a"\n', encoding="utf-8")
    return path


@pytest.fixture
def encrypted(tmp_path: Path) -> tuple[Path, str]:
    """A store written with ``RIGHT``, holding one order; its file and the order id."""
    store = tmp_path / "o.db"
    tracker = open_tracker(f"sqlite:///{store}", cipher_key=RIGHT)
    try:
        order = tracker.request_order("ivcap", {"parameters": []}, "k1")
    finally:
        tracker.close()
    return store, str(order)


def events(store: Path) -> int:
    db = sqlite3.connect(store)
    try:
        return int(db.execute("select count(*) from stored_events").fetchone()[0])
    finally:
        db.close()


CASES = {
    "wrong key": (KEY_ENV, AESCipher.create_key(32), "does not decrypt"),
    "no key configured": (None, None, "is encrypted"),
    "malformed key": (KEY_ENV, "not-a-key-" + "x" * 30, f"{KEY_ENV}, whose value is not base64"),
    "short key": (KEY_ENV, AESCipher.create_key(16)[:-4], f"{KEY_ENV}, whose value is not base64"),
    "variable unset": ("TEST_UNSET_CIPHER_KEY", None, "TEST_UNSET_CIPHER_KEY"),
}


MATRIX = [("wrong key", command) for command in COMMANDS] + [
    (case, command) for case in sorted(CASES) if case != "wrong key"
    for command in COMMANDS if command[0] in ("status", "place", "migrate", "serve")
]
"""Every command for a wrong key; a read, a write, migrate and serve for the other cases."""


@pytest.mark.parametrize(("case", "command"), MATRIX,
                         ids=[f"{case}: {' '.join(command)}" for case, command in MATRIX])
def test_a_bad_key_is_one_line_and_exit_2_on_every_command(
    tmp_path: Path, encrypted: tuple[Path, str], listening: str, case: str,
    command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    store, order = encrypted
    key_env, key, needle = CASES[case]
    if key is not None:
        monkeypatch.setenv(KEY_ENV, key)
    monkeypatch.setenv("TEST_IVCAP_TOKEN", "token")
    path = config(tmp_path, store, listening, key_env)
    args = [arg.replace(ORDER, order) for arg in command]
    code = run(["--config", str(path), *args])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ordertrail: configuration error: "), err
    assert needle in lines[0] and "Traceback" not in err
    if key:
        assert key not in err
    assert events(store) == 1


def test_the_real_process_prints_one_line_for_a_wrong_key(
    tmp_path: Path, encrypted: tuple[Path, str], listening: str
) -> None:
    store, _ = encrypted
    done = ordertrail(config(tmp_path, store, listening, KEY_ENV), "status",
                      env={KEY_ENV: AESCipher.create_key(32)})
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "does not decrypt" in done.stderr and "Traceback" not in done.stderr


def test_the_right_key_opens_the_store_and_a_plain_store_opens_without_one(
    tmp_path: Path, encrypted: tuple[Path, str]
) -> None:
    store, order = encrypted
    tracker = open_tracker(f"sqlite:///{store}", cipher_key=RIGHT)
    try:
        assert str(tracker.get_order(tracker.order_ids().__iter__().__next__()).id) == order
    finally:
        tracker.close()
    plain = f"sqlite:///{tmp_path / 'plain.db'}"
    open_tracker(plain).close()  # empty: any key would do
    tracker = open_tracker(plain)
    tracker.request_order("ivcap", {}, "k")
    tracker.close()
    with pytest.raises(CipherKeyError, match="does not decrypt"):
        open_tracker(plain, cipher_key=RIGHT)
    with pytest.raises(CipherKeyError, match="malformed"):  # not binascii.Error
        open_tracker(plain, cipher_key="not base64!")


def test_the_ppw_bookkeeping_file_refuses_another_key_or_none(tmp_path: Path) -> None:
    path = tmp_path / "ppw.sqlite3"
    cipher = open_tracker("sqlite:///:memory:", cipher_key=RIGHT)
    other = open_tracker("sqlite:///:memory:", cipher_key=AESCipher.create_key(32))
    try:
        box = PPWOutbox(path, cipher=cipher.mapper.cipher)
        box.set_state("ppwlink_push", "https://ppw.invalid/push")
        box.close()
        with pytest.raises(CipherKeyError, match="does not decrypt"):
            PPWOutbox(path, cipher=other.mapper.cipher)
        with pytest.raises(CipherKeyError, match="is encrypted"):
            PPWOutbox(path)
        box = PPWOutbox(path, cipher=cipher.mapper.cipher)
        assert box.get_state("ppwlink_push") == "https://ppw.invalid/push"
        box.close()
    finally:
        cipher.close()
        other.close()
