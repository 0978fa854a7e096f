"""Open the tracker on a store named by one URL.

- ``sqlite:///path/to/ordertrail.db`` or a bare file path: an embedded SQLite file
  (the default); ``sqlite:///:memory:`` for a throwaway store.
- ``postgresql://user:password@host:port/dbname[?schema=name]``: PostgreSQL via psycopg.

Users never set the library's environment variables by hand: this module
turns the URL and options into them. Credentials in the URL never reach an
error message or a repr.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic

from ordertrail.adapters.store.cipher import CipherKeyError, check_key, check_store_key
from ordertrail.adapters.store.errors import StoreConfigError, StoreUnavailableError
from ordertrail.adapters.store.fast import CACHE_MEGABYTES, FastTracker
from ordertrail.adapters.store.mapper import MsgspecMapper
from ordertrail.domain.tracker import Tracker

DEFAULT_STORE_URL = "sqlite:///ordertrail.db"
CIPHER_KEY_ENV = "ORDERTRAIL_CIPHER_KEY"
_PREFIX = "ORDERTRAIL_"


@dataclass(frozen=True)
class StoreURL:
    """A parsed store URL. ``str()`` and ``repr()`` hide the password."""

    kind: str
    path: str = ""
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = ""
    password: str = field(default="", repr=False)
    dbname: str = ""
    schema: str = ""
    lock_timeout: int = 10

    @classmethod
    def parse(cls, url: str) -> StoreURL:
        text = (url or "").strip()
        if not text:
            raise StoreConfigError("store URL is empty")
        if "://" not in text:
            return cls(kind="sqlite", path=text)
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme == "sqlite":
            path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
            if parts.netloc:
                path = parts.netloc + "/" + path
            if not path:
                raise StoreConfigError(f"store URL {cls._safe(text)} names no SQLite file")
            timeout = parse_qs(parts.query).get("lock_timeout", ["10"])[0]
            if not timeout.isdigit():
                raise StoreConfigError(f"store URL {text}: lock_timeout must be whole seconds")
            return cls(kind="sqlite", path=path, lock_timeout=int(timeout))
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            return cls._postgres(text, parts)
        raise StoreConfigError(
            f"store URL {cls._safe(text)}: unknown scheme {parts.scheme!r} "
            "(use sqlite:///path or postgresql://...)"
        )

    @classmethod
    def _postgres(cls, text: str, parts: object) -> StoreURL:
        from urllib.parse import SplitResult

        assert isinstance(parts, SplitResult)
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise StoreConfigError(f"store URL {cls._safe(text)} names no database")
        try:
            port = parts.port or 5432
        except ValueError:
            raise StoreConfigError(f"store URL {cls._safe(text)} has a bad port") from None
        query = parse_qs(parts.query)
        schema = query.get("schema", [""])[0]
        if schema and not schema.replace("_", "").isalnum():
            raise StoreConfigError(f"store URL {cls._safe(text)}: bad schema name {schema!r}")
        return cls(
            kind="postgresql",
            host=parts.hostname or "127.0.0.1",
            port=port,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            dbname=dbname,
            schema=schema,
        )

    @staticmethod
    def _safe(text: str) -> str:
        parts = urlsplit(text) if "://" in text else None
        if parts is not None and parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return parts._replace(netloc=netloc).geturl()
        return text

    def __str__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        auth = f"{self.user}{':***' if self.password else ''}@" if self.user else ""
        query = f"?schema={self.schema}" if self.schema else ""
        return f"postgresql://{auth}{self.host}:{self.port}/{self.dbname}{query}"

    def environment(self) -> dict[str, str]:
        """The library's environment variables for this store."""
        if self.kind == "sqlite":
            return {
                "PERSISTENCE_MODULE": "ordertrail.adapters.store.sqlite:OrdertrailSQLiteFactory",
                "SQLITE_DBNAME": self.path,
                "SQLITE_LOCK_TIMEOUT": str(self.lock_timeout),
            }
        env = {
            "PERSISTENCE_MODULE": "ordertrail.adapters.store.postgres:OrdertrailPostgresFactory",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user or "postgres",
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        return env


def tracker_environment(
    url: str | StoreURL,
    *,
    snapshot_interval: int | None = None,
    cipher_key: str | None = None,
    create_tables: bool = True,
) -> dict[str, str]:
    store = url if isinstance(url, StoreURL) else StoreURL.parse(url)
    env = {**store.environment(), "MAPPER_TOPIC": get_topic(MsgspecMapper)}
    env["CREATE_TABLE"] = "y" if create_tables else "n"
    if snapshot_interval is not None:
        env["SNAPSHOT_INTERVAL"] = str(snapshot_interval)
    key = cipher_key if cipher_key is not None else os.environ.get(CIPHER_KEY_ENV)
    if key:
        check_key(key, "the cipher key" if cipher_key is not None else CIPHER_KEY_ENV)
        env["CIPHER_TOPIC"] = get_topic(AESCipher)
        env["CIPHER_KEY"] = key
    # Prefixed names win over anything the caller's shell happens to set.
    return {_PREFIX + k: v for k, v in env.items()}


FAST_ENV = "ORDERTRAIL_FAST"
"""Set to 0 to run the domain's plain Tracker instead of the store layer's ``FastTracker``."""


def open_tracker(
    url: str = DEFAULT_STORE_URL,
    *,
    snapshot_interval: int | None = None,
    cipher_key: str | None = None,
    create_tables: bool = True,
    fast: bool | None = None,
    cache_orders: int | None = None,
    cache_megabytes: float | None = None,
) -> Tracker:
    """Open the order ledger on the store at ``url``.

    ``fast`` (default: on, unless the environment says ``ORDERTRAIL_FAST=0``) adds the store
    layer's order cache and batched saves (``ordertrail.adapters.store.fast``); the answers
    are the same either way. ``cache_orders`` and ``cache_megabytes`` bound its cache (by
    default 10,000 decoded orders, 64 MB of packed ones and no megabyte cap).
    """
    if fast is None:
        fast = os.environ.get(FAST_ENV, "1").strip() not in ("0", "false", "no", "off")
    store = StoreURL.parse(url)
    if store.kind == "sqlite" and store.path != ":memory:":
        parent = Path(store.path).expanduser().resolve().parent
        if not parent.is_dir():
            raise StoreConfigError(f"store {store}: folder {parent} does not exist")
    env = tracker_environment(
        store, snapshot_interval=snapshot_interval, cipher_key=cipher_key,
        create_tables=create_tables,
    )
    if cache_orders is not None:
        env[FastTracker.AGGREGATE_CACHE_MAXSIZE] = str(cache_orders)
    if cache_megabytes is not None:
        env[CACHE_MEGABYTES] = str(cache_megabytes)
    try:
        tracker: Tracker = FastTracker(env=env) if fast else Tracker(env=env)
        try:
            check_store_key(tracker, str(store))
        except BaseException:
            tracker.close()
            raise
    except (PersistenceError, OSError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        if store.password:
            reason = reason.replace(store.password, "***")
        raise StoreUnavailableError(f"cannot open store {store}: {reason}") from None
    return tracker


__all__ = [
    "DEFAULT_STORE_URL",
    "CipherKeyError",
    "StoreConfigError",
    "StoreURL",
    "StoreUnavailableError",
    "open_tracker",
    "tracker_environment",
]
