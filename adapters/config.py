"""ordertrail's one configuration file (TOML), decoded strictly into typed tables.

Each table is a msgspec Struct: types, ranges, URLs with a scheme, IANA time zones, required
keys; unknown tables and keys are refused. Every problem is reported at once, one line each,
naming the file, the table, the key, the value and what is expected (a ConfigError: exit 2).
Secrets are never in the file: each credential is named by the environment variable that
holds it (``*_env`` keys); ``ordertrail config check`` also reports every unset variable.
Each vendor's table is declared by its plugin (``table()``), and every registered plugin's is
accepted (``vendor_tables``).

    [store]
    url = "sqlite:///ordertrail.db"      # or postgresql://user@host:5432/db
    cipher_key_env = "ORDERTRAIL_CIPHER_KEY"   # optional: encrypt everything at rest

    [results]
    dir = "results"
    max_bytes = 104857600

    [sync]
    concurrency = 8                      # requests in flight per vendor
    pass_interval_seconds = 5
    lease_seconds = 60                   # a dead worker's orders are taken over after this
    metrics_host = "127.0.0.1"
    metrics_port = 9108

    [service]
    host = "127.0.0.1"
    port = 8080                          # 0: any free port
    api_token_env = "ORDERTRAIL_API_TOKEN"
    receiver_host = "0.0.0.0"
    receiver_port = 8081

    [alerts]
    webhook_url_env = "ORDERTRAIL_WEBHOOK_URL"   # each new attention item is posted here
    console_url = "https://ordertrail.example.org"   # each alert links to <console_url>/orders/<id>

    [alerts.stuck_after]                 # seconds in a state before an order is stuck
    REQUESTED = 900
    [alerts.stuck_after.<vendor>]        # one vendor's own limits, over the ones above
    PLACED = 3600

    [vendors.<vendor>]                   # one table per vendor used; its keys are the
    base_url = "https://vendor.example"  # vendor's own (``adapters/<vendor>/config.py``)
    token_env = "VENDOR_TOKEN"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec

from ordertrail.adapters.common.config_types import (
    ByteCount,
    Check,
    EnvVar,
    Host,
    HttpURL,
    Port,
    PositiveInt,
    Seconds,
    SecondsOrZero,
    SecretFormat,
    Text,
)
from ordertrail.adapters.common.plugin import VendorPlugin, VendorSettings
from ordertrail.adapters.common.tables import decode_table, env_keys, env_problem, env_problems
from ordertrail.adapters.registry import plugins
from ordertrail.adapters.store import DEFAULT_STORE_URL, StoreConfigError, StoreURL
from ordertrail.adapters.store.cipher import KEY_HINT, CipherKeyError, check_key
from ordertrail.domain.errors import OrdertrailError

DEFAULT_CONFIG_FILE = "ordertrail.toml"
ONE_MIB = 1024 * 1024
S = TypeVar("S", bound=msgspec.Struct)


class ConfigError(OrdertrailError):
    """The configuration file is missing, unreadable or wrong: one line per problem."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(problems))


def _store_url(url: str) -> None:
    try:
        StoreURL.parse(url)
    except StoreConfigError as error:
        raise ValueError(str(error)) from None


def _is_aes_key(value: str) -> bool:
    try:
        check_key(value)
    except CipherKeyError:
        return False
    return True


class StoreTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    url: Annotated[str, msgspec.Meta(description="a store URL: sqlite:///path or "
                                                 "postgresql://user@host:port/db"),
                   Check(_store_url)] = DEFAULT_STORE_URL
    cipher_key_env: Annotated[EnvVar, SecretFormat(_is_aes_key, KEY_HINT)] | None = None
    auto_migrate: bool = True
    cache_orders: Annotated[int, msgspec.Meta(
        ge=0, description="a whole number of orders, 0 or more (0: no cache)")] | None = None
    """Orders the sync engine and the service keep decoded in memory (default 10,000)."""
    cache_megabytes: Annotated[float, msgspec.Meta(
        gt=0, description="a number of megabytes greater than 0")] | None = None
    """A cap on that cache in megabytes, estimated from sampled orders, the packed orders
    included (a quarter of it); default: none, and 64 MB of packed orders."""


class ResultsTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    dir: Text = "results"
    """Relative to the configuration file's folder."""
    max_bytes: ByteCount = 100 * ONE_MIB


class SyncTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    concurrency: PositiveInt | None = None
    """Requests in flight per vendor; None: each adapter's own default."""
    pass_interval_seconds: Seconds = 5.0
    lease_seconds: Seconds = 60.0
    metrics_host: Host | None = None
    metrics_port: Port | None = None


def _long_token(value: str) -> bool:
    return len(value) >= 16


class ServiceTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    host: Host = "127.0.0.1"
    port: Port = 8080
    max_body_bytes: ByteCount = ONE_MIB
    api_token_env: Annotated[
        EnvVar, SecretFormat(_long_token, "a token of at least 16 characters")] | None = None
    receiver_host: Host | None = None
    receiver_port: Port | None = None


def _is_http_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and not any(c.isspace() for c in value)


class StateLimits(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Seconds an order may stay in each open state before it counts as stuck (unset: the
    vendor's own limit, then ordertrail's default; see ``adapters/alerts/limits.py``)."""

    REQUESTED: SecondsOrZero | None = None
    SUBMISSION_UNCERTAIN: SecondsOrZero | None = None
    PLACED: SecondsOrZero | None = None
    IN_PROGRESS: SecondsOrZero | None = None
    WAITING_FOR_USER: SecondsOrZero | None = None
    DELIVERED: SecondsOrZero | None = None

    def limits(self) -> dict[str, float]:
        """The states set here, with their seconds."""
        return {f: v for f in self.__struct_fields__ if (v := getattr(self, f)) is not None}


class StuckAfterTable(StateLimits, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """``[alerts.stuck_after]``: limits for every vendor. Each registered vendor may have an
    ``[alerts.stuck_after.<vendor>]`` table of its own (``Config.stuck_after_by_vendor``)."""


class AlertsTable(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    webhook_url_env: Annotated[
        EnvVar, SecretFormat(_is_http_url, "an http:// or https:// URL")] | None = None
    """Names the variable holding the webhook's URL (it may hold a token): unset, no alerts."""
    console_url: HttpURL | None = None
    """Base of the link in each alert: ``<console_url>/orders/<order id>``."""
    every_seconds: Seconds = 5.0
    """How often the sender looks for new items and posts those due."""
    timeout_seconds: Seconds = 10.0
    """How long one post may take before it counts as failed (and is tried again later)."""
    stuck_after: StuckAfterTable = msgspec.field(default_factory=StuckAfterTable)


TABLES: dict[str, type[msgspec.Struct]] = {
    "store": StoreTable, "results": ResultsTable, "sync": SyncTable, "service": ServiceTable,
    "alerts": AlertsTable,
}


def vendor_tables() -> dict[str, type[msgspec.Struct]]:
    """Each registered vendor's ``[vendors.<name>]`` table, declared by its plugin."""
    return {plugin.name: plugin.table() for plugin in plugins()}


@dataclass(frozen=True)
class Config:
    """The decoded file: one typed table each; vendors only as configured."""

    source: str
    store_url: str = DEFAULT_STORE_URL
    """``[store] url``, or ``--store``."""
    store: StoreTable = field(default_factory=StoreTable)
    results: ResultsTable = field(default_factory=ResultsTable)
    results_dir: Path = Path("results")
    """``[results] dir``, relative to the file's folder."""
    sync: SyncTable = field(default_factory=SyncTable)
    service: ServiceTable = field(default_factory=ServiceTable)
    alerts: AlertsTable = field(default_factory=AlertsTable)
    vendors: dict[str, msgspec.Struct] = field(default_factory=dict)
    stuck_after_by_vendor: dict[str, dict[str, float]] = field(default_factory=dict)
    """``[alerts.stuck_after.<vendor>]``: one vendor's limits, over ``[alerts.stuck_after]``."""

    @property
    def cipher_key_env(self) -> str | None:
        return self.store.cipher_key_env

    @property
    def auto_migrate(self) -> bool:
        return self.store.auto_migrate

    @property
    def results_max_bytes(self) -> int:
        return self.results.max_bytes

    def vendor(self, name: str, kind: type[S]) -> S | None:
        """The ``[vendors.<name>]`` table, if configured."""
        table = self.vendors.get(name)
        return table if isinstance(table, kind) else None

    def tables(self) -> Iterator[tuple[str, msgspec.Struct]]:
        """(name as written in the file, table) of every table, vendors included."""
        yield from (("store", self.store), ("results", self.results), ("sync", self.sync),
                    ("service", self.service), ("alerts", self.alerts))
        yield from ((f"vendors.{name}", table) for name, table in self.vendors.items())

    def secret(self, table: str, key: str) -> str:
        """The value of the variable ``[table] key`` names; ConfigError naming it if unusable."""
        struct = dict(self.tables()).get(table)
        found = [(kind, var) for k, kind, var in env_keys(struct) if k == key] if struct else []
        if not found:
            raise ConfigError(f"{self.source}: [{table}] needs {key}")
        kind, env_var = found[0]
        problem = env_problem(f"{self.source}: [{table}] {key}", kind, env_var)
        if problem is not None:
            raise ConfigError(problem)
        return os.environ[env_var].strip()

    def secret_from_env(self, vendor: str, key: str) -> str:
        return self.secret(f"vendors.{vendor}", key)

    def settings(self, plugin: VendorPlugin) -> VendorSettings:
        """What ``plugin`` builds its parts from (``table`` None when it has none)."""
        return VendorSettings(
            name=plugin.name, table=self.vendors.get(plugin.name),
            secret=lambda key: self.secret_from_env(plugin.name, key), source=self.source,
            concurrency=self.sync.concurrency, store_url=self.store_url,
            results_dir=self.results_dir, max_body_bytes=self.service.max_body_bytes,
        )

    def cipher_key(self) -> str | None:
        return None if self.cipher_key_env is None else self.secret("store", "cipher_key_env")

    def env_problems(self) -> list[str]:
        """Every ``*_env`` key whose variable is unset or holds the wrong form."""
        return [p for name, table in self.tables() for p in env_problems(self.source, name, table)]


def load_config(
    path: str | Path | None, *, store_url: str | None = None, check_env: bool = False
) -> Config:
    """Read the TOML file at ``path`` (none: defaults), then apply ``store_url``.

    ``check_env`` also reports every ``*_env`` variable that is unset or malformed.
    """
    config = Config(source="(defaults)") if path is None else _read(Path(path), check_env)
    if store_url:
        config = Config(**{**config.__dict__, "store_url": store_url})
    return config


def _read(file: Path, check_env: bool) -> Config:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"config file {file} cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {file} is not valid TOML: {error}") from None
    source = str(file)
    tables, problems = _decode(source, data)
    if check_env:
        problems += [p for name, table in tables.items() for p in env_problems(source, name, table)]
    if problems:
        raise ConfigError(*problems)
    return _config(source, file, tables)


