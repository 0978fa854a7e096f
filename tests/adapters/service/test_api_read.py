"""Reading through the API: pages with a cursor and a total, strict parameters, the CLI's
defaults, one-line 404s."""

from __future__ import annotations

from urllib.parse import quote
from uuid import UUID

import pytest

from ordertrail.adapters.cli.commands_read import report as report_command
from ordertrail.adapters.cli.commands_read import status as status_command
from ordertrail.adapters.service.api_types import AttentionQuery, OrdersQuery, ReportQuery
from ordertrail.domain import commands as c
from ordertrail.domain.vocabulary import Initiator
from tests.adapters.service.conftest import Served, call

WORK_ORDER = {"address": "1 Main St", "city": "X", "state": "IL", "zip": "1",
              "date_due": "20261201"}


def place(served: Served, count: int) -> list[UUID]:
    return [served.tracker.request_order("ppw", {**WORK_ORDER, "wo_number": f"WO-{n}"},
                                         f"WO-{n}") for n in range(count)]


def test_pages_follow_the_cursor_through_every_order_once(served: Served) -> None:
    ids = place(served, 7)
    seen: list[str] = []
    path = "/api/orders?limit=3"
    while True:
        status, page, _ = call(served.base, "GET", path)
        assert status == 200 and page["total"] == 7
        seen += [row["order_id"] for row in page["orders"]]
        if page["next_cursor"] is None:
            break
        path = f"/api/orders?limit=3&cursor={quote(page['next_cursor'])}"
    assert sorted(seen) == sorted(map(str, ids)) and len(seen) == 7


def test_the_total_counts_the_filtered_orders_not_the_page(served: Served) -> None:
    ids = place(served, 4)
    served.tracker.run(c.Cancel(order_id=ids[0], initiator=Initiator.USER, reason="no"))
    status, page, _ = call(served.base, "GET", "/api/orders?state=CANCELLED&limit=1")
    assert status == 200 and page["total"] == 1 and page["next_cursor"] is None
    assert [row["order_id"] for row in page["orders"]] == [str(ids[0])]
    status, page, _ = call(served.base, "GET", "/api/orders?vendor=ppw&state=REQUESTED")
    assert page["total"] == 3 and page["next_cursor"] is None


@pytest.mark.parametrize(("query", "named", "allowed"), [
    ("limit=abc", "limit", "1 to 1000"),
    ("limit=-1", "limit", "1 to 1000"),
    ("limit=0", "limit", "1 to 1000"),
    ("limit=100000", "limit", "1 to 1000"),
    ("vendor=acme", "vendor", "planviewer"),
    ("state=NOPE", "state", "IN_PROGRESS"),
    ("needs_attention=maybe", "needs_attention", "true or false"),
    ("cursor=not-a-cursor", "cursor", "next_cursor"),
    ("cursor=W10", "cursor", "next_cursor"),
    ("verbose=1", "verbose", "allowed: cursor, limit"),
    ("limit=1&limit=2", "limit", "more than once"),
])
def test_a_bad_parameter_is_400_naming_it_and_what_is_allowed(
        served: Served, query: str, named: str, allowed: str) -> None:
    status, body, _ = call(served.base, "GET", f"/api/orders?{query}")
    assert status == 400
    assert named in body["error"] and allowed in body["error"] and "\n" not in body["error"]


@pytest.mark.parametrize("path", ["/api/report?days=0", "/api/report?days=x",
                                  "/api/attention?limit=5000", "/api/attention?x=1",
                                  "/api/orders/00000000-0000-0000-0000-000000000000?x=1"])
def test_every_endpoint_checks_its_parameters(served: Served, path: str) -> None:
    assert call(served.base, "GET", path)[0] == 400


def test_the_defaults_are_the_cli_s() -> None:
    defaults = {p.name: p.default for p in status_command.params}
    assert OrdersQuery().limit == defaults["limit"]
    assert AttentionQuery().limit == defaults["limit"]
    assert ReportQuery().days == {p.name: p.default for p in report_command.params}["days"]


@pytest.mark.parametrize("path", ["/api/orders/{id}", "/api/orders/{id}/history"])
@pytest.mark.parametrize("order_id", ["00000000-0000-0000-0000-000000000000", "not-an-id"])
def test_an_unknown_order_is_404_in_one_line(served: Served, path: str, order_id: str) -> None:
    status, body, _ = call(served.base, "GET", path.format(id=order_id))
    assert status == 404 and order_id in body["error"] and "\n" not in body["error"]


def test_attention_pages_oldest_first_with_a_total(served: Served) -> None:
    ids = place(served, 3)
    for order_id in ids:
        served.tracker.run(c.AttemptSubmission(order_id=order_id, channel="post"))
        served.tracker.run(c.MarkOutcomeUnknown(order_id=order_id, reason="lost"))
    status, first, _ = call(served.base, "GET", "/api/attention?limit=2")
    assert status == 200 and first["total"] >= 3 and len(first["attention"]) == 2
    cursor = quote(first["next_cursor"])
    status, second, _ = call(served.base, "GET", f"/api/attention?limit=2&cursor={cursor}")
    items = first["attention"] + second["attention"]
    assert {str(i) for i in ids} <= {item["order_id"] for item in items}
    assert [item["since"] for item in items] == sorted(item["since"] for item in items)


def test_unknown_paths_and_methods_answer_one_line_of_json(served: Served) -> None:
    assert call(served.base, "GET", "/api/nope")[0] == 404
    status, body, headers = call(served.base, "DELETE", "/api/orders")
    assert status == 405 and "DELETE" in body["error"]
    assert set(headers["Allow"].split(",")) >= {"GET", "POST"}
