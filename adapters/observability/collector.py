"""Gauges read from the read models when Prometheus scrapes, not kept in memory: orders by
vendor and state, the oldest open order's age, attention items by kind, projection lag.

A few grouped queries per scrape; a store that does not answer gives a scrape without these
gauges (and ``/readyz`` says why), never an error page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ordertrail.adapters.observability.health import STORE_TROUBLE, UNREADABLE, projection_lag
from ordertrail.adapters.observability.logs import get_logger
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ReadModels, StuckLimits

log = get_logger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class ReadModelCollector(Collector):
    def __init__(self, tracker: Tracker, models: ReadModels, limits: StuckLimits,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.tracker = tracker
        self.models = models
        self.limits = limits
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            found = list(self._gauges(self.clock()))
        except (*STORE_TROUBLE, *UNREADABLE) as error:
            log.warning("metrics: read models unavailable", error=type(error).__name__)
            return
        yield from found

    def _gauges(self, now: datetime) -> Iterator[Metric]:
        orders = GaugeMetricFamily("ordertrail_orders", "Orders by vendor and state",
                                   labels=["vendor", "state"])
        for (vendor, state), count in sorted(self.models.state_counts().items()):
            orders.add_metric([vendor, state], count)
        yield orders
        oldest = GaugeMetricFamily(
            "ordertrail_oldest_open_order_age_seconds",
            "How long the longest-waiting open order of each vendor has been in its state",
            labels=["vendor", "state"])
        for (vendor, state), since in sorted(self.models.oldest_open().items()):
            oldest.add_metric([vendor, state], max(0.0, (now - since).total_seconds()))
        yield oldest
        kinds = Counter(item.kind for item in self.models.attention(now, stuck=self.limits))
        attention = GaugeMetricFamily("ordertrail_attention_items",
                                      "Things a person must act on, by kind", labels=["kind"])
        for kind, count in sorted(kinds.items()):
            attention.add_metric([kind], count)
        yield attention
        lag = projection_lag(self.tracker, self.models, now)
        yield GaugeMetricFamily("ordertrail_projection_lag_events",
                                "Store notifications the read models do not hold yet",
                                value=lag.events)
        yield GaugeMetricFamily("ordertrail_projection_lag_seconds",
                                "Age of the oldest store event the read models do not hold yet",
                                value=lag.seconds)
