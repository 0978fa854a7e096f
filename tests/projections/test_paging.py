"""Keyset pages over order_status and their total, on SQLite and PostgreSQL."""

from __future__ import annotations

from ordertrail.domain.tracker import Tracker
from ordertrail.projections import OrderFilter, ProjectionRunner, ReadModels
from tests.projections.conftest import populate


def test_pages_after_the_last_row_cover_every_order_once_in_listing_order(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels
) -> None:
    ids = populate(tracker, 25)
    runner.catch_up()
    whole = models.list_orders(OrderFilter(limit=1000))
    paged, after = [], None
    while True:
        page = models.list_orders(OrderFilter(limit=7, after=after))
        paged += page
        if len(page) < 7:
            break
        after = (page[-1].requested_at, page[-1].order_id)
    assert [r.order_id for r in paged] == [r.order_id for r in whole]
    assert sorted(r.order_id for r in paged) == sorted(ids)


def test_the_count_is_what_the_filters_select_whatever_the_page(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels
) -> None:
    populate(tracker, 20)
    runner.catch_up()
    for f in (OrderFilter(), OrderFilter(vendor="planviewer"), OrderFilter(open_only=True),
              OrderFilter(needs_person=True), OrderFilter(state="PLACED", vendor="ppw")):
        selected = models.list_orders(OrderFilter(vendor=f.vendor, state=f.state,
                                                  needs_person=f.needs_person,
                                                  open_only=f.open_only, limit=1000))
        assert models.count_orders(OrderFilter(vendor=f.vendor, state=f.state,
                                               needs_person=f.needs_person,
                                               open_only=f.open_only, limit=1)) == len(selected)
    assert models.count_orders(OrderFilter()) == 20
