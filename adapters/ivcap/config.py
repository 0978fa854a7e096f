"""What the IVCAP adapter is configured with, and the ``[vendors.ivcap]`` table it is built from."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from ordertrail.adapters.common.config_types import (
    Attempts,
    EnvVar,
    HttpURL,
    Seconds,
    SecondsOrZero,
)
from ordertrail.adapters.common.secret import Secret


class IvcapTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """``[vendors.ivcap]``: IVCAP has no public default URL, so ``base_url`` is required.
    ``service_id`` and ``account_id`` are defaults an order's request may override."""

    base_url: HttpURL
    token_env: EnvVar
    service_id: str = ""
    account_id: str = ""
    poll_interval_seconds: SecondsOrZero | None = None
    request_timeout_seconds: Seconds | None = None
    create_timeout_seconds: Seconds | None = None
    reconcile_after_seconds: SecondsOrZero | None = None
    retries: Attempts | None = None


TUNABLE = ("request_timeout_seconds", "create_timeout_seconds", "reconcile_after_seconds",
           "retries")
"""Keys of ``[vendors.ivcap]`` passed as they are to IvcapConfig when set."""


@dataclass(frozen=True)
class IvcapConfig:
    token: Secret
    base_url: str
    service_id: str = ""
    account_id: str = ""
    request_timeout_seconds: float = 30.0
    create_timeout_seconds: float = 60.0
    reconcile_after_seconds: float = 120.0
    """An uncertain creation is looked up by name only this long after it was sent: a request
    the client gave up on may still be on its way and create the order later."""
    poll_fast_seconds: float = 10.0
    poll_slow_seconds: float = 300.0
    fast_window_seconds: float = 120.0
    max_concurrency: int = 8
    retries: int = 3

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/1/" + path.lstrip("/")
