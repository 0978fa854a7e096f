"""One process's metrics: a registry of its own (never the global one), with what happens in
this process counted as it happens, and what the read models hold read at scrape time
(``collector``). Names start ``ordertrail_``; labels are few-valued (vendor, state, kind,
operation, classification, a receiver's event and outcome), never an order id."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

PASS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.vendor_calls = Counter(
            "ordertrail_vendor_calls", "Calls to vendors by vendor, operation (submit, poll, "
            "reconcile, retrieve, probe) and the classification of their outcome",
            ["vendor", "operation", "classification"], registry=self.registry)
        self.sync_pass_seconds = Histogram(
            "ordertrail_sync_pass_duration_seconds", "How long each sync pass took",
            buckets=PASS_BUCKETS, registry=self.registry)
        self._receivers: dict[str, Counter] = {}

    def receiver_requests(self, vendor: str) -> Counter:
        """``ordertrail_<vendor>_requests``: requests to a vendor's receiver by event and
        outcome (registered on first use)."""
        if vendor not in self._receivers:
            self._receivers[vendor] = Counter(
                f"ordertrail_{vendor}_requests",
                f"Requests to the {vendor} receiver by event and outcome",
                ["event", "outcome"], registry=self.registry)
        return self._receivers[vendor]

    def exposition(self) -> bytes:
        """The Prometheus text format of everything registered."""
        return generate_latest(self.registry)
