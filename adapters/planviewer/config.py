"""What the Planviewer adapter is configured with, and the ``[vendors.planviewer]`` table it is
built from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec

from ordertrail.adapters.common.config_types import (
    Attempts,
    EnvVar,
    HttpURL,
    PositiveInt,
    Seconds,
    SecondsOrZero,
    TimeZoneName,
)
from ordertrail.adapters.common.secret import Secret

DEFAULT_BASE_URL = "https://www.planviewer.nl"


class PlanviewerTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """``[vendors.planviewer]``: the credentials' variables are required, the rest has defaults."""

    access_key_id_env: EnvVar
    access_key_secret_env: EnvVar
    base_url: HttpURL = DEFAULT_BASE_URL
    daily_cap: Annotated[
        int, msgspec.Meta(ge=1, description="a whole number of orders a day, at least 1")] = 10
    poll_interval_seconds: SecondsOrZero | None = None
    timezone: TimeZoneName = "Europe/Amsterdam"
    order_timeout_seconds: Seconds | None = None
    request_timeout_seconds: Seconds | None = None
    poll_waiting_seconds: SecondsOrZero | None = None
    missing_job_limit: PositiveInt | None = None
    missing_job_spread_seconds: SecondsOrZero | None = None
    retries: Attempts | None = None


TUNABLE = ("order_timeout_seconds", "request_timeout_seconds", "poll_waiting_seconds",
           "missing_job_limit", "missing_job_spread_seconds", "retries")
"""Keys of ``[vendors.planviewer]`` passed as they are to PlanviewerConfig when set."""


@dataclass(frozen=True)
class PlanviewerConfig:
    access_key_id: str
    access_key_secret: Secret
    base_url: str = DEFAULT_BASE_URL
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
