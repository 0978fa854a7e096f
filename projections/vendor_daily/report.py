"""Assemble per-vendor, per-day reports from vendor_daily counters and order_status lead times."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from ordertrail.projections.vendor_daily.fold import COUNTERS, DECLINED_PREFIX, PRICED, SPEND_CENTS
from ordertrail.projections.vendor_daily.rows import VendorDayReport

TOTAL = "total"


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


class _Day:
    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.declines: dict[str, int] = {}
        self.delivered = 0
        self.leads: list[float] = []
        self.money: dict[str, int] = {}

    def add(self, metric: str, count: int) -> None:
        if metric in (SPEND_CENTS, PRICED):
            self.money[metric] = self.money.get(metric, 0) + count
        elif metric.startswith(DECLINED_PREFIX):
            reason = metric[len(DECLINED_PREFIX):]
            self.declines[reason] = self.declines.get(reason, 0) + count
        elif metric == "delivered":
            self.delivered += count
        else:
            self.counts[metric] = self.counts.get(metric, 0) + count

    def report(self, vendor: str, day: str) -> VendorDayReport:
        placed, priced = self.counts.get("placed", 0), self.money.get(PRICED, 0)
        return VendorDayReport(
            vendor, day, self.counts, self.declines, self.delivered,
            percentile(self.leads, 0.50), percentile(self.leads, 0.95),
            Decimal(self.money.get(SPEND_CENTS, 0)) / 100, max(placed - priced, 0),
        )


def assemble(
    counters: Iterable[tuple[str, date, str, int]],
    leads: Iterable[tuple[str, datetime, datetime]],
) -> list[VendorDayReport]:
    """Reports per (vendor, day), days ascending, then one ``total`` row per vendor.

    ``counters``: (vendor, day, metric, count); ``leads``: (vendor, placed_at, delivered_at),
    each lead counted on the day of its delivery.
    """
    days: dict[str, dict[date, _Day]] = defaultdict(lambda: defaultdict(_Day))
    totals: dict[str, _Day] = defaultdict(_Day)
    for vendor, day, metric, count in counters:
        days[vendor][day].add(metric, count)
        totals[vendor].add(metric, count)
    for vendor, placed_at, delivered_at in leads:
        seconds = (delivered_at - placed_at).total_seconds()
        days[vendor][delivered_at.date()].leads.append(seconds)
        totals[vendor].leads.append(seconds)
    reports: list[VendorDayReport] = []
    for vendor in sorted(days):
        for day in sorted(days[vendor]):
            reports.append(days[vendor][day].report(vendor, day.isoformat()))
        reports.append(totals[vendor].report(vendor, TOTAL))
    return reports
