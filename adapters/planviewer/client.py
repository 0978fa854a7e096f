"""The Planviewer client: HTTP Basic auth on the common ``VendorHttp`` choke point.

jobs/order is never retried: a lost answer may still have created a billed job
(B.5 P4). Status polls, the product list and kik/waiting are safe reads, retried
on 429, 5xx and network errors (``VendorHttp._read``).
"""

from __future__ import annotations

import logging

import aiohttp
import msgspec

from ordertrail.adapters.common.errors import VendorError, VendorProtocolError
from ordertrail.adapters.common.http import Answer, VendorHttp
from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
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
STATUS = "jobs/status"


class InvalidUuidsError(VendorError):
    """jobs/status answered 400: a uuid in the list is bad."""


class PlanviewerClient(VendorHttp):
    def __init__(self, session: aiohttp.ClientSession, config: PlanviewerConfig) -> None:
        self._config = config
        self._authorization = aiohttp.encode_basic_auth(
            config.access_key_id, config.access_key_secret.reveal()
        )
        super().__init__(session, VENDOR,
                         headers={"Accept": "application/json",
                                  "Authorization": self._authorization},
                         timeout=aiohttp.ClientTimeout(total=config.request_timeout_seconds),
                         retries=config.retries)
        self._order_timeout = aiohttp.ClientTimeout(total=config.order_timeout_seconds,
                                                    sock_connect=10)

    def __repr__(self) -> str:
        return f"PlanviewerClient(base_url={self._config.base_url!r}, secret=***)"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self._authorization}

    def retrieve_url(self, job_uuid: str) -> str:
        return self._config.url(f"jobs/retrieve/{job_uuid}")

    async def order(self, intention_uuid: str) -> SubmitOutcome:
        """jobs/order for one intention (B.5 submission policy), sent once."""
        return await self._submit("POST", self._config.url("jobs/order"),
                                  lambda answer: order_outcome(answer, intention_uuid),
                                  json={"uuids": [intention_uuid]}, timeout=self._order_timeout)

    async def status(self, job_uuids: list[str]) -> list[tuple[JobStatus, msgspec.Raw]]:
        """Each job's status, with the JSON Planviewer sent for it, verbatim."""
        answer = await self._read(self._config.url(STATUS), STATUS,
                                  params=[("uuids[]", u) for u in job_uuids])
        jobs = decode(answer.body, list[JobStatus], STATUS)  # the errors name the field
        return list(zip(jobs, elements(answer.body), strict=True))

    async def products(self) -> list[Product]:
        """The products the account may order: a safe read, used to prove the credentials."""
        answer = await self._read(self._config.url("products/list"), "products/list")
        return decode(answer.body, list[Product], "products/list")

    async def waiting(self, job_uuid: str) -> Waiting:
        answer = await self._read(self._config.url(f"kik/waiting/{job_uuid}"), "kik/waiting")
        return decode(answer.body, Waiting, "kik/waiting")

    async def select(self, job_uuid: str, key: str) -> None:
        """A person's location choice (P8): sent once; any 2xx is accepted."""
        await self._call("POST", self._config.url(f"kik/select/{job_uuid}"), "kik/select",
                         json={"select": [int(key)]})

    def _vendor_error(self, answer: Answer, what: str) -> VendorError | None:
        if answer.status == 400 and what == STATUS:
            return InvalidUuidsError(VENDOR, f"{STATUS} refused the uuid list (HTTP 400)")
        return None


def order_outcome(answer: Answer, intention_uuid: str) -> SubmitOutcome:
    """What jobs/order's answer means (B.5 P4)."""
    status, body = answer.status, answer.body
    kept = raw(body) if body else None
    if status == 200:
        try:
            pairs = decode(body, list[OrderedJob], "jobs/order")
        except VendorProtocolError as error:
            return SubmitOutcome.lost(str(error), status, kept)
        for pair in pairs:
            if pair.uuid == intention_uuid:
                return SubmitOutcome(Outcome.PLACED, status, vendor_ref=pair.job.uuid, raw=kept)
        return SubmitOutcome.lost("no job for our intention", status, kept)
    if status == 429:
        try:
            decode(body, list[CapError], "jobs/order 429")
        except VendorError:
            log.warning("planviewer: 429 with an unexpected body")
        return SubmitOutcome(Outcome.LIMITED, status, reason_code="daily_cap", raw=kept)
    if status in REFUSALS:
        outcome, reason = REFUSALS[status]
        return SubmitOutcome(outcome, status, vendor_code=str(status), reason_code=reason,
                             raw=kept)
    if status >= 500:
        return SubmitOutcome.lost(f"HTTP {status}", status, kept)
    return SubmitOutcome(Outcome.FAILED, status, message=f"unexpected HTTP {status}", raw=kept)


REFUSALS = {
    400: (Outcome.REJECTED, "invalid_intention"),
    401: (Outcome.REAUTH, "access_key_refused"),
    402: (Outcome.DECLINED, "payment_on_account_disabled"),
}
"""jobs/order's refusals: nothing was created (B.5 P4)."""
