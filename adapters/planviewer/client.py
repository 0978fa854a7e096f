"""The Planviewer client: one ``_request`` choke point, HTTP Basic auth, typed outcomes.

jobs/order is never retried: a lost answer may still have created a billed
job. Status polls and the KIK calls are retried on 5xx and network errors with
capped exponential backoff and jitter.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec

from ordertrail.adapters.common.errors import VendorAuthError, VendorError, VendorUnavailableError
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.planviewer.wire import (
    VENDOR,
    CapError,
    JobStatus,
    OrderedJob,
    Product,
    Waiting,
    decode,
    elements,
    raw,
)

log = logging.getLogger(__name__)


class InvalidUuidsError(VendorError):
    """jobs/status answered 400: a uuid in the list is bad."""


@dataclass(frozen=True)
class OrderAnswer:
    """What jobs/order said. ``kind``: placed | daily_cap | payment_required | invalid |
    unauthorized | lost | not_sent | unexpected."""

    kind: str
    http_status: int | None = None
    job_uuid: str | None = None
    raw: Any = None
    reason: str | None = None


class PlanviewerClient:
    def __init__(self, session: aiohttp.ClientSession, config: PlanviewerConfig) -> None:
        self._session = session
        self._config = config
        self._authorization = aiohttp.encode_basic_auth(
            config.access_key_id, config.access_key_secret.reveal()
        )
        # Made once: a sync pass sends thousands of requests with the same headers and timeout.
        self._headers = {"Accept": "application/json", "Authorization": self._authorization}
        self._timeout = aiohttp.ClientTimeout(total=config.request_timeout_seconds)

    def __repr__(self) -> str:
        return f"PlanviewerClient(base_url={self._config.base_url!r}, secret=***)"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self._authorization}

    def retrieve_url(self, job_uuid: str) -> str:
        return self._config.url(f"jobs/retrieve/{job_uuid}")

    async def order(self, intention_uuid: str) -> OrderAnswer:
        timeout = aiohttp.ClientTimeout(total=self._config.order_timeout_seconds, sock_connect=10)
        try:
            status, body = await self._request(
                "POST", "jobs/order", json={"uuids": [intention_uuid]}, timeout=timeout
            )
        except aiohttp.ClientConnectorError as error:
            return OrderAnswer("not_sent", reason=type(error).__name__)
        except (TimeoutError, aiohttp.ClientError) as error:
            return OrderAnswer("lost", reason=type(error).__name__)
        return _order_answer(status, body, intention_uuid)

    async def status(self, job_uuids: list[str]) -> list[tuple[JobStatus, msgspec.Raw]]:
        """Each job's status, with the JSON Planviewer sent for it, verbatim."""
        status, body = await self._retrying("GET", "jobs/status",
                                            params=[("uuids[]", u) for u in job_uuids])
        if status == 400:
            raise InvalidUuidsError(VENDOR, f"jobs/status refused {len(job_uuids)} uuid(s)")
        self._check(status, "jobs/status")
        jobs = decode(body, list[JobStatus], "jobs/status")  # the errors name the field
        return list(zip(jobs, elements(body), strict=True))

    async def products(self) -> list[Product]:
        """The products the account may order: a safe read, used to prove the credentials."""
        status, body = await self._retrying("GET", "products/list")
        self._check(status, "products/list")
        return decode(body, list[Product], "products/list")

    async def waiting(self, job_uuid: str) -> Waiting:
        status, body = await self._retrying("GET", f"kik/waiting/{job_uuid}")
        self._check(status, "kik/waiting")
        return decode(body, Waiting, "kik/waiting")

    async def select(self, job_uuid: str, key: str) -> None:
        status, _ = await self._request("POST", f"kik/select/{job_uuid}",
                                        json={"select": [int(key)]})
        self._check(status, "kik/select")

    def _check(self, status: int, what: str) -> None:
        if status == 401:
            raise VendorAuthError(VENDOR, f"{what}: access key refused (401)", status)
        if status >= 500:
            raise VendorUnavailableError(VENDOR, f"{what}: HTTP {status}")
        if status >= 300:
            raise VendorError(VENDOR, f"{what}: HTTP {status}")

    async def _retrying(self, method: str, path: str, **kwargs: Any) -> tuple[int, bytes]:
        """Safe, idempotent reads: retried on 5xx and network errors, capped backoff + jitter."""
        delay = 0.2
        for attempt in range(self._config.retries + 1):
            try:
                status, body = await self._request(method, path, **kwargs)
                if status < 500 or attempt == self._config.retries:
                    return status, body
            except (TimeoutError, aiohttp.ClientError):
                if attempt == self._config.retries:
                    raise
            await asyncio.sleep(min(delay, 5.0) * random.uniform(0.5, 1.5))
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request(self, method: str, path: str, *, timeout: aiohttp.ClientTimeout | None = None,
                       **kwargs: Any) -> tuple[int, bytes]:
        async with self._session.request(
            method, self._config.url(path), timeout=timeout or self._timeout,
            headers=self._headers, **kwargs,
        ) as response:
            return response.status, await response.read()


def _order_answer(status: int, body: bytes, intention_uuid: str) -> OrderAnswer:
    if status == 200:
        pairs = decode(body, list[OrderedJob], "jobs/order")
        for pair in pairs:
            if pair.uuid == intention_uuid:
                return OrderAnswer("placed", status, pair.job.uuid, raw(body))
        return OrderAnswer("lost", status, raw=raw(body), reason="no job for our intention")
    if status == 429:
        try:
            decode(body, list[CapError], "jobs/order 429")
        except VendorError:
            log.warning("planviewer: 429 with an unexpected body")
        return OrderAnswer("daily_cap", status, raw=raw(body))
    kinds = {402: "payment_required", 400: "invalid", 401: "unauthorized"}
    if status in kinds:
        return OrderAnswer(kinds[status], status, raw=raw(body) if body else None)
    if status >= 500:
        return OrderAnswer("lost", status, raw=raw(body) if body else None, reason=f"HTTP {status}")
    return OrderAnswer("unexpected", status, raw=raw(body) if body else None)
