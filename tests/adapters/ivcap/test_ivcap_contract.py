"""The seed's IVCAP templates: shapes we decode, and their type placeholders refused clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordertrail.adapters.common.errors import VendorProtocolError
from ordertrail.adapters.ivcap.wire import OrderList, OrderListItem, OrderRequest, OrderStatus, decode
from ordertrail.domain import commands as c
from tests.conftest import fixture_bytes


def real_values(template: object) -> object:
    """The template with its type names replaced by values of those types."""
    if isinstance(template, dict):
        return {k: (4096 if k == "size" else real_values(v)) for k, v in template.items()}
    if isinstance(template, list):
        return [real_values(v) for v in template]
    return template


def test_the_status_template_is_refused_naming_the_size_placeholder() -> None:
    with pytest.raises(VendorProtocolError, match=r"products\[0\]\.size"):
        decode(fixture_bytes("ivcap_orders/OrderStatusRT_template.json"), OrderStatus, "t")


def test_the_status_template_with_real_values_decodes() -> None:
    body = json.dumps(real_values(json.loads(fixture_bytes(
        "ivcap_orders/OrderStatusRT_template.json")))).encode()
    order = decode(body, OrderStatus, "OrderStatusRT")
    assert order.products[0].size == 4096 and order.products[0].links
    assert order.products[0].links.data == "string"


def test_the_list_templates_decode() -> None:
    page = decode(fixture_bytes("ivcap_orders/OrderListRT_template.json"), OrderList, "list")
    assert page.links and page.links.next == "uri" and page.orders[0].status == "enum"
    item = decode(fixture_bytes("ivcap_orders/OrderListItem_template.json"), OrderListItem, "item")
    assert item.service_id == "string"


def test_the_request_template_names_the_fields_we_send() -> None:
    template = json.loads(fixture_bytes("ivcap_orders/OrderRequestT_template.json"))
    import msgspec

    sent = msgspec.to_builtins(OrderRequest(service_id="urn:s", account_id="urn:a", name="n"))
    assert set(sent) == set(template)


def test_metadata_is_accepted_as_a_list_or_a_map() -> None:
    for metadata in ([{"name": "refID", "value": "33-444"}], {"refID": "33-444"}):
        body = json.dumps({"id": "o", "status": "pending", "metadata": metadata}).encode()
        assert decode(body, OrderStatus, "x").metadata


@given(st.binary(max_size=300))
def test_arbitrary_bytes_fail_only_with_a_protocol_error(body: bytes) -> None:
    try:
        decode(body, OrderStatus, "x")
    except VendorProtocolError:
        pass


def test_a_poll_dedupe_key_names_the_order_its_status_and_its_products() -> None:
    """The same answer polled twice gives the same dedupe key; a new status or a new product
    gives another (the digest of no products is made once, and equals the computed one)."""
    from uuid import uuid4

    from ordertrail.adapters.ivcap.translate import _products_digest, status_commands

    oid = uuid4()

    def key(body: dict[str, object]) -> str | None:
        status = decode(json.dumps(body).encode(), OrderStatus, "t")
        (command, *_) = status_commands(oid, status, datetime.now(UTC))
        assert isinstance(command, c.Command)
        return command.dedupe_key

    bare = {"id": "urn:ivcap:order:1", "status": "executing"}
    product = {"id": "urn:ivcap:artifact:1", "name": "out.csv", "status": "ready"}
    assert key(bare) == key({**bare, "products": []}) == (
        f"urn:ivcap:order:1:executing:{_products_digest([])}")
    assert key({**bare, "status": "pending"}) != key(bare)
    assert key({**bare, "products": [product]}) not in (key(bare), None)
    assert key({**bare, "products": [product]}) == key({**bare, "products": [product]})
