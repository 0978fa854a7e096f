"""The IVCAP client: one ``_request`` choke point, Bearer auth, typed answers.

POST /1/orders is never retried blindly: a lost answer is reconciled by
listing orders by our name. Reads are retried on 5xx and network errors with
capped exponential backoff and jitter.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import aiohttp
import msgspec

from ordertrail.adapters.common.errors import VendorAuthError, VendorError, VendorUnavailableError
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.ivcap.wire import (
    VENDOR,
    ErrorBody,
    OrderList,
    OrderListItem,
    OrderRequest,
    OrderStatus,
    decode,
    raw,
)

KINDS = {403: "forbidden", 404: "not_found", 422: "invalid_parameter", 501: "not_implemented",
         503: "unavailable", 401: "needs_reauth"}


@dataclass(frozen=True)
class CreateAnswer:
    """kind: created | needs_reauth | bad_request | forbidden | not_found | invalid_parameter |
    not_implemented | unavailable | lost | not_sent | unexpected"""

    kind: str
    http_status: int | None = None
    order: OrderStatus | None = None
    error: ErrorBody | None = None
    raw: Any = None
    reason: str | None = None


class ReadRefused(VendorError):
    """A read of one placed order was refused: 404 (not found), 403 (scope) or 501."""

    def __init__(self, vendor: str, message: str, status: int) -> None:
        super().__init__(vendor, message)
        self.status = status


class IvcapClient:
    def __init__(self, session: aiohttp.ClientSession, config: IvcapConfig) -> None:
        self._session = session
        self._config = config
        # Made once: a sync pass sends thousands of requests with the same headers and timeout.
        self._read_headers = {"Accept": "application/json", **self.auth_headers}
        self._write_headers = {**self._read_headers, "Content-Type": "application/json"}
        self._timeout = aiohttp.ClientTimeout(total=config.request_timeout_seconds)

    def __repr__(self) -> str:
        return f"IvcapClient(base_url={self._config.base_url!r}, token=***)"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._config.token.reveal()}"}

    async def create(self, request: OrderRequest) -> CreateAnswer:
        timeout = aiohttp.ClientTimeout(total=self._config.create_timeout_seconds, sock_connect=10)
        try:
            status, body = await self._request("POST", self._config.url("orders"),
                                               data=msgspec.json.encode(request), timeout=timeout)
        except aiohttp.ClientConnectorError as error:
            return CreateAnswer("not_sent", reason=type(error).__name__)
        except (TimeoutError, aiohttp.ClientError) as error:
            return CreateAnswer("lost", reason=type(error).__name__)
        return _create_answer(status, body)

    async def read(self, order_id: str) -> OrderStatus:
        return (await self.read_answer(order_id))[0]

    async def read_answer(self, order_id: str) -> tuple[OrderStatus, bytes]:
        """The order, and the body it was decoded from (a valid JSON document)."""
        status, body = await self._retrying(self._config.url(f"orders/{order_id}"))
        if status in (403, 404, 501):
            raise ReadRefused(VENDOR, f"GET /1/orders/{order_id} answered HTTP {status}", status)
        self._check(status, "GET /1/orders/{id}", body)
        return decode(body, OrderStatus, "GET /1/orders/{id}"), body

    async def probe(self) -> None:
        """One page of one order: a safe read, used to prove the credentials work."""
        status, body = await self._retrying(self._config.url("orders"), params={"limit": "1"})
        self._check(status, "GET /1/orders", body)

    async def list_by_name(self, name: str) -> list[OrderListItem]:
        """Every order named ``name``, following ``links.next`` page by page."""
        url: str | None = self._config.url("orders")
        literal = name.replace("'", "''")  # OData escapes a quote by doubling it
        params: dict[str, str] | None = {"$filter": f"name eq '{literal}'", "limit": "50"}
        found: list[OrderListItem] = []
        for _ in range(100):
            assert url is not None
            status, body = await self._retrying(url, params=params)
            self._check(status, "GET /1/orders", body)
            page = decode(body, OrderList, "GET /1/orders")
            found += [o for o in page.orders if o.name == name]
            nxt = page.links.next if page.links else None
            if not nxt:
                return found
            url, params = urljoin(self._config.base_url + "/", nxt), None
        return found

    def _check(self, status: int, what: str, body: bytes) -> None:
        if status == 401 or (status == 400 and not body.strip()):
            raise VendorAuthError(VENDOR, f"{what}: credential refused (HTTP {status})", status)
        if status >= 500:
            raise VendorUnavailableError(VENDOR, f"{what}: HTTP {status}")
        if status >= 300:
            raise VendorError(VENDOR, f"{what}: HTTP {status}")

    async def _retrying(self, url: str, **kwargs: Any) -> tuple[int, bytes]:
        delay = 0.2
        for attempt in range(self._config.retries + 1):
            try:
                # The GET itself, not through ``_request``: a pass sends one per open order.
                async with self._session.get(url, headers=self._read_headers,
                                             timeout=self._timeout, **kwargs) as response:
                    status, body = response.status, await response.read()
                if status < 500 or attempt == self._config.retries:
                    return status, body
            except (TimeoutError, aiohttp.ClientError):
                if attempt == self._config.retries:
                    raise
            await asyncio.sleep(min(delay, 5.0) * random.uniform(0.5, 1.5))
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request(self, method: str, url: str, *, timeout: aiohttp.ClientTimeout | None = None,
                       **kwargs: Any) -> tuple[int, bytes]:
        headers = self._write_headers if "data" in kwargs else self._read_headers
        async with self._session.request(method, url, headers=headers,
                                         timeout=timeout or self._timeout, **kwargs) as response:
            return response.status, await response.read()


def _create_answer(status: int, body: bytes) -> CreateAnswer:
    if status in (200, 201):
        return CreateAnswer("created", status, order=decode(body, OrderStatus, "POST /1/orders"),
                            raw=raw(body))
    if status == 400:
        if not body.strip():
            return CreateAnswer("needs_reauth", status, reason="invalid credential")
        return CreateAnswer("bad_request", status, error=_error(body), raw=raw(body))
    if status in KINDS:
        return CreateAnswer(KINDS[status], status, error=_error(body) if body.strip() else None,
                            raw=raw(body) if body.strip() else None)
    if status >= 500:
        return CreateAnswer("lost", status, raw=raw(body) if body.strip() else None,
                            reason=f"HTTP {status}")
    return CreateAnswer("unexpected", status, raw=raw(body) if body.strip() else None)


def _error(body: bytes) -> ErrorBody | None:
    try:
        return decode(body, ErrorBody, "error body")
    except VendorError:
        return None
