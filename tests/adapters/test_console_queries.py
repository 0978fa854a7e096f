"""The console's orders query on SQLite and PostgreSQL: filters, search by id prefix, vendor
reference or idempotency key, lifecycle-ordered sorting, and pages with a total."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ordertrail.adapters.service.console.queries import ListQuery, list_page, vendors
from ordertrail.adapters.service.read_side import ProjectedReadSide
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker


@pytest.fixture
def orders(tracker: Tracker, store_url: str) -> Iterator[tuple[ProjectedReadSide, dict[str, UUID]]]:
    ids = {f"po-{n}": tracker.request_order("planomatic", {"payment_method_id": n}, f"po-{n}")
           for n in range(7)}
    ids["iv-x"] = tracker.request_order("ivcap", {"parameters": []}, "iv-50%_off")
    for n in (1, 2, 3):
        order_id = ids[f"po-{n}"]
        tracker.execute([c.AttemptSubmission(order_id=order_id, channel="pay_and_submit"),
                         c.AcceptPayment(order_id=order_id),
                         c.Place(order_id=order_id, vendor_ref=f"PO-10{n}",
                                 vendor_ref_kind="planomatic.order_id")])
    tracker.run(c.AttemptSubmission(order_id=ids["po-4"], channel="pay_and_submit"))
    tracker.run(c.DeclinePayment(order_id=ids["po-4"], reason_code="card_expired"))
    read_side = ProjectedReadSide(tracker, store_url)
    try:
        yield read_side, ids
    finally:
        read_side.close()


def keys(read_side: ProjectedReadSide, **query: object) -> list[str]:
    page = list_page(read_side.current().engine, ListQuery(**query))  # type: ignore[arg-type]
    return [r.idempotency_key for r in page.rows]


def test_filters_and_search_find_exactly_the_matching_orders(
        orders: tuple[ProjectedReadSide, dict[str, UUID]]) -> None:
    read_side, ids = orders
    engine = read_side.current().engine
    assert vendors(engine) == ["ivcap", "planomatic"]
    assert sorted(keys(read_side, vendor="ivcap")) == ["iv-50%_off"]
    assert sorted(keys(read_side, state="PLACED")) == ["po-1", "po-2", "po-3"]
    assert keys(read_side, needs_person=True) == ["po-4"]
    assert sorted(keys(read_side, search="PO-10")) == ["po-1", "po-2", "po-3"]  # vendor reference
    assert keys(read_side, search="po-5") == ["po-5"]  # idempotency key
    assert keys(read_side, search="iv-50%") == ["iv-50%_off"]
    assert keys(read_side, search="iv-5_%") == []  # LIKE wildcards are taken literally
    text = str(ids["po-6"])
    for prefix in (text[:8], text[:13], text[:13].replace("-", ""), text):
        assert keys(read_side, search=prefix) == ["po-6"], prefix
    today = datetime.now(UTC).date()
    assert sorted(keys(read_side, placed_from=today, placed_to=today)) == ["po-1", "po-2", "po-3"]
    assert keys(read_side, placed_to=today - timedelta(days=1)) == []


def test_pages_carry_the_total_and_states_sort_in_lifecycle_order(
        orders: tuple[ProjectedReadSide, dict[str, UUID]]) -> None:
    read_side, _ = orders
    engine = read_side.current().engine
    first = list_page(engine, ListQuery(sort="state", descending=False, per_page=3))
    second = list_page(engine, ListQuery(sort="state", descending=False, per_page=3, page=3))
    assert first.total == second.total == 8 and first.pages == 3
    assert (first.first, first.last, second.first, second.last) == (1, 3, 7, 8)
    every = list_page(engine, ListQuery(sort="state", descending=False, per_page=25)).rows
    lifecycle = list(State)
    ranks = [lifecycle.index(State(r.state)) for r in every]
    assert ranks == sorted(ranks) and every[-1].state == "PLACED"
    assert list_page(engine, ListQuery(page=9)).rows == []
