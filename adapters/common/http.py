"""The base every vendor client we call is built on: one ``_request`` choke point.

Every request a client sends goes through ``VendorHttp._request``. Around it:

- ``_read``: a safe read. 429, 5xx and network failures are retried by
  ``stamina`` (exponential backoff with jitter), honouring the vendor's
  ``Retry-After`` (seconds or an HTTP date) up to ``LONGEST_WAIT``; the count
  is the vendor's configured ``retries``. What is still wrong afterwards is
  raised as a typed ``VendorError``.
- ``_call``: a request sent once whose answer must be 2xx (a person's choice,
  a session): typed errors as for reads, never retried.
- ``_submit``: a request that may create an order or charge. Sent exactly once,
  never retried here: its answer, or its loss, becomes a ``SubmitOutcome``.

Status codes become typed errors in one place, ``_error_for``; a vendor adds
its own meanings (``_vendor_error``) in its folder (style.md 5, gidgethub's
``sansio.decipher_response``).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import aiohttp
import stamina

from ordertrail.adapters.common.errors import VendorAuthError, VendorError, VendorUnavailableError
from ordertrail.adapters.common.outcome import SubmitOutcome

log = logging.getLogger(__name__)
WAIT_INITIAL = 0.2
"""Seconds before the first retry of a read, doubled for each next one..."""
WAIT_MAX = 5.0
"""... up to this many."""
WAIT_JITTER = 0.2
"""Up to this many seconds are added at random, so clients do not retry in step."""
LONGEST_WAIT = 30.0
"""A ``Retry-After`` up to this long is waited out within the call; a longer one ends the
call with ``VendorUnavailableError.retry_after`` set (the next pass asks again)."""
TRANSPORT = (TimeoutError, aiohttp.ClientError)
"""What aiohttp raises when a request or its answer is lost on the way."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A vendor's whole answer: status, body, and the wait it asked for (429 and 5xx)."""

    status: int
    body: bytes
    retry_after: float | None = None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header's wait in seconds: delay-seconds or an HTTP date (RFC 9110
    10.2.3); None when absent or unreadable, 0 for a date in the past."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _backoff(error: Exception) -> bool | float:
    """stamina's hook: whether to retry after ``error``, and how long to wait when the
    vendor said (its ``Retry-After`` plus up to a tenth more, so clients spread out)."""
    if not isinstance(error, VendorUnavailableError):
        return False
    wait = error.retry_after
    if wait is None:
        return True
    if wait > LONGEST_WAIT:
        return False
    return wait + random.uniform(0, wait / 10)


class VendorHttp:
    """The HTTP side of one vendor's client. Takes the application's ``ClientSession`` (it
    stays the caller's: ``async with`` closes nothing), the headers every request carries,
    and the vendor's configured timeout and number of retries of a safe read."""

    def __init__(self, session: aiohttp.ClientSession, vendor: str, *,
                 headers: Mapping[str, str], timeout: aiohttp.ClientTimeout,
                 retries: int) -> None:
        self._session = session
        self._vendor = vendor
        # Made once: a sync pass sends thousands of requests with the same headers and timeout.
        self._headers = dict(headers)
        self._timeout = timeout
        self._retries = retries

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        tb: TracebackType | None) -> None:
        return None  # the injected session belongs to the caller

    # ------------------------------------------------------------------ the choke point
    async def _request(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
                       timeout: aiohttp.ClientTimeout | None = None, **kwargs: Any) -> Answer:
        """Send one request and read its whole answer. Network failures raise as aiohttp
        raises them; the callers below decide what they mean."""
        async with self._session.request(method, url, headers=headers or self._headers,
                                         timeout=timeout or self._timeout,
                                         **kwargs) as response:
            body = await response.read()
            status = response.status
            wait = None
            if status == 429 or status >= 500:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
        return Answer(status, body, wait)

    def _error_for(self, answer: Answer, what: str) -> VendorError | None:
        """The typed error a non-2xx answer means; None for a 2xx one."""
        status = answer.status
        if status < 300:
            return None
        special = self._vendor_error(answer, what)
        if special is not None:
            return special
        if status == 401:
            return VendorAuthError(self._vendor, f"{what}: credentials refused (HTTP 401)", 401)
        if status == 429 or status >= 500:
            return VendorUnavailableError(self._vendor, f"{what}: HTTP {status}", status,
                                          answer.retry_after)
        return VendorError(self._vendor, f"{what}: HTTP {status}")

    def _vendor_error(self, answer: Answer, what: str) -> VendorError | None:
        """A vendor's own meaning of a non-2xx answer, before the common ones (override)."""
        return None

    # ------------------------------------------------------------------ the three uses
    async def _call(self, method: str, url: str, what: str, **kwargs: Any) -> Answer:
        """One request, never retried, whose answer must be 2xx: anything else raises."""
        try:
            answer = await self._request(method, url, **kwargs)
        except TRANSPORT as error:
            raise VendorUnavailableError(self._vendor, f"{what}: {type(error).__name__}") \
                from error
        failure = self._error_for(answer, what)
        if failure is not None:
            raise failure
        return answer

    async def _read(self, url: str, what: str, **kwargs: Any) -> Answer:
        """A safe read (GET): a 2xx answer, after retries of 429, 5xx and network failures.

        The first try runs outside stamina: a sync pass makes thousands of reads that
        succeed at once, and setting up a retry loop for each costs as much as decoding the
        answer. Only a failed first try enters the loop, as its first attempt (see below).
        """
        try:
            return await self._call("GET", url, what, **kwargs)
        except VendorUnavailableError as first:
            return await self._retry(first, url, what, kwargs)

    async def _retry(self, first: VendorUnavailableError, url: str, what: str,
                     kwargs: dict[str, Any]) -> Answer:
        """The read's attempts as stamina schedules them. Attempt one re-raises the first
        try's failure (nothing is sent), so stamina decides every wait, the first included,
        and the attempts in all are the configured retries plus one."""
        seen: VendorUnavailableError | None = first
        async for attempt in stamina.retry_context(
                on=_backoff, attempts=self._retries + 1, timeout=None,
                wait_initial=WAIT_INITIAL, wait_max=WAIT_MAX, wait_jitter=WAIT_JITTER):
            with attempt:
                if seen is not None:
                    failed, seen = seen, None
                    raise failed
                return await self._call("GET", url, what, **kwargs)
        raise AssertionError("unreachable")  # pragma: no cover - stamina re-raises the last

    async def _submit(self, method: str, url: str, outcome: Callable[[Answer], SubmitOutcome],
                      **kwargs: Any) -> SubmitOutcome:
        """A request that may create an order or charge: sent once, never retried.

        Refused before it was sent: NOT_SENT (safe to send later). Lost after: UNKNOWN, as
        the order may exist. An answer: whatever the vendor's ``outcome`` makes of it."""
        try:
            answer = await self._request(method, url, **kwargs)
        except aiohttp.ClientConnectorError as error:
            log.warning("%s: could not connect (%s); nothing was sent", self._vendor,
                        type(error).__name__)
            return SubmitOutcome.not_sent(type(error).__name__)
        except TRANSPORT as error:
            log.warning("%s: answer lost after sending (%s)", self._vendor, type(error).__name__)
            return SubmitOutcome.lost(type(error).__name__)
        return outcome(answer)
