"""A counting read model's rows are its key's fields followed by the count it adds."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import pytest

from ordertrail.projections.counting import CountingModel
from ordertrail.projections.vendor_daily.check import VendorDailyCheck
from ordertrail.projections.vendor_daily.table import TABLE


class Key(NamedTuple):
    vendor: str


class RowWithoutCount(NamedTuple):
    vendor: str
    total: int


def test_a_row_that_does_not_end_with_the_count_is_refused_when_the_model_is_made() -> None:
    with pytest.raises(TypeError, match="broken: a counter's row ends with its count, not total"):
        CountingModel[Key]("broken", TABLE, lambda _: Counter(), RowWithoutCount,
                           VendorDailyCheck)
