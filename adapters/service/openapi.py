"""The API's OpenAPI 3.1 document, served at ``GET /api/openapi.json``.

Written as data: one entry per operation (``OPERATIONS``), with the query parameters and
bodies taken from the msgspec Structs the handlers decode (``api_types``), so the
documented types are the checked ones. A test holds the operations and the routes together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import msgspec

from ordertrail import __version__
from ordertrail.adapters.service import api_types as t

REF = "#/components/schemas/{name}"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    responses: dict[int, str]
    query: type[msgspec.Struct] = t.NoQuery
    body: type[msgspec.Struct] | None = None
    tags: tuple[str, ...] = field(default=("orders",))


ORDER_ERRORS = {404: "no such order (or a malformed id)"}
ACTION_ERRORS = {400: "a body field is wrong (named)", **ORDER_ERRORS,
                 409: "the order's state refuses the action; nothing recorded"}
OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/api/orders", "Orders, most recently requested first, a page at a time "
              "(as `ordertrail status`)", {200: "`orders`, `total`, `next_cursor`",
                                           400: "a query parameter is wrong (named)"},
              query=t.OrdersQuery),
    Operation("POST", "/api/orders", "Request an order (as `ordertrail place`)",
              {201: "the order, created", 200: "the order this key already names, same request",
               400: "a body field is wrong, the vendor is not configured, or the vendor's own "
                    "check refuses the request", 409: "the key names a different request"},
              body=t.PlaceOrder),
    Operation("GET", "/api/orders/{order_id}", "One order now", {200: "the order", **ORDER_ERRORS}),
    Operation("GET", "/api/orders/{order_id}/history", "The order's audit timeline",
              {200: "`events`", **ORDER_ERRORS}),
    Operation("POST", "/api/orders/{order_id}/choose", "Answer the vendor's question "
              "(which parcel, say)", {200: "`done` and the order", **ACTION_ERRORS,
                                             502: "the vendor failed to take the answer"},
              body=t.Choose, tags=("actions",)),
    Operation("POST", "/api/orders/{order_id}/reconcile", "Settle an uncertain submission",
              {200: "`done` and the order", **ACTION_ERRORS}, body=t.Reconcile, tags=("actions",)),
    Operation("POST", "/api/orders/{order_id}/resubmit", "Send a declined order again with "
              "changes", {200: "`done` and the order", **ACTION_ERRORS}, body=t.Resubmit,
              tags=("actions",)),
    Operation("POST", "/api/orders/{order_id}/cancel", "Cancel, or ask the vendor to",
              {200: "`done` and the order", **ACTION_ERRORS}, body=t.Cancel, tags=("actions",)),
    Operation("POST", "/api/orders/{order_id}/fail", "Close a placed order as failed",
              {200: "`done` and the order", **ACTION_ERRORS}, body=t.Fail, tags=("actions",)),
    Operation("GET", "/api/attention", "What needs a person, oldest first",
              {200: "`attention`, `total`, `next_cursor`", 400: "a query parameter is wrong"},
              query=t.AttentionQuery, tags=("read",)),
    Operation("GET", "/api/report", "Per vendor and day (as `ordertrail report`)",
              {200: "`days`, `vendors`, `vendor_health`", 400: "a query parameter is wrong"},
              query=t.ReportQuery, tags=("read",)),
    Operation("GET", "/api/openapi.json", "This document", {200: "OpenAPI 3.1"}, tags=("read",)),
)
BODIES = tuple(op.body for op in OPERATIONS if op.body is not None)
ERROR = {"type": "object", "required": ["error"],
         "properties": {"error": {"type": "string", "description": "one line"}}}


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    if "{order_id}" in op.path:
        params.append({"name": "order_id", "in": "path", "required": True,
                       "schema": {"type": "string", "format": "uuid"}})
    properties = schemas[op.query.__name__].get("properties", {})
    params += [{"name": name, "in": "query", "required": False, "schema": schema}
               for name, schema in properties.items()]
    return params


def _responses(op: Operation) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for status, text in op.responses.items():
        schema = {"type": "object"} if status < 400 else {"$ref": REF.format(name="Error")}
        answers[str(status)] = {"description": text,
                                "content": {"application/json": {"schema": schema}}}
    answers["401"] = {"description": "a token is configured and the request lacks it",
                      "content": {"application/json": {"schema": {"$ref": REF.format(
                          name="Error")}}}}
    return answers


def _operation(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "summary": op.summary, "tags": list(op.tags),
        "operationId": op.method.lower() + op.path.replace("/api", "").replace("/", "_")
        .replace("{", "").replace("}", "").replace(".", "_"),
        "parameters": _parameters(op, schemas), "responses": _responses(op),
    }
    if op.body is not None:
        entry["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(name=op.body.__name__)}}}}
    return entry


@cache
def document() -> dict[str, Any]:
    """The whole document (built once)."""
    queries = tuple(sorted({op.query for op in OPERATIONS}, key=lambda q: q.__name__))
    _, schemas = msgspec.json.schema_components((*BODIES, *queries), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
    components = {name: schema for name, schema in schemas.items()
                  if name not in {q.__name__ for q in queries}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ordertrail", "version": __version__,
                 "description": "Orders placed with outside vendors: read them, place them, "
                                "settle what needs a person."},
        "components": {"schemas": {**components, "Error": ERROR},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
