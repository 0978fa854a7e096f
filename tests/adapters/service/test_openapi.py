"""The OpenAPI document and the routes that exist describe the same API."""

from __future__ import annotations

import re

from aiohttp import web

from ordertrail.adapters.service.openapi import OPERATIONS
from tests.adapters.service.conftest import Served, call


def api_routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route the served app has under /api, as OpenAPI spells it."""
    found: set[tuple[str, str]] = set()
    for resource in app.router.resources():
        info = resource.get_info()
        sub = info.get("app")
        if sub is None:
            continue
        for route in sub.router.routes():  # mounted: their paths include the prefix
            if route.method != "HEAD" and route.resource is not None:
                found.add((route.method, route.resource.canonical))
    return {(m, p) for m, p in found if p.startswith("/api")}


def test_every_documented_operation_is_a_route_and_every_route_is_documented(
        served: Served) -> None:
    status, document, _ = call(served.base, "GET", "/api/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, methods in document["paths"].items()
                  for method in methods}
    assert documented == api_routes(served.app)
    assert documented == {(op.method, op.path) for op in OPERATIONS}


def test_every_documented_query_parameter_is_one_the_endpoint_accepts(served: Served) -> None:
    document = call(served.base, "GET", "/api/openapi.json")[1]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method != "get" or "{" in path:
                continue
            for param in operation["parameters"]:
                status, body, _ = call(served.base, "GET", f"{path}?{param['name']}=%00")
                assert "unknown query parameter" not in body.get("error", ""), (path, param)
            status, body, _ = call(served.base, "GET", f"{path}?undocumented=1")
            assert status == 400 and "undocumented" in body["error"], path


def test_every_schema_reference_resolves(served: Served) -> None:
    document = call(served.base, "GET", "/api/openapi.json")[1]
    text = str(document)
    names = set(re.findall(r"#/components/schemas/([A-Za-z]+)", text))
    assert names and names <= set(document["components"]["schemas"])
