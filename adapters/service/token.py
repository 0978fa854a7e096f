"""The service's one secret: the bearer token named by ``[service] api_token_env``.

Both the API (``Authorization: Bearer <token>``) and the console's login read it here, and
compare what a caller sends in constant time, so a timing difference reveals nothing of it.
"""

from __future__ import annotations

import hmac

from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.config import Config


def api_token(config: Config) -> Secret | None:
    """The configured token, or None when ``[service] api_token_env`` is not set (a set key
    whose variable is unset or shorter than 16 characters is a ConfigError)."""
    if config.service.api_token_env is None:
        return None
    return Secret(config.secret("service", "api_token_env"))


def token_matches(offered: str, token: Secret) -> bool:
    """True when ``offered`` is the token, compared in constant time."""
    return hmac.compare_digest(offered.encode("utf-8"), token.reveal().encode("utf-8"))


def bearer_matches(authorization: str | None, token: Secret) -> bool:
    """True when an ``Authorization`` header carries ``Bearer <token>``."""
    scheme, _, offered = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(offered.strip(), token)
