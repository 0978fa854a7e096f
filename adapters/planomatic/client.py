"""The PlanOmatic client: one ``_request`` choke point, token in the body, no blind retries.

A request that never reached the vendor (connection refused) is safe to try
again later; once the body was sent, a lost answer is an unknown outcome,
because the card may already be charged.
"""

from __future__ import annotations

import base64
import logging
from types import TracebackType
from typing import Any

import aiohttp
import msgspec

from ordertrail.adapters.common.errors import VendorAuthError, VendorProtocolError
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.planomatic.config import PlanomaticConfig
from ordertrail.adapters.planomatic.outcomes import Kind, Outcome, Rule, lost, rule_for
from ordertrail.adapters.planomatic.wire import VENDOR, PayAndSubmitBody, decode_envelope, raw_json
from ordertrail.domain.vocabulary import Classification

log = logging.getLogger(__name__)
NOT_SENT = Rule(Kind.FAILED, Classification.RETRYABLE, "vendor_unreachable", 60)


class PlanomaticClient:
    def __init__(self, session: aiohttp.ClientSession, config: PlanomaticConfig) -> None:
        self._session = session
        self._config = config
        self._token = config.token

    async def __aenter__(self) -> PlanomaticClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None  # the injected session belongs to the caller

    @property
    def can_reauthenticate(self) -> bool:
        return self._config.can_reauthenticate

    def __repr__(self) -> str:
        return f"PlanomaticClient(url={self._config.url!r}, token=***)"

    async def pay_and_submit(self, vendor_request: dict[str, Any]) -> Outcome:
        body = PayAndSubmitBody(
            order=dict(vendor_request.get("order") or {}),
            token=self._token.reveal(),
            application=self._config.application,
            payment_method_id=vendor_request.get("payment_method_id"),
            promotion_code=vendor_request.get("promotion_code"),
        )
        return await self._request(self._config.url, msgspec.json.encode(body), "application/json")

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
        outcome = await self._request(self._config.sessions_url, body, "text/plain")
        token = _session_token(outcome.data)
        if outcome.named_status != "action-successful" or token is None:
            raise VendorAuthError(
                VENDOR, f"sessions/create answered {outcome.named_status or outcome.http_status}"
            )
        self._token = Secret(token)
        log.info("planomatic: new session token obtained")

    async def _request(self, url: str, body: bytes, content_type: str) -> Outcome:
        timeout = aiohttp.ClientTimeout(
            total=self._config.timeout_seconds, sock_connect=self._config.connect_timeout_seconds
        )
        try:
            async with self._session.post(
                url, data=body, headers={"Content-Type": content_type}, timeout=timeout
            ) as response:
                status = response.status
                raw_body = await response.read()
        except aiohttp.ClientConnectorError as error:
            log.warning("planomatic: could not connect (%s)", type(error).__name__)
            return Outcome(NOT_SENT, None, None, reason="connection refused before sending")
        except (TimeoutError, aiohttp.ClientError) as error:
            log.warning("planomatic: answer lost after sending (%s)", type(error).__name__)
            return lost(type(error).__name__)
        return _outcome(status, raw_body)


def _outcome(status: int, body: bytes) -> Outcome:
    try:
        envelope = decode_envelope(body)
    except VendorProtocolError:
        return Outcome(rule_for(None, status), None, status, raw=raw_json(body))
    named = envelope.named_status
    return Outcome(rule_for(named, status), named, status, envelope.data, raw_json(body),
                   reason=envelope.message)


def _session_token(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    session = data.get("session") if isinstance(data.get("session"), dict) else data
    token = session.get("token") if isinstance(session, dict) else None
    return token if isinstance(token, str) and token else None
