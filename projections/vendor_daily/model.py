"""vendor_daily as a registered read model: counters added to the stored ones by column name."""

from __future__ import annotations

from ordertrail.projections.counting import CountingModel
from ordertrail.projections.vendor_daily.check import NAME, VendorDailyCheck
from ordertrail.projections.vendor_daily.fold import fold
from ordertrail.projections.vendor_daily.rows import DailyCountRow, DayCount
from ordertrail.projections.vendor_daily.table import TABLE

READ_MODEL = CountingModel[DayCount](NAME, TABLE, fold, DailyCountRow, VendorDailyCheck)
