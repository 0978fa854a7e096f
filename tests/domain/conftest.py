"""The domain's tests run on both trackers: the domain's plain one and the store layer's fast
one (order cache, batched saves), which must give the same answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordertrail.adapters.store import open_tracker
from ordertrail.domain.tracker import Tracker


@pytest.fixture(params=["fast", "plain"])
def tracker(store_url: str, request: pytest.FixtureRequest) -> Iterator[Tracker]:
    t = open_tracker(store_url, fast=request.param == "fast")
    try:
        yield t
    finally:
        t.close()
