"""What the IVCAP adapter is configured with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ordertrail.adapters.common.secret import Secret


@dataclass(frozen=True)
class IvcapConfig:
    token: Secret
    base_url: str
    service_id: str = ""
    account_id: str = ""
    request_timeout_seconds: float = 30.0
    create_timeout_seconds: float = 60.0
    poll_fast_seconds: float = 10.0
    poll_slow_seconds: float = 300.0
    fast_window_seconds: float = 120.0
    max_concurrency: int = 8
    retries: int = 3

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/1/" + path.lstrip("/")


STUCK_AFTER = {"PLACED": timedelta(hours=1), "IN_PROGRESS": timedelta(hours=12)}
"""An analytics run is scheduled within the hour and runs for hours: past these it is stuck."""
