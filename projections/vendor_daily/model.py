"""vendor_daily as a registered read model: counters added to the stored ones by column name."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from ordertrail.domain.tracker import Tracker
from ordertrail.projections.order_status.check import NAME as ORDER_STATUS
from ordertrail.projections.order_status.fold import OrderChanges
from ordertrail.projections.read_model import Batch, Computed, result
from ordertrail.projections.target import Target
from ordertrail.projections.vendor_daily import fold as folding
from ordertrail.projections.vendor_daily.check import NAME, VendorDailyCheck
from ordertrail.projections.vendor_daily.rows import DailyCountRow, DayCount
from ordertrail.projections.vendor_daily.table import TABLE


class VendorDailyModel:
    name = NAME
    depends_on: tuple[str, ...] = (ORDER_STATUS,)
    tables: tuple[sa.Table, ...] = (TABLE,)

    def load(self, target: Target, batch: Batch, computed: Computed) -> None:
        return None  # the database adds each batch's counts to the stored ones

    def fold(self, batch: Batch, prior: None, computed: Computed) -> Counter[DayCount]:
        return folding.fold(result(computed, ORDER_STATUS, OrderChanges))

    def store(self, target: Target, changes: Counter[DayCount]) -> None:
        target.upsert(TABLE, [DailyCountRow(k.vendor, k.day, k.metric, n)
                              for k, n in changes.items()], add="count")

    def check(self, tracker: Tracker, redact: bool) -> VendorDailyCheck:
        return VendorDailyCheck()


READ_MODEL = VendorDailyModel()
