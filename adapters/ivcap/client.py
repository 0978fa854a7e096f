"""The IVCAP client: Bearer auth on the common ``VendorHttp`` choke point.

POST /1/orders is never retried blindly: a lost answer is reconciled by
listing orders by our name (B.7 I2). Reads are safe, retried on 429, 5xx and
network errors (``VendorHttp._read``).
"""

from __future__ import annotations

from urllib.parse import urljoin

import aiohttp
import msgspec

from ordertrail.adapters.common.errors import VendorAuthError, VendorError
from ordertrail.adapters.common.http import Answer, VendorHttp
from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
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
from ordertrail.domain.vocabulary import Classification

READ = "GET /1/orders/{id}"
LIST = "GET /1/orders"


class ReadRefused(VendorError):
    """A read of one placed order was refused: 404 (not found), 403 (scope) or 501."""

    def __init__(self, vendor: str, message: str, status: int) -> None:
        super().__init__(vendor, message)
        self.status = status


class IvcapClient(VendorHttp):
    def __init__(self, session: aiohttp.ClientSession, config: IvcapConfig) -> None:
        self._config = config
        headers = {"Accept": "application/json", **self.auth_headers}
        super().__init__(session, VENDOR, headers=headers,
                         timeout=aiohttp.ClientTimeout(total=config.request_timeout_seconds),
                         retries=config.retries)
        self._write_headers = {**headers, "Content-Type": "application/json"}
        self._create_timeout = aiohttp.ClientTimeout(total=config.create_timeout_seconds,
                                                     sock_connect=10)

    def __repr__(self) -> str:
        return f"IvcapClient(base_url={self._config.base_url!r}, token=***)"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._config.token.reveal()}"}

    async def create(self, request: OrderRequest) -> SubmitOutcome:
        """POST /1/orders, sent once."""
        return await self._submit("POST", self._config.url("orders"), create_outcome,
                                  data=msgspec.json.encode(request),
                                  headers=self._write_headers, timeout=self._create_timeout)

    async def read(self, order_id: str) -> OrderStatus:
        return (await self.read_answer(order_id))[0]

    async def read_answer(self, order_id: str) -> tuple[OrderStatus, bytes]:
        """The order, and the body it was decoded from (a valid JSON document)."""
        answer = await self._read(self._config.url(f"orders/{order_id}"), READ)
        return decode(answer.body, OrderStatus, READ), answer.body

    async def probe(self) -> None:
        """One page of one order: a safe read, used to prove the credentials work."""
        await self._read(self._config.url("orders"), LIST, params={"limit": "1"})

    async def list_by_name(self, name: str) -> list[OrderListItem]:
        """Every order named ``name``, following ``links.next`` page by page."""
        url: str | None = self._config.url("orders")
        literal = name.replace("'", "''")  # OData escapes a quote by doubling it
        params: dict[str, str] | None = {"$filter": f"name eq '{literal}'", "limit": "50"}
        found: list[OrderListItem] = []
        for _ in range(100):
            assert url is not None
            answer = await self._read(url, LIST, params=params)
            page = decode(answer.body, OrderList, LIST)
            found += [o for o in page.orders if o.name == name]
            nxt = page.links.next if page.links else None
            if not nxt:
                return found
            url, params = urljoin(self._config.base_url + "/", nxt), None
        return found

    def _vendor_error(self, answer: Answer, what: str) -> VendorError | None:
        status = answer.status
        if status == 400 and not answer.body.strip():
            # B.7: the seed-era API answers an invalid credential with an empty 400.
            return VendorAuthError(VENDOR, f"{what}: credential refused (HTTP 400)", status)
        if status in (403, 404, 501) and what == READ:
            return ReadRefused(VENDOR, f"{what} answered HTTP {status}", status)
        return None


REFUSALS = {
    403: ("forbidden_scope", Classification.NEEDS_HUMAN),
    404: ("resource_not_found", Classification.TERMINAL),
    422: ("invalid_parameter", Classification.TERMINAL),
    501: ("not_implemented", Classification.NEEDS_HUMAN),
}
"""POST /1/orders refusals with an error body: nothing was created (B.7 I2)."""


def create_outcome(answer: Answer) -> SubmitOutcome:
    """What POST /1/orders's answer means (B.7 I2)."""
    status, body = answer.status, answer.body
    kept = raw(body) if body.strip() else None
    if status in (200, 201):
        try:
            order = decode(body, OrderStatus, "POST /1/orders")
        except VendorError as error:
            return SubmitOutcome.lost(str(error), status, kept)
        return placed(order, kept, status)
    if status == 401 or (status == 400 and not body.strip()):
        # B.7: a 401, or a 400 with an empty body (the seed-era invalid-credential).
        return SubmitOutcome(Outcome.REAUTH, status, message=f"credential refused (HTTP {status})")
    if status == 400:
        return SubmitOutcome(Outcome.REJECTED, status, reason_code="bad_request",
                             vendor_code="400", data=_error(body), raw=kept)
    if status in REFUSALS:
        reason, classification = REFUSALS[status]
        return SubmitOutcome(Outcome.REJECTED, status, classification, vendor_code=str(status),
                             reason_code=reason, data=_error(body) if kept else None, raw=kept)
    if status == 503:
        # Nothing was processed (B.7 I2); the retry reconciles first (adapter.submit).
        return SubmitOutcome(Outcome.FAILED, status, Classification.RETRYABLE,
                             message="service unavailable", raw=kept,
                             retry_after=answer.retry_after)
    if status == 429:
        # Not in the seed: a gateway's rate limit refuses before the API sees the request.
        return SubmitOutcome(Outcome.LIMITED, status, message="rate limited", raw=kept,
                             retry_after=answer.retry_after)
    if status >= 500:
        return SubmitOutcome.lost(f"HTTP {status}", status, kept)
    return SubmitOutcome(Outcome.FAILED, status, message=f"unexpected HTTP {status}", raw=kept)


def placed(order: OrderStatus, kept: object, status: int = 200) -> SubmitOutcome:
    """IVCAP has the order: from the create's answer, or found by name (reconciliation)."""
    return SubmitOutcome(Outcome.PLACED, status, vendor_ref=order.id, data=order, raw=kept)


def _error(body: bytes) -> ErrorBody | None:
    try:
        return decode(body, ErrorBody, "error body")
    except VendorError:
        return None
