"""What the PlanOmatic client is configured with, and the ``[vendors.planomatic]`` table it is
built from. Secrets are ``Secret`` values."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from ordertrail.adapters.common.config_types import EnvVar, HttpURL, Seconds, URLPath
from ordertrail.adapters.common.secret import Secret

DEFAULT_BASE_URL = "https://planocore.planomatic.com"
DEFAULT_PATH = "/api/v1/orders/pay_and_submit"
SESSIONS_PATH = "/api/v1/sessions/create"


class PlanomaticTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """``[vendors.planomatic]``: the token's variable is required; ``email_env`` and
    ``password_env`` (to renew an expired session once) go together."""

    token_env: EnvVar
    base_url: HttpURL = DEFAULT_BASE_URL
    path: URLPath = DEFAULT_PATH
    email_env: EnvVar | None = None
    password_env: EnvVar | None = None
    timeout_seconds: Seconds | None = None
    connect_timeout_seconds: Seconds | None = None

    def __post_init__(self) -> None:
        if (self.email_env is None) != (self.password_env is None):
            raise ValueError("email_env and password_env go together: set both, or neither")


TUNABLE = ("timeout_seconds", "connect_timeout_seconds")
"""Keys of ``[vendors.planomatic]`` passed as they are to PlanomaticConfig when set."""


@dataclass(frozen=True)
class PlanomaticConfig:
    token: Secret
    """An application or session token, sent as the body parameter ``token``."""
    base_url: str = DEFAULT_BASE_URL
    path: str = DEFAULT_PATH
    """The route is not printed in the seed; ``route-non-existent`` means this is wrong."""
    sessions_path: str = SESSIONS_PATH
    email: Secret | None = None
    password: Secret | None = None
    """Credentials for sessions/create; without them an expired token needs a person."""
    application: str = "planoorder"
    timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 10.0

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + self.path

    @property
    def sessions_url(self) -> str:
        return self.base_url.rstrip("/") + self.sessions_path

    @property
    def can_reauthenticate(self) -> bool:
        return self.email is not None and self.password is not None
