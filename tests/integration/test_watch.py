"""Watching real ``ordertrail`` processes: ``serve`` and ``sync --follow`` answer /healthz,
/readyz and /metrics (scraped over HTTP and parsed as Prometheus text), readiness says why it
is not ready, and ``sync`` writes one log line per pass, as text or JSON, with no credential
in it even at debug level."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ordertrail.adapters.observability.health import not_ready
from ordertrail.adapters.ppw import PPWSimulator
from ordertrail.adapters.ppw.config import sha1_hex
from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.store.engines import engine_for
from ordertrail.projections import ProjectionRunner, open_read_models
from ordertrail.projections.schema import downgrade
from tests.integration.sims import Sims, ordertrail, running, write_config
from tests.integration.watching import Running, get, get_json, sample, scrape, until

PPW = """
[service]
host = "127.0.0.1"
port = 0

[vendors.ppw]
username = "ppw-import"
password_sha1_env = "TEST_PPW_PASSWORD_SHA1"
site_id = "site-123"
remote_site_id = "remote-456"
"""
PASSWORD = "receiver-password"


def configure(tmp_path: Path, sims: Sims, extra: str = "") -> tuple[Path, str, dict[str, str]]:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    config = tmp_path / "ordertrail.toml"
    env = write_config(config, sims, store_url, tmp_path / "results")
    config.write_text(config.read_text() + extra, encoding="utf-8")
    return config, store_url, env


def place(store_url: str, ivcap: int = 2, planomatic: int = 1) -> None:
    tracker = open_tracker(store_url)
    for i in range(ivcap):
        tracker.request_order("ivcap", {"parameters": [{"name": "n", "value": str(i)}]}, f"iv-{i}")
    for i in range(planomatic):
        tracker.request_order("planomatic", {"order": {"client": {"email": f"c{i}@example.com"}},
                                             "payment_method_id": i}, f"po-{i}")
    tracker.close()


def states(store_url: str) -> Counter[tuple[str, str]]:
    tracker = open_tracker(store_url)
    try:
        return Counter((v.vendor, v.state.value) for v in map(tracker.get_order, tracker.order_ids()))
    finally:
        tracker.close()


def test_serve_answers_health_readiness_and_metrics_read_from_the_read_models(
        tmp_path: Path) -> None:
    sims = Sims()
    sims.planomatic.next_statuses = deque(["declined-payment"])
    with running(sims):
        config, store_url, env = configure(tmp_path, sims, PPW)
        place(store_url)
        done = ordertrail(config, "sync", "--once", env=env)
        assert done.returncode == 0, done.stderr
    truth = states(store_url)
    assert truth[("planomatic", "PAYMENT_DECLINED")] == 1 and sum(truth.values()) == 3

    serve = Running(config, "serve", env={**env, "TEST_PPW_PASSWORD_SHA1": sha1_hex(PASSWORD)})
    try:
        base = serve.url("listening on")
        assert get_json(f"{base}/healthz") == (200, {"status": "alive"})
        assert until(lambda: get(f"{base}/readyz")[0] == 200)

        async def ppw_side() -> None:
            async with PPWSimulator(f"{base}/ppw/receiver", "ppw-import", PASSWORD,
                                    "site-123") as ppw:
                await ppw.validate_user()
            async with PPWSimulator(f"{base}/ppw/receiver", "ppw-import", "guess",
                                    "site-123") as intruder:
                await intruder.post_payload(intruder.payload("get_all_orders", {}))

        asyncio.run(ppw_side())
        samples = scrape(f"{base}/metrics")
        for (vendor, state), count in truth.items():
            assert sample(samples, "ordertrail_orders", vendor=vendor, state=state) == count
        assert sample(samples, "ordertrail_attention_items", kind="PAYMENT_DECLINED") == 1
        open_states = [key for key in truth if key[1] not in ("PAYMENT_DECLINED", "REJECTED")]
        for vendor, state in open_states:
            age = sample(samples, "ordertrail_oldest_open_order_age_seconds", vendor=vendor,
                         state=state)
            assert age is not None and 0 <= age < 120
        assert sample(samples, "ordertrail_projection_lag_events") == 0
        assert sample(samples, "ordertrail_ppw_requests_total", event="validate_user",
                      outcome="ok") == 1
        assert sample(samples, "ordertrail_ppw_requests_total", event="get_all_orders",
                      outcome="auth_failed") == 1
    finally:
        assert serve.stop() == 0
    assert any("request" in line and "path=/metrics" in line and "status=200" in line
               for line in serve.lines), serve.stderr


def test_readyz_answers_503_with_a_one_line_reason_while_the_read_models_are_not_at_head(
        tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    config = tmp_path / "ordertrail.toml"
    config.write_text(f'[store]\nurl = "{store_url}"\n\n[service]\nport = 0\n', encoding="utf-8")
    serve = Running(config, "serve")
    try:
        base = serve.url("listening on")
        assert until(lambda: get(f"{base}/readyz")[0] == 200)
        engine = engine_for(store_url)
        downgrade(engine, "-1")  # an older ordertrail's schema, as after a failed upgrade
        engine.dispose()
        status, body = get(f"{base}/readyz")
        answer = json.loads(body)
        assert status == 503 and answer["status"] == "not ready"
        assert "schema" in answer["reason"] and "\n" not in answer["reason"]
        assert body.count(b"\n") == 0
        assert get(f"{base}/healthz")[0] == 200  # alive all the same
    finally:
        assert serve.stop() == 0


def test_a_process_is_not_ready_while_the_read_models_trail_the_store_past_the_limit(
        sqlite_url: str) -> None:
    tracker = open_tracker(sqlite_url)
    tracker.request_order("ivcap", {}, "k")
    models = open_read_models(sqlite_url)
    later = datetime.now(UTC) + timedelta(minutes=5)
    try:
        reason = not_ready(tracker, models, max_lag=60, now=later)
        assert reason is not None and "behind the store" in reason and "limit 60s" in reason
        assert not_ready(tracker, models, max_lag=600, now=later) is None
        runner = ProjectionRunner(tracker, sqlite_url)
        runner.catch_up()
        runner.close()
        assert not_ready(tracker, models, max_lag=60, now=later) is None
    finally:
        models.close()
        tracker.close()


def test_sync_follow_serves_metrics_on_its_own_port_and_logs_each_pass_as_json(
        tmp_path: Path) -> None:
    with running() as sims:
        config, store_url, env = configure(
            tmp_path, sims, "\n[sync]\nmetrics_port = 0\npass_interval_seconds = 0.5\n")
        place(store_url, ivcap=1, planomatic=0)
        sync = Running(config, "sync", "--follow", "--log-format", "json", env=env)
        try:
            base = sync.url("metrics on").removesuffix("/metrics")
            samples = until(lambda: (found := scrape(f"{base}/metrics")) and (sample(
                found, "ordertrail_sync_pass_duration_seconds_count") or 0) >= 2 and found)
            assert samples, sync.stderr
            assert sample(samples, "ordertrail_vendor_calls_total", vendor="ivcap",
                          operation="submit", classification="success") == 1
            assert (sample(samples, "ordertrail_vendor_calls_total", vendor="ivcap",
                           operation="poll", classification="success") or 0) >= 1
            assert get_json(f"{base}/healthz")[0] == 200
            assert until(lambda: get(f"{base}/readyz")[0] == 200)
        finally:
            assert sync.stop() == 0
    passes = [json.loads(line) for line in sync.lines
              if line.startswith("{") and json.loads(line).get("event") == "sync pass"]
    assert passes and passes[0]["submitted"] == 1 and passes[0]["level"] == "info"
    assert {"polled", "changed", "downloaded", "errors", "seconds"} <= set(passes[0])
    assert sum(p["submitted"] for p in passes) == 1


def test_sync_follow_keeps_its_metrics_behind_the_service_token(tmp_path: Path) -> None:
    """The same bearer token as serve's /metrics: a scrape without it is 401, health is open."""
    with running() as sims:
        config, _, env = configure(tmp_path, sims, "\n[service]\napi_token_env = \"TEST_TOKEN\"\n"
                                   "\n[sync]\nmetrics_port = 0\npass_interval_seconds = 0.5\n")
        token = "s3cret-token-of-32-characters-ok"
        sync = Running(config, "sync", "--follow", env={**env, "TEST_TOKEN": token})
        try:
            metrics = sync.url("metrics on")
            base = metrics.removesuffix("/metrics")
            assert get(metrics)[0] == 401
            request = urllib.request.Request(
                metrics, headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200 and b"ordertrail_" in response.read()
            assert get(f"{base}/healthz")[0] == 200
        finally:
            assert sync.stop() == 0


def test_sync_follow_refuses_metrics_beyond_loopback_without_a_token(tmp_path: Path) -> None:
    with running() as sims:
        config, _, env = configure(tmp_path, sims,
                                   '\n[sync]\nmetrics_port = 0\nmetrics_host = "0.0.0.0"\n')
        done = ordertrail(config, "sync", "--follow", env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "[sync] metrics_host = '0.0.0.0' is not a loopback address" in line
    assert "api_token_env" in line and "Traceback" not in done.stderr


def test_sync_logs_one_text_line_per_pass_and_the_level_hides_it(tmp_path: Path) -> None:
    with running() as sims:
        config, store_url, env = configure(tmp_path, sims)
        place(store_url, ivcap=2, planomatic=0)
        done = ordertrail(config, "--log-format", "text", "sync", "--once", env=env)
        quiet = ordertrail(config, "sync", "--once", "--log-level", "warning", env=env)
    assert done.returncode == 0 and quiet.returncode == 0, done.stderr + quiet.stderr
    (line,) = [line for line in done.stderr.splitlines() if "sync pass" in line]
    assert "[info" in line and "submitted=2" in line and "errors={}" in line
    assert "sync pass" not in quiet.stderr


def secrets(sims: Sims) -> list[str]:
    pv = sims.planviewer
    basic = base64.b64encode(f"{pv.key_id}:{pv.secret}".encode()).decode()
    return [pv.secret, basic, sims.ivcap.token, *sims.planomatic.tokens]


def test_no_credential_reaches_the_logs_even_at_debug_level(tmp_path: Path) -> None:
    with running() as sims:
        config, store_url, env = configure(tmp_path, sims)
        tracker = open_tracker(store_url)
        tracker.request_order("planviewer", {"intention_uuid": "int-1", "product": "p"}, "pv-1")
        tracker.close()
        place(store_url, ivcap=1, planomatic=1)
        runs = [ordertrail(config, "--log-level", "debug", "sync", "--once", env=env),
                ordertrail(config, "sync", "--once", "--log-level", "debug", "--log-format",
                           "json", env=env)]
        found: dict[str, Any] = {}
        for done in runs:
            assert done.returncode == 0, done.stderr
            assert "sync pass" in done.stderr
            for secret in secrets(sims):
                if secret in done.stdout + done.stderr:
                    found[secret[:3]] = done.args
    assert not found, f"a credential leaked into the output of {found}"


def test_each_vendor_error_is_a_log_line_with_its_classification_and_counted_by_class(
        tmp_path: Path) -> None:
    with running() as sims:
        config, store_url, env = configure(tmp_path, sims)
        place(store_url, ivcap=1, planomatic=0)
        done = ordertrail(config, "sync", "--once", "--log-format", "json",
                          env={**env, "TEST_IVCAP_TOKEN": "revoked-token"})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    (error,) = [line for line in lines if line["event"] == "vendor error"]
    assert (error["vendor"], error["operation"], error["classification"], error["level"]) == (
        "ivcap", "submit", "needs_reauth", "warning")
    (passed,) = [line for line in lines if line["event"] == "sync pass"]
    assert passed["errors"] == {"needs_reauth": 1} and passed["submitted"] == 1
    assert "revoked-token" not in done.stderr
