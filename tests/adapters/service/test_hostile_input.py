"""Garbage posted to the API's write endpoints is a 4xx, never a 5xx, and records nothing.

``ORDERTRAIL_FUZZ_EXAMPLES`` sets how many posts the property test makes (default 300).
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.adapters.service.conftest import Served, call

EXAMPLES = int(os.environ.get("ORDERTRAIL_FUZZ_EXAMPLES", "300"))
POISON = ["1e400", "-1e400", "1" + "0" * 5000, "18446744073709551616", '"\\ud800"',
          '"\\u0000"', "NaN", "[" * 3000 + "]" * 3000, '{"a":' * 200 + "1" + "}" * 200, "null"]


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["bytes", "json", "poisoned field", "poisoned request", "deep"]))
    if how == "bytes":
        return draw(st.binary(max_size=300))
    if how == "json":
        return json.dumps(draw(json_values)).encode()
    if how == "deep":
        request = nested(draw(st.integers(33, 1500)))
        key = draw(st.uuids()).hex
        return json.dumps({"vendor": "ppw", "request": request, "idempotency_key": key}).encode()
    field = draw(st.sampled_from(["vendor", "request", "idempotency_key"]))
    poison = draw(st.sampled_from(POISON))
    key = json.dumps(draw(st.uuids()).hex)
    body = {"vendor": '"ppw"', "request": '{"wo_number": "W"}', "idempotency_key": key}
    if how == "poisoned request":
        body["request"] = '{"wo_number": ' + poison + "}"
    else:
        body[field] = poison
    return ("{" + ", ".join(f'"{k}": {v}' for k, v in body.items()) + "}").encode()


def test_garbage_posted_to_the_api_is_never_a_5xx(served: Served) -> None:
    statuses: dict[int, int] = {}

    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(body=hostile_bodies(), path=st.sampled_from(
        ["/api/orders", "/api/orders/{id}/reconcile", "/api/orders/{id}/resubmit",
         "/api/orders/{id}/cancel", "/api/orders/{id}/choose"]))
    def post(body: bytes, path: str) -> None:
        status, answer, _ = call(served.base, "POST", path.format(id=order_id), raw=body)
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, (body[:200], answer)
        assert status in (200, 201) or "\n" not in answer["error"]

    order_id = served.tracker.request_order("ivcap", {"x": 1}, "target")
    post()
    assert sum(v for k, v in statuses.items() if k >= 500) == 0


def test_garbage_query_strings_and_ids_are_never_a_5xx(served: Served) -> None:
    from urllib.parse import quote, urlencode

    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(params=st.lists(st.tuples(
               st.sampled_from(["limit", "cursor", "vendor", "state", "needs_attention", "days"])
               | st.text(max_size=10), st.text(max_size=40)), max_size=4),
           path=st.sampled_from(["/api/orders", "/api/attention", "/api/report",
                                 "/api/orders/{id}", "/api/orders/{id}/history"]),
           order_id=st.text(min_size=1, max_size=60))
    def get(params: list[tuple[str, str]], path: str, order_id: str) -> None:
        target = path.format(id=quote(order_id, safe="")) + "?" + urlencode(params)
        status, answer, _ = call(served.base, "GET", target)
        assert status < 500, (target, answer)

    get()
