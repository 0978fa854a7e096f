"""The value types configuration tables are made of, each saying in words what it expects.

msgspec checks types and ranges (``Meta``); ``Check`` adds what msgspec cannot express (a time
zone exists, a store URL parses); ``SecretFormat`` says what the environment variable an
``*_env`` key names must hold. ``ordertrail.adapters.common.tables`` applies all three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import Meta


@dataclass(frozen=True)
class Check:
    """A test of a value beyond its type and range; ``test`` raises ValueError when it fails."""

    test: Callable[[Any], object]


@dataclass(frozen=True)
class SecretFormat:
    """What the value of the variable an ``*_env`` key names must look like (never shown)."""

    test: Callable[[str], bool]
    expected: str


def _time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(name) from None


Port = Annotated[int, Meta(ge=0, le=65535,
                           description="a port from 1 to 65535, or 0 for any free port")]
Attempts = Annotated[int, Meta(ge=0, le=20, description="a whole number from 0 to 20")]
PositiveInt = Annotated[int, Meta(ge=1, description="a whole number of at least 1")]
ByteCount = Annotated[int, Meta(ge=1, description="a number of bytes of at least 1")]
Seconds = Annotated[float, Meta(gt=0, description="a number of seconds greater than 0")]
SecondsOrZero = Annotated[float, Meta(ge=0, description="a number of seconds, 0 or more")]
HttpURL = Annotated[str, Meta(pattern=r"^https?://[^\s/?#]+(?:[/?#]\S*)?$",
                              description="an http:// or https:// URL")]
Host = Annotated[str, Meta(pattern=r"^[^\s/]+$", description="a host name or IP address")]
EnvVar = Annotated[str, Meta(
    pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
    description="the name of an environment variable (letters, digits and _), not the secret")]
TimeZoneName = Annotated[str, Meta(description="an IANA time zone such as Europe/Amsterdam"),
                         Check(_time_zone)]
URLPath = Annotated[str, Meta(pattern=r"^/\S*$", description="a path that starts with /")]
Text = Annotated[str, Meta(min_length=1, description="a non-empty string")]
