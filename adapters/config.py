"""ordertrail's one configuration file (TOML), read strictly.

Secrets are never in the file: each credential is named by the environment
variable that holds it (``*_env`` keys). Unknown keys, wrong types and missing
required values are a ConfigError that names the file, the table and the key.

    [store]
    url = "sqlite:///ordertrail.db"      # or postgresql://user@host:5432/db
    cipher_key_env = "ORDERTRAIL_CIPHER_KEY"   # optional: encrypt events at rest

    [results]
    dir = "results"
    max_bytes = 104857600

    [sync]
    concurrency = 8                      # requests in flight per vendor
    pass_interval_seconds = 5
    lease_seconds = 60                   # a dead worker's orders are taken over after this

    [vendors.planviewer]
    base_url = "https://www.planviewer.nl"
    access_key_id_env = "PLANVIEWER_ACCESS_KEY_ID"
    access_key_secret_env = "PLANVIEWER_ACCESS_KEY_SECRET"
    daily_cap = 10
    poll_interval_seconds = 5

    [vendors.ivcap]
    base_url = "https://ivcap.example.org"
    token_env = "IVCAP_TOKEN"
    service_id = "urn:ivcap:service:..."
    account_id = "urn:ivcap:account:..."

    [vendors.planomatic]
    base_url = "https://planocore.planomatic.com"
    token_env = "PLANOMATIC_TOKEN"

    [vendors.ppw]
    username = "ordertrail"
    password_sha1_env = "PPW_PASSWORD_SHA1"
    site_id = "dcc363d0-8ed1-48a2-ba2e-f638275db4f"
    remote_site_id = "1fc25d06-72bd-42f8-ad34-ecbdc5f1a4a4"

    [service]
    host = "127.0.0.1"
    port = 8080
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ordertrail.domain.errors import OrdertrailError

DEFAULT_CONFIG_FILE = "ordertrail.toml"


class ConfigError(OrdertrailError):
    """The configuration file is missing, unreadable or wrong."""


_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "store": {"url": str, "cipher_key_env": str, "auto_migrate": bool},
    "results": {"dir": str, "max_bytes": int},
    "sync": {"concurrency": int, "pass_interval_seconds": (int, float),
             "lease_seconds": (int, float)},
    "service": {"host": str, "port": int, "max_body_bytes": int},
    "vendors.planviewer": {
        "base_url": str, "access_key_id_env": str, "access_key_secret_env": str,
        "daily_cap": int, "poll_interval_seconds": (int, float), "timezone": str,
    },
    "vendors.ivcap": {
        "base_url": str, "token_env": str, "service_id": str, "account_id": str,
        "poll_interval_seconds": (int, float),
    },
    "vendors.planomatic": {
        "base_url": str, "token_env": str, "path": str, "email_env": str, "password_env": str,
    },
    "vendors.ppw": {
        "username": str, "password_sha1_env": str, "site_id": str, "remote_site_id": str,
        "receiver_path": str,
    },
}


@dataclass(frozen=True)
class Config:
    """The parsed file: each table as a plain dict of checked values."""

    source: str
    store_url: str = "sqlite:///ordertrail.db"
    cipher_key_env: str | None = None
    auto_migrate: bool = True
    results_dir: Path = Path("results")
    results_max_bytes: int = 100 * 1024 * 1024
    sync: dict[str, Any] = field(default_factory=dict)
    service: dict[str, Any] = field(default_factory=dict)
    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)

    def secret_from_env(self, vendor: str, key: str) -> str:
        """The secret a ``*_env`` key names; ConfigError naming the variable when unset."""
        env_var = self.vendors.get(vendor, {}).get(key)
        if not env_var:
            raise ConfigError(f"{self.source}: [vendors.{vendor}] needs {key}")
        value = os.environ.get(env_var)
        if not value:
            raise ConfigError(
                f"{self.source}: [vendors.{vendor}] {key} names environment variable "
                f"{env_var}, which is not set"
            )
        return value

    def cipher_key(self) -> str | None:
        if not self.cipher_key_env:
            return None
        value = os.environ.get(self.cipher_key_env)
        if not value:
            raise ConfigError(
                f"{self.source}: [store] cipher_key_env names {self.cipher_key_env}, "
                "which is not set"
            )
        return value


def load_config(path: str | Path | None, *, store_url: str | None = None) -> Config:
    """Read the TOML file at ``path`` (none: defaults), then apply ``store_url``."""
    if path is None:
        config = Config(source="(defaults)")
    else:
        file = Path(path)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {file} does not exist") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"config file {file} cannot be read: {error}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {file} is not valid TOML: {error}") from None
        config = _parse(str(file), data)
    if store_url:
        config = Config(**{**config.__dict__, "store_url": store_url})
    return config


def _parse(source: str, data: dict[str, Any]) -> Config:
    tables = _flatten(source, data)
    store = tables.get("store", {})
    results = tables.get("results", {})
    base = Path(source).resolve().parent
    results_dir = Path(results.get("dir", "results"))
    return Config(
        source=source,
        store_url=str(store.get("url", "sqlite:///ordertrail.db")),
        cipher_key_env=store.get("cipher_key_env"),
        auto_migrate=bool(store.get("auto_migrate", True)),
        results_dir=results_dir if results_dir.is_absolute() else base / results_dir,
        results_max_bytes=int(results.get("max_bytes", 100 * 1024 * 1024)),
        sync=tables.get("sync", {}),
        service=tables.get("service", {}),
        vendors={
            name.split(".", 1)[1]: values
            for name, values in tables.items()
            if name.startswith("vendors.")
        },
    )


def _flatten(source: str, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    for name, value in data.items():
        if name == "vendors" and isinstance(value, dict):
            for vendor, vendor_table in value.items():
                name_ = f"vendors.{vendor}"
                tables[name_] = _check_table(source, name_, vendor_table)
        else:
            tables[name] = _check_table(source, name, value)
    return tables


def _check_table(source: str, name: str, value: Any) -> dict[str, Any]:
    if name not in _SCHEMA:
        known = ", ".join(sorted(_SCHEMA))
        raise ConfigError(f"{source}: unknown table [{name}] (known: {known})")
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    schema = _SCHEMA[name]
    for key, item in value.items():
        if key not in schema:
            raise ConfigError(
                f"{source}: unknown key {key!r} in [{name}] (known: {', '.join(schema)})"
            )
        expected = schema[key]
        if not isinstance(item, expected) or (isinstance(item, bool) and expected is int):
            raise ConfigError(f"{source}: [{name}] {key} has the wrong type ({item!r})")
        if key.endswith("_env") and not str(item).replace("_", "").isalnum():
            raise ConfigError(
                f"{source}: [{name}] {key} must name an environment variable, not hold a secret"
            )
    return dict(value)
