"""The console's locks over plain HTTP (no browser): no session, no page; no CSRF token, no
action; no file outside an order's results; and no console for the network without a token."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from ordertrail.adapters.store import open_tracker
from tests.browser.service import TOKEN, service_table, serving
from tests.integration.sims import ROOT


def request(base: str, method: str, path: str, body: str = "",
            headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    conn.request(method, path, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    response = conn.getresponse()
    response.read()
    return response


def test_without_a_session_pages_redirect_to_login_and_forms_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'o.db'}"
    tracker = open_tracker(url)
    order = tracker.request_order("planomatic", {"payment_method_id": 1}, "k1")
    tracker.close()
    (tmp_path / "results" / str(order)).mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("not a result")
    config = tmp_path / "ordertrail.toml"
    config.write_text(f'[store]\nurl = "{url}"\n[results]\ndir = "results"\n{service_table()}')
    with serving(config, {"TEST_CONSOLE_TOKEN": TOKEN}) as base:
        for path in ("/", f"/orders/{order}", "/attention", "/report"):
            answer = request(base, "GET", path)
            assert answer.status == 303 and answer.getheader("Location", "").startswith("/login?next=")
        assert request(base, "GET", f"/live?ids={order}").status == 401
        assert request(base, "POST", f"/orders/{order}/cancel", "csrf=x").status == 303  # to login
        assert request(base, "POST", "/login", "token=wrong-token-guess").status == 401
        login = request(base, "POST", "/login", f"token={TOKEN}&next=//evil.example/")
        assert login.status == 303 and login.getheader("Location") == "/"  # never off-site
        cookie = login.getheader("Set-Cookie", "")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        session = {"Cookie": cookie.split(";")[0]}
        assert request(base, "GET", "/", headers=session).status == 200
        for bad in ("page=99999999999999999999", "per_page=abc", "state=NOPE", "placed_from=May"):
            assert request(base, "GET", f"/?{bad}", headers=session).status == 200  # named, dropped
        refused = request(base, "POST", f"/orders/{order}/cancel", "csrf=forged", headers=session)
        assert refused.status == 403
        for name in ("..%2F..%2Fsecret.txt", "..%2Fo.db", "%2E%2E"):
            assert request(base, "GET", f"/orders/{order}/files/{name}", headers=session).status == 404
    tracker = open_tracker(url)
    assert tracker.get_order(order).state.value == "REQUESTED"  # nothing was cancelled
    tracker.close()


def test_serve_refuses_a_console_for_the_network_without_a_token(tmp_path: Path) -> None:
    config = tmp_path / "ordertrail.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "o.db"}"\n'
                      '[service]\nhost = "0.0.0.0"\nport = 0\n')
    done = subprocess.run([sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config),
                           "serve"], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2
    assert "not a loopback address" in done.stderr and "api_token_env" in done.stderr
    assert "Traceback" not in done.stderr
