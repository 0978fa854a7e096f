"""The token guard in front of /api and /metrics, in process over loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from ordertrail.adapters.config import ConfigError, load_config
from ordertrail.adapters.ppw.config import sha1_hex
from ordertrail.adapters.service.app import make_service
from ordertrail.adapters.service.guard import GUARD, is_loopback
from ordertrail.adapters.store import open_tracker
from tests.adapters.service.conftest import CONFIG, TOKEN, Served, call


@pytest.mark.parametrize("path", ["/api/orders", "/api/openapi.json", "/metrics",
                                  "/api/nothing-here", "/%61pi/orders", "/metrics/x"])
@pytest.mark.parametrize("token", [None, "wrong-token-of-enough-length", TOKEN[:-1], ""])
def test_a_request_without_the_token_is_refused_with_401(served: Served, path: str,
                                                          token: str | None) -> None:
    status, body, headers = call(served.base, "GET", path, token=token)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert list(body) == ["error"] and "\n" not in body["error"]


def test_the_token_admits_the_request(served: Served) -> None:
    assert call(served.base, "GET", "/api/orders")[0] == 200
    assert call(served.base, "GET", "/api/nothing-here")[0] == 404


def test_the_scheme_is_case_insensitive_but_the_token_is_not(served: Served) -> None:
    import urllib.error
    import urllib.request

    def status(header: str) -> int:
        request = urllib.request.Request(served.base + "/api/orders",
                                         headers={"Authorization": header})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    assert status(f"bearer {TOKEN}") == 200
    assert status(f"Bearer {TOKEN.upper()}") == 401
    assert status(f"Basic {TOKEN}") == 401


def test_paths_outside_the_api_are_not_locked(served: Served) -> None:
    """The PPW receiver (same listener here) answers PPW without a bearer token."""
    status, _, _ = call(served.base, "POST", "/ppw/receiver", raw=b"payload=x", token=None)
    assert status != 401


def test_another_checker_can_admit_a_request(served: Served) -> None:
    """The console's session cookie plugs in as a checker beside the bearer token."""

    async def cookie(request: web.Request) -> bool:
        return request.headers.get("Cookie") == "session=ok"

    served.app[GUARD].checkers.append(cookie)
    import urllib.request

    request = urllib.request.Request(served.base + "/api/orders", headers={"Cookie": "session=ok"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
    ("example.org", False), ("", False),
])
def test_only_loopback_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_receiver_path_under_the_api_is_refused(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PPW_SHA1", sha1_hex("pw"))
    monkeypatch.setenv("TEST_API_TOKEN", TOKEN)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    file = tmp_path / "ordertrail.toml"
    file.write_text(CONFIG.format(url=url) + 'receiver_path = "/api/ppw"\n', encoding="utf-8")
    tracker = open_tracker(url)
    try:
        with pytest.raises(ConfigError, match="receiver_path"):
            make_service(tracker, None, load_config(file))  # type: ignore[arg-type]
    finally:
        tracker.close()
