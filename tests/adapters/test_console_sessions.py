"""Console sessions: random ids that expire, CSRF tokens per session, a bounded store, and a
login that only ever sends a person back to a page of this site."""

from __future__ import annotations

import time

import pytest

from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.service.console import is_loopback, sessions
from ordertrail.adapters.service.console.sessions import Sessions, csrf_ok, safe_next


def test_a_session_is_found_by_its_id_until_it_ends_or_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Sessions(Secret("a-token-of-sixteen-chars"))
    one, two = store.start(), store.start()
    assert one.id != two.id and one.csrf != two.csrf and len(one.id) >= 40
    assert store.find(one.id) == one and store.find("guess") is None and store.find(None) is None
    store.end(one.id)
    assert store.find(one.id) is None and store.find(two.id) == two
    later = time.monotonic() + sessions.LIFETIME_SECONDS + 1
    monkeypatch.setattr(sessions.time, "monotonic", lambda: later)
    assert store.find(two.id) is None


def test_the_csrf_token_is_the_session_s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Sessions(None)
    one, two = store.start(), store.start()
    assert csrf_ok(one, one.csrf) and not csrf_ok(one, two.csrf) and not csrf_ok(one, "")


def test_the_store_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 5)
    store = Sessions(None)
    started = [store.start() for _ in range(12)]
    assert len(store.by_id) <= 5 and store.find(started[-1].id) is not None


def test_after_login_only_a_path_of_this_site() -> None:
    assert safe_next("/orders/x?version=2") == "/orders/x?version=2"
    for bad in (None, "", "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        assert safe_next(bad) == "/"


def test_loopback_hosts() -> None:
    assert all(map(is_loopback, ("127.0.0.1", "::1", "localhost", "127.0.0.2")))
    assert not any(map(is_loopback, ("0.0.0.0", "192.168.1.10", "example.com", "::")))
