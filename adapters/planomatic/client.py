"""The PlanOmatic client: the token in the body, on the common ``VendorHttp`` choke point.

PlanOcore v1 has no safe read: every call is sent once (``VendorHttp._submit``).
A request that never reached the vendor (connection refused) is safe to try
again later; once the body was sent, a lost answer is an unknown outcome,
because the card may already be charged.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import replace
from typing import Any

import aiohttp
import msgspec

from ordertrail.adapters.common.errors import VendorAuthError, VendorProtocolError
from ordertrail.adapters.common.http import Answer, VendorHttp
from ordertrail.adapters.common.outcome import SubmitOutcome
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.planomatic.config import PlanomaticConfig
from ordertrail.adapters.planomatic.outcomes import rule_for, with_transport_rule
from ordertrail.adapters.planomatic.wire import VENDOR, PayAndSubmitBody, decode_envelope, raw_json

log = logging.getLogger(__name__)
JSON = {"Content-Type": "application/json"}
SENSITIVE = {"Content-Type": "text/plain"}
"""sessions/create takes "sensitive params": a base64 body."""


class PlanomaticClient(VendorHttp):
    def __init__(self, session: aiohttp.ClientSession, config: PlanomaticConfig) -> None:
        timeout = aiohttp.ClientTimeout(total=config.timeout_seconds,
                                        sock_connect=config.connect_timeout_seconds)
        super().__init__(session, VENDOR, headers=JSON, timeout=timeout, retries=0)
        self._config = config
        self._token = config.token

    @property
    def can_reauthenticate(self) -> bool:
        return self._config.can_reauthenticate

    def __repr__(self) -> str:
        return f"PlanomaticClient(url={self._config.url!r}, token=***)"

    async def pay_and_submit(self, vendor_request: dict[str, Any]) -> SubmitOutcome:
        """Pay for and submit one order, sent once: the card may be charged."""
        body = PayAndSubmitBody(
            order=dict(vendor_request.get("order") or {}),
            token=self._token.reveal(),
            application=self._config.application,
            payment_method_id=vendor_request.get("payment_method_id"),
            promotion_code=vendor_request.get("promotion_code"),
        )
        outcome = await self._submit("POST", self._config.url, envelope_outcome,
                                     data=msgspec.json.encode(body))
        return with_transport_rule(outcome)

    async def create_session(self) -> None:
        """sessions/create ("sensitive params": a base64 body); keeps the new token."""
        if self._config.email is None or self._config.password is None:
            raise VendorAuthError(VENDOR, "token refused and no session credentials configured")
        params = {
            "email": self._config.email.reveal(),
            "password": self._config.password.reveal(),
            "application": self._config.application,
        }
        body = base64.b64encode(msgspec.json.encode(params))
        outcome = await self._submit("POST", self._config.sessions_url, envelope_outcome,
                                     data=body, headers=SENSITIVE)
        token = _session_token(outcome.data)
        if outcome.vendor_code != "action-successful" or token is None:
            raise VendorAuthError(
                VENDOR, f"sessions/create answered {outcome.vendor_code or outcome.http_status}"
            )
        self._token = Secret(token)
        log.info("planomatic: new session token obtained")


def envelope_outcome(answer: Answer) -> SubmitOutcome:
    """What an answer means: by its named status first, else by its HTTP code (B.8)."""
    status, kept = answer.status, raw_json(answer.body)
    try:
        envelope = decode_envelope(answer.body)
    except VendorProtocolError:
        outcome = rule_for(None, status).applied(None, status, raw=kept)
    else:
        named = envelope.named_status
        outcome = rule_for(named, status).applied(named, status, envelope.data, kept,
                                                  envelope.message)
    if answer.retry_after is not None and answer.retry_after > (outcome.retry_after or 0):
        outcome = replace(outcome, retry_after=answer.retry_after)  # the vendor's stated wait
    return outcome


def _session_token(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    session = data.get("session") if isinstance(data.get("session"), dict) else data
    token = session.get("token") if isinstance(session, dict) else None
    return token if isinstance(token, str) and token else None
