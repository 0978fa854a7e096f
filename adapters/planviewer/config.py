"""What the Planviewer adapter is configured with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from ordertrail.adapters.common.secret import Secret


@dataclass(frozen=True)
class PlanviewerConfig:
    access_key_id: str
    access_key_secret: Secret
    base_url: str = "https://www.planviewer.nl"
    daily_cap: int = 10
    timezone: str = "Europe/Amsterdam"
    """The daily cap's day; the reset time is undocumented, midnight here is assumed."""
    order_timeout_seconds: float = 120.0
    request_timeout_seconds: float = 30.0
    poll_fast_seconds: float = 5.0
    poll_slow_seconds: float = 60.0
    poll_waiting_seconds: float = 600.0
    """A job waiting for a person's answer is checked this seldom until the answer is given."""
    missing_job_limit: int = 5
    missing_job_spread_seconds: float = 600.0
    """A job missing from jobs/status this many times over this long is a person's task (P5)."""
    max_concurrency: int = 4
    poll_batch_size: int = 50
    retries: int = 3

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/product_api/v1/" + path.lstrip("/")


STUCK_AFTER = {"PLACED": timedelta(minutes=30), "IN_PROGRESS": timedelta(hours=4)}
"""A job is queued for minutes and runs for minutes to hours (B.5): past these it is stuck."""