def _decode(source: str, data: dict[str, Any]) -> tuple[dict[str, msgspec.Struct], list[str]]:
    """Every table that decodes, by name, and every problem of those that do not, in file order."""
    tables: dict[str, msgspec.Struct] = {}
    problems: list[str] = []
    known_vendors = vendor_tables()

    def decode(name: str, value: object, kind: type[msgspec.Struct]) -> None:
        decoded, found = decode_table(source, name, value, kind)
        problems.extend(found)
        if decoded is not None:
            tables[name] = decoded

    for name, value in data.items():
        if name == "vendors" and isinstance(value, dict):
            for vendor, table in value.items():
                if vendor in known_vendors:
                    decode(f"vendors.{vendor}", table, known_vendors[vendor])
                else:
                    problems.append(f"{source}: unknown vendor table [vendors.{vendor}] "
                                    f"(known: {', '.join(known_vendors)})")
        elif name == "alerts" and isinstance(value, dict):
            decode(name, _vendor_limits(value, known_vendors, decode), AlertsTable)
        elif name in TABLES:
            decode(name, value, TABLES[name])
        else:
            known = ", ".join([*TABLES, *(f"vendors.{v}" for v in known_vendors)])
            problems.append(f"{source}: unknown table [{name}] (known: {known})")
    return tables, problems


def _vendor_limits(alerts: dict[str, Any], vendors: dict[str, Any],
                   decode: Callable[[str, object, type[msgspec.Struct]], None]) -> dict[str, Any]:
    """``[alerts]`` without its ``[alerts.stuck_after.<vendor>]`` tables, which are decoded
    (as ``alerts.stuck_after.<vendor>``) on their own: the registry says which vendors exist."""
    limits = alerts.get("stuck_after")
    if not isinstance(limits, dict):
        return alerts
    for vendor in [k for k, v in limits.items() if k in vendors and isinstance(v, dict)]:
        decode(f"alerts.stuck_after.{vendor}", limits[vendor], StateLimits)
    kept = {k: v for k, v in limits.items() if not (k in vendors and isinstance(v, dict))}
    return {**alerts, "stuck_after": kept}


def _config(source: str, file: Path, tables: dict[str, msgspec.Struct]) -> Config:
    store, results = _get(tables, "store", StoreTable), _get(tables, "results", ResultsTable)
    results_dir = Path(results.dir)
    return Config(
        source=source, store_url=store.url, store=store, results=results,
        results_dir=results_dir if results_dir.is_absolute() else file.resolve().parent / results_dir,
        sync=_get(tables, "sync", SyncTable), service=_get(tables, "service", ServiceTable),
        alerts=_get(tables, "alerts", AlertsTable),
        vendors={k.split(".", 1)[1]: v for k, v in tables.items() if k.startswith("vendors.")},
        stuck_after_by_vendor={
            k.rsplit(".", 1)[1]: v.limits() for k, v in tables.items()
            if k.startswith("alerts.stuck_after.") and isinstance(v, StateLimits)},
    )


def _get(tables: dict[str, msgspec.Struct], name: str, kind: type[S]) -> S:
    """The decoded table ``name``, or its defaults when the file has none."""
    table = tables.get(name)
    return table if isinstance(table, kind) else kind()
