"""Checking the credential PPW sends against ours, in constant time."""

from __future__ import annotations

import hmac

from ordertrail.adapters.ppw.config import PPWConfig
from ordertrail.adapters.ppw.wire import InboundPayload

AUTH_FAILED = "Could not validate username and password."


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def authenticate(payload: InboundPayload, config: PPWConfig) -> bool:
    """Whether username, SHA-1 password hash and site_id all match.

    All three are always compared (no short-circuit), so neither the answer nor
    its timing tells which part was wrong. site_id is compared for equality only:
    PPW's own example is not a valid UUID.
    """
    user_ok = _same(payload.username, config.username)
    password_ok = _same(payload.password.lower(), config.password_sha1.reveal().lower())
    site_ok = _same(payload.site_id, config.site_id)
    return user_ok & password_ok & site_ok
