"""What our PPW Link receiver is configured with: the credential we issued, limits."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from ordertrail.adapters.common.config_types import EnvVar, SecretFormat, Text, URLPath
from ordertrail.adapters.common.secret import Secret

ONE_MIB = 1024 * 1024
DEFAULT_RECEIVER_PATH = "/ppw/receiver"


def is_sha1_hex(value: str) -> bool:
    return len(value) == 40 and all(ch in string.hexdigits for ch in value)


class PPWTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """``[vendors.ppw]``: the credential entered in PPW's Auto Import setup, all required."""

    username: Text
    password_sha1_env: Annotated[EnvVar, SecretFormat(is_sha1_hex, "a 40-hex SHA-1 digest")]
    site_id: Text
    remote_site_id: Text
    receiver_path: URLPath = DEFAULT_RECEIVER_PATH


def sha1_hex(password: str) -> str:
    """The form PPW sends a password in: the lowercase SHA-1 hex of its UTF-8 bytes."""
    return hashlib.sha1(password.encode("utf-8")).hexdigest()  # PPW's protocol, not our choice


@dataclass(frozen=True)
class PPWConfig:
    """The credential entered in PPW's Auto Import setup, and our integration's constants.

    ``password_sha1`` is the SHA-1 hex PPW sends (never the password itself);
    ``remote_site_id`` is the constant id we return in every response envelope.
    """

    username: str
    password_sha1: Secret
    site_id: str
    remote_site_id: str
    max_body_bytes: int = ONE_MIB
    wo_number_prefix: str = ""
    """Prepended to every wo_number we send (wo_numbers are unique per client company only)."""
    overlap_seconds: int = 300
    """``get_all_orders {timestamp}`` also returns what changed this long before it."""

    @classmethod
    def from_env(cls, prefix: str = "ORDERTRAIL_PPW_") -> PPWConfig:
        """From ``<prefix>USERNAME``, ``PASSWORD_SHA1``, ``SITE_ID``, ``REMOTE_SITE_ID``."""
        values = {}
        for name in ("USERNAME", "SITE_ID", "REMOTE_SITE_ID"):
            values[name] = Secret.from_env(prefix + name, f"PPW Link {name.lower()}").reveal()
        password = Secret.from_env(prefix + "PASSWORD_SHA1", "PPW Link password hash")
        return cls(values["USERNAME"], password, values["SITE_ID"], values["REMOTE_SITE_ID"])

    @classmethod
    def with_password(
        cls, username: str, password: str, site_id: str, remote_site_id: str, **options: Any
    ) -> PPWConfig:
        """Configure from the plain password (hashed here, never kept)."""
        return cls(username, Secret(sha1_hex(password)), site_id, remote_site_id, **options)
