"""The sync engine's observer on the command line: one log line per pass, one per vendor
error with its classification, and the vendor-call and pass-duration metrics."""

from __future__ import annotations

from ordertrail.adapters.observability.logs import get_logger
from ordertrail.adapters.observability.metrics import Metrics
from ordertrail.adapters.sync.engine import PassReport

log = get_logger("ordertrail.sync")


class SyncWatch:
    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics

    def vendor_call(self, vendor: str, operation: str, classification: str,
                    error: str | None) -> None:
        if self.metrics is not None:
            self.metrics.vendor_calls.labels(vendor, operation, classification).inc()
        if error is not None:
            log.warning("vendor error", vendor=vendor, operation=operation,
                        classification=classification, error=error)

    def pass_done(self, report: PassReport) -> None:
        if self.metrics is not None:
            self.metrics.sync_pass_seconds.observe(report.seconds)
        log.info("sync pass", open=report.open_orders, left_out=report.left_out,
                 submitted=report.submitted,
                 polled=report.polled, reconciled=report.reconciled, held=report.held,
                 changed=len(report.changed), downloaded=report.retrieved,
                 recorded=report.recorded, errors=dict(sorted(report.error_classes.items())),
                 seconds=round(report.seconds, 3))
        for line in report.refused:
            log.warning("refused by the ledger", error=line)
