"""``[alerts]`` end to end: ``ordertrail sync --follow`` posts each new attention item to a real
aiohttp webhook, once; killed between a post and its record, it posts that alert again after
a restart with the same id (at least once, never lost, and the receiver can drop the repeat)."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
import sqlalchemy as sa

from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.store.engines import engine_for
from tests.integration.sims import Sims, running, write_config
from tests.integration.watching import Running, Webhook, until, webhook

HOOK_TOKEN = "hook-secret-0123456789"
KILLED = -9


def configure(tmp_path: Path, sims: Sims, hook: Webhook,
              store_url: str | None = None) -> tuple[Path, str, dict[str, str]]:
    store_url = store_url or f"sqlite:///{tmp_path / 'store.db'}"
    config = tmp_path / "ordertrail.toml"
    env = write_config(config, sims, store_url, tmp_path / "results")
    config.write_text(config.read_text() + """
[sync]
pass_interval_seconds = 0.5

[alerts]
webhook_url_env = "TEST_HOOK_URL"
console_url = "https://console.example/"
every_seconds = 0.2
timeout_seconds = 2
""", encoding="utf-8")
    return config, store_url, {**env, "TEST_HOOK_URL": f"{hook.url}?token={HOOK_TOKEN}"}


def declined_sims() -> Sims:
    sims = Sims()
    sims.planomatic.next_statuses = deque(["declined-payment"])
    return sims


def place_declined(store_url: str) -> str:
    tracker = open_tracker(store_url)
    order = tracker.request_order("planomatic", {"order": {"client": {"email": "c@example.com"}},
                                                 "payment_method_id": 7}, "po-1")
    tracker.close()
    return str(order)


def test_sync_follow_posts_each_new_attention_item_once_with_a_link(tmp_path: Path) -> None:
    with running(declined_sims()) as sims, webhook() as hook:
        config, store_url, env = configure(tmp_path, sims, hook)
        order = place_declined(store_url)
        tracker = open_tracker(store_url)
        tracker.request_order("ppw", {"wo_number": "WO-1"}, "wo-1")  # no [vendors.ppw]: held
        tracker.close()
        sync = Running(config, "sync", "--follow", "--log-level", "debug", env=env)
        try:
            assert until(lambda: len(hook.posts) >= 2), sync.stderr
            until(lambda: False, timeout=1.5)  # several more rounds of the sender
        finally:
            assert sync.stop() == 0
    kinds = sorted((p["kind"], p["vendor"]) for p in hook.posts)
    assert kinds == [("NOT_CONFIGURED", "ppw"), ("PAYMENT_DECLINED", "planomatic")]
    declined = next(p for p in hook.posts if p["kind"] == "PAYMENT_DECLINED")
    assert declined["order_id"] == order and declined["reason"] and declined["since"]
    assert declined["link"] == f"https://console.example/orders/{order}" and declined["id"]
    vendor_item = next(p for p in hook.posts if p["kind"] == "NOT_CONFIGURED")
    assert vendor_item["order_id"] is None and vendor_item["link"] == "https://console.example"
    assert HOOK_TOKEN not in sync.stderr


def test_an_alert_posted_by_a_process_killed_before_recording_it_is_posted_again(
        tmp_path: Path, store_url: str) -> None:
    with running(declined_sims()) as sims, webhook() as hook:
        config, store_url, env = configure(tmp_path, sims, hook, store_url)
        order = place_declined(store_url)
        killed = Running(config, "sync", "--follow",
                         env={**env, "ORDERTRAIL_CRASH_AT": "alert_after_post:1"})
        assert killed.process.wait(60) == KILLED, killed.stderr
        killed.stop()
        assert [p["order_id"] for p in hook.posts] == [order]

        again = Running(config, "sync", "--follow", env=env)
        try:
            assert until(lambda: len(hook.posts) >= 2), again.stderr
            until(lambda: False, timeout=1.5)  # posted once more, and no more than that
        finally:
            assert again.stop() == 0
    first, second = hook.posts
    assert first == second  # the same alert, with the same id for the receiver to drop
    engine = engine_for(store_url)
    with engine.connect() as conn:
        rows = list(conn.execute(sa.text("SELECT key, attempts, posted_at FROM alert_outbox")))
    engine.dispose()
    assert [(key, attempts) for key, attempts, _ in rows] == [(first["id"], 2)]
    assert rows[0][2] is not None


def test_serve_sends_alerts_too(tmp_path: Path) -> None:
    from ordertrail.domain import commands as c

    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    config = tmp_path / "ordertrail.toml"
    with webhook() as hook:
        config.write_text(f"""
[store]
url = "{store_url}"

[service]
port = 0

[alerts]
webhook_url_env = "TEST_HOOK_URL"
every_seconds = 0.2
""", encoding="utf-8")
        serve = Running(config, "serve", env={"TEST_HOOK_URL": hook.url})
        try:
            serve.url("listening on")
            tracker = open_tracker(store_url)
            order = tracker.request_order("planomatic", {}, "po")
            tracker.execute([c.AttemptSubmission(order_id=order, channel="planomatic:submit"),
                             c.DeclinePayment(order_id=order, reason_code="card_expired")])
            tracker.close()
            assert until(lambda: hook.posts), serve.stderr
        finally:
            assert serve.stop() == 0
    (post,) = hook.posts
    assert (post["kind"], post["order_id"], post["link"]) == ("PAYMENT_DECLINED", str(order), None)


def test_an_unset_webhook_variable_is_one_line_and_exit_2_before_listening(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.sims import ordertrail

    config = tmp_path / "ordertrail.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "s.db"}"\n[service]\nport = 0\n'
                      '[alerts]\nwebhook_url_env = "TEST_UNSET_HOOK"\n', encoding="utf-8")
    monkeypatch.delenv("TEST_UNSET_HOOK", raising=False)
    done = ordertrail(config, "serve", timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "TEST_UNSET_HOOK" in done.stderr
    assert "listening" not in done.stderr
