"""The metrics read from the read models at scrape time and the readiness rule, on SQLite and
PostgreSQL: the gauges agree with the ledger, and the lag is what the read models miss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from ordertrail.adapters.alerts.limits import stuck_limits
from ordertrail.adapters.observability.collector import ReadModelCollector
from ordertrail.adapters.observability.health import not_ready, projection_lag
from ordertrail.adapters.observability.metrics import Metrics
from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.projections import ProjectionRunner, open_read_models


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(metrics.exposition().decode())
            for s in family.samples}


def test_the_gauges_agree_with_the_ledger_and_the_lag_counts_what_is_not_projected(
        store_url: str) -> None:
    tracker = open_tracker(store_url)
    placed = [tracker.request_order("ivcap", {}, f"iv-{i}") for i in range(3)]
    for order in placed[:2]:
        tracker.run(c.Place(order_id=order, vendor_ref=f"r-{order}", vendor_ref_kind="ivcap.order_id"))
    declined = tracker.request_order("planomatic", {}, "po")
    tracker.execute([c.AttemptSubmission(order_id=declined, channel="planomatic:submit"),
                     c.DeclinePayment(order_id=declined, reason_code="card_expired")])
    runner = ProjectionRunner(tracker, store_url)
    runner.catch_up()
    models = open_read_models(store_url)
    later = datetime.now(UTC) + timedelta(hours=2)  # ivcap's PLACED limit is an hour
    metrics = Metrics()
    metrics.registry.register(ReadModelCollector(tracker, models, stuck_limits(), clock=lambda: later))
    try:
        found = samples(metrics)
        assert found[("ordertrail_orders", frozenset({("vendor", "ivcap"), ("state", "PLACED")}))] == 2
        assert found[("ordertrail_orders", frozenset({("vendor", "ivcap"), ("state", "REQUESTED")}))] == 1
        age = found[("ordertrail_oldest_open_order_age_seconds",
                     frozenset({("vendor", "ivcap"), ("state", "PLACED")}))]
        assert 7190 < age < 7300
        assert found[("ordertrail_attention_items", frozenset({("kind", "STUCK")}))] == 3
        assert found[("ordertrail_attention_items", frozenset({("kind", "PAYMENT_DECLINED")}))] == 1
        assert found[("ordertrail_projection_lag_events", frozenset())] == 0

        tracker.request_order("ivcap", {}, "not-yet-projected")
        lag = projection_lag(tracker, models, later)
        assert lag.events >= 1 and 7190 < lag.seconds < 7300
        assert "behind the store" in (not_ready(tracker, models, 60, later) or "")
        runner.catch_up()
        assert projection_lag(tracker, models, later).events == 0
        assert not_ready(tracker, models, 60, later) is None
    finally:
        models.close()
        runner.close()
        tracker.close()
