"""Placing and acting through the API: the CLI's rules, a person as the source, nothing
recorded when refused."""

from __future__ import annotations

from uuid import UUID

import pytest

from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from tests.adapters.service.conftest import Served, call

PV_REQUEST = {"intention_uuid": "int-1", "product": "kadastraal-bericht"}


def post_order(served: Served, body: object) -> tuple[int, dict[str, object]]:
    status, answer, _ = call(served.base, "POST", "/api/orders", body)
    return status, answer


def test_a_placed_order_is_201_and_the_same_key_and_request_is_200_with_the_same_order(
        served: Served) -> None:
    body = {"vendor": "planviewer", "request": PV_REQUEST, "idempotency_key": "k-1"}
    status, first = post_order(served, body)
    assert status == 201 and first["state"] == "REQUESTED" and first["idempotency_key"] == "k-1"
    status, again = post_order(served, body)
    assert status == 200 and again["id"] == first["id"]
    assert [e.type for e in served.tracker.history(UUID(str(first["id"])))] == ["OrderRequested"]


def test_the_same_key_with_another_request_is_409_and_records_nothing(served: Served) -> None:
    body = {"vendor": "planviewer", "request": PV_REQUEST, "idempotency_key": "k-2"}
    status, first = post_order(served, body)
    other = {**body, "request": {**PV_REQUEST, "product": "other"}}
    status, answer = post_order(served, other)
    assert status == 409 and "k-2" in str(answer["error"])
    assert served.tracker.get_order(UUID(str(first["id"]))).vendor_request == PV_REQUEST


@pytest.mark.parametrize(("body", "named"), [
    ({"request": PV_REQUEST, "idempotency_key": "k"}, "vendor"),
    ({"vendor": "planviewer", "idempotency_key": "k"}, "request"),
    ({"vendor": "planviewer", "request": PV_REQUEST}, "idempotency_key"),
    ({"vendor": "planviewer", "request": PV_REQUEST, "idempotency_key": ""}, "idempotency_key"),
    ({"vendor": "acme", "request": {}, "idempotency_key": "k"}, "vendor"),
    ({"vendor": "planviewer", "request": [], "idempotency_key": "k"}, "request"),
    ({"vendor": "planviewer", "request": PV_REQUEST, "idempotency_key": "k", "extra": 1}, "extra"),
    ({"vendor": "planomatic", "request": {"payment_method_id": 1}, "idempotency_key": "k"},
     "not configured"),
    ({"vendor": "planviewer", "request": {"product": "p"}, "idempotency_key": "k"},
     "intention_uuid"),
])
def test_a_bad_order_is_400_naming_the_field_and_records_nothing(
        served: Served, body: object, named: str) -> None:
    status, answer = post_order(served, body)
    assert status == 400 and named in str(answer["error"]), answer
    assert "\n" not in str(answer["error"])
    assert call(served.base, "GET", "/api/orders")[1]["total"] == 0


def uncertain(served: Served, key: str) -> UUID:
    order_id = served.tracker.request_order("ivcap", {"x": 1}, key)
    served.tracker.run(c.AttemptSubmission(order_id=order_id, channel="create"))
    served.tracker.run(c.MarkOutcomeUnknown(order_id=order_id, reason="lost"))
    return order_id


def test_a_person_reconciles_through_the_api_and_the_history_says_human(served: Served) -> None:
    found, gone = uncertain(served, "a"), uncertain(served, "b")
    status, answer, _ = call(served.base, "POST", f"/api/orders/{found}/reconcile",
                             {"found": "IV-7"})
    assert status == 200 and answer["order"]["state"] == "PLACED"
    assert answer["order"]["vendor_ref"] == "IV-7"
    status, answer, _ = call(served.base, "POST", f"/api/orders/{gone}/reconcile",
                             {"not_created": True})
    assert status == 200 and answer["order"]["state"] == "REQUESTED"
    assert served.tracker.history(found)[-1].source == "human"


def test_each_action_refused_by_the_lifecycle_is_409_and_records_nothing(served: Served) -> None:
    order_id = served.tracker.request_order("ivcap", {"x": 1}, "fresh")
    for action, body in [("reconcile", {"found": "X"}), ("choose", {"choice": "1"}),
                         ("fail", {"reason": "gone"})]:
        status, answer, _ = call(served.base, "POST", f"/api/orders/{order_id}/{action}", body)
        assert status == 409 and "REQUESTED" in answer["error"], (action, answer)
    assert served.tracker.get_order(order_id).version == 1


@pytest.mark.parametrize(("action", "body", "named"), [
    ("reconcile", {}, "found"),
    ("reconcile", {"found": "X", "not_created": True}, "found"),
    ("resubmit", {"changes": {}}, "field"),
    ("resubmit", {}, "changes"),
    ("cancel", {"confirm": "yes"}, "confirm"),
    ("fail", {}, "reason"),
    ("choose", {"choice": 3}, "choice"),
])
def test_a_bad_action_body_is_400_naming_the_field(served: Served, action: str, body: object,
                                                   named: str) -> None:
    order_id = uncertain(served, "u")
    status, answer, _ = call(served.base, "POST", f"/api/orders/{order_id}/{action}", body)
    assert status == 400 and named in answer["error"], answer
    assert served.tracker.get_order(order_id).state is State.SUBMISSION_UNCERTAIN


def test_cancel_and_resubmit_follow_the_cli_rules(served: Served) -> None:
    fresh = served.tracker.request_order("ivcap", {"x": 1}, "c")
    status, answer, _ = call(served.base, "POST", f"/api/orders/{fresh}/cancel",
                             {"reason": "not needed"})
    assert status == 200 and answer["order"]["state"] == "CANCELLED"
    assert answer["done"] == "cancelled"
    declined = served.tracker.request_order("planviewer", PV_REQUEST, "d")
    served.tracker.run(c.AttemptSubmission(order_id=declined, channel="post"))
    served.tracker.run(c.DeclinePayment(order_id=declined, reason_code="card_expired"))
    status, answer, _ = call(served.base, "POST", f"/api/orders/{declined}/resubmit",
                             {"changes": {"product": "p2"}})
    assert status == 200 and answer["order"]["state"] == "REQUESTED"
    assert served.tracker.get_order(declined).vendor_request["product"] == "p2"


@pytest.mark.parametrize("order_id", ["00000000-0000-0000-0000-000000000000", "zzz"])
@pytest.mark.parametrize("action", ["choose", "reconcile", "resubmit", "cancel", "fail"])
def test_an_action_on_an_unknown_order_is_404(served: Served, order_id: str, action: str) -> None:
    status, answer, _ = call(served.base, "POST", f"/api/orders/{order_id}/{action}",
                             {"reason": "r"})
    assert status == 404 and order_id in answer["error"]
