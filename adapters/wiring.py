"""Build the vendor adapters the configuration names: the one place that knows all four.

Only vendors with a ``[vendors.<name>]`` table are built, from its typed table (defaults
included); each credential is read from the environment variable its ``*_env`` key names,
so a missing one is a ConfigError naming the file, the table and the variable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
import msgspec

from ordertrail.adapters.common.polled import PolledVendor
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.ivcap import config as ivcap
from ordertrail.adapters.ivcap import wire as ivcap_wire
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.client import IvcapClient
from ordertrail.adapters.planomatic import config as planomatic
from ordertrail.adapters.planomatic import wire as planomatic_wire
from ordertrail.adapters.planomatic.adapter import PlanomaticAdapter
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planviewer import config as planviewer
from ordertrail.adapters.planviewer import wire as planviewer_wire
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.client import PlanviewerClient
from ordertrail.adapters.ppw import wire as ppw_wire

DRIVEN_BY_SYNC = ("planviewer", "ivcap", "planomatic")
REQUEST_CHECKS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "planviewer": planviewer_wire.request_problem,
    "ivcap": ivcap_wire.request_problem,
    "planomatic": planomatic_wire.request_problem,
    "ppw": ppw_wire.request_problem,
}
"""Each vendor's check of an order request against its wire type: why the vendor would
refuse it (naming the field), or None."""
T = TypeVar("T", bound=msgspec.Struct)


def planviewer_config(config: Config) -> planviewer.PlanviewerConfig:
    table = _table(config, "planviewer", planviewer.PlanviewerTable)
    options = _tuned(table, planviewer.TUNABLE)
    if table.poll_interval_seconds is not None:
        options["poll_fast_seconds"] = table.poll_interval_seconds
    if config.sync.concurrency is not None:
        options["max_concurrency"] = config.sync.concurrency
    return planviewer.PlanviewerConfig(
        config.secret_from_env("planviewer", "access_key_id_env"),
        Secret(config.secret_from_env("planviewer", "access_key_secret_env")),
        base_url=table.base_url, daily_cap=table.daily_cap, timezone=table.timezone, **options,
    )


def ivcap_config(config: Config) -> ivcap.IvcapConfig:
    table = _table(config, "ivcap", ivcap.IvcapTable)
    options = _tuned(table, ivcap.TUNABLE)
    if table.poll_interval_seconds is not None:
        options["poll_fast_seconds"] = table.poll_interval_seconds
    if config.sync.concurrency is not None:
        options["max_concurrency"] = config.sync.concurrency
    return ivcap.IvcapConfig(
        Secret(config.secret_from_env("ivcap", "token_env")), table.base_url,
        service_id=table.service_id, account_id=table.account_id, **options,
    )


def planomatic_config(config: Config) -> planomatic.PlanomaticConfig:
    table = _table(config, "planomatic", planomatic.PlanomaticTable)
    options = _tuned(table, planomatic.TUNABLE)
    if table.email_env is not None:
        options["email"] = Secret(config.secret_from_env("planomatic", "email_env"))
        options["password"] = Secret(config.secret_from_env("planomatic", "password_env"))
    return planomatic.PlanomaticConfig(Secret(config.secret_from_env("planomatic", "token_env")),
                            base_url=table.base_url, path=table.path, **options)


def _tuned(table: msgspec.Struct, names: tuple[str, ...]) -> dict[str, Any]:
    """The tuning keys (timeouts, retries, limits) a table sets, by their runtime names."""
    return {name: getattr(table, name) for name in names if getattr(table, name) is not None}


def _table(config: Config, vendor: str, kind: type[T]) -> T:
    table = config.vendor(vendor, kind)
    if table is None:
        raise ConfigError(f"{config.source}: no [vendors.{vendor}] table")
    return table


def place_problem(config: Config, vendor: str, request: Mapping[str, Any]) -> str | None:
    """Why an order for ``vendor`` would never go out, in one line, or None: the vendor has
    no ``[vendors.<vendor>]`` table (nothing would serve it), or the vendor would refuse the
    request (the field named)."""
    if vendor not in config.vendors:
        where = ("no configuration file (--config, or ./ordertrail.toml)"
                 if config.source == "(defaults)" else config.source)
        return (f"{where}: no [vendors.{vendor}] table, so no {vendor} order would ever be "
                "sent; configure the vendor first")
    problem = REQUEST_CHECKS[vendor](request)
    if problem is not None:
        return f"{vendor} would refuse this request: {problem}"
    return None


def sync_vendors(config: Config, session: aiohttp.ClientSession) -> dict[str, PolledVendor]:
    """The adapters ``ordertrail sync`` drives, for the vendors configured."""
    vendors: dict[str, PolledVendor] = {}
    if "planviewer" in config.vendors:
        pv = planviewer_config(config)
        vendors["planviewer"] = PlanviewerAdapter(PlanviewerClient(session, pv), pv)
    if "ivcap" in config.vendors:
        iv = ivcap_config(config)
        vendors["ivcap"] = IvcapAdapter(IvcapClient(session, iv), iv)
    if "planomatic" in config.vendors:
        vendors["planomatic"] = PlanomaticAdapter(
            PlanomaticClient(session, planomatic_config(config)))
    return vendors


def vendor_urls(config: Config) -> dict[str, str]:
    """The base URL of each vendor ``ordertrail sync`` calls, as configured or by default."""
    return {name: str(getattr(config.vendors[name], "base_url", ""))
            for name in DRIVEN_BY_SYNC if name in config.vendors}


async def unreachable_vendors(urls: dict[str, str], timeout: float = 3.0) -> dict[str, str]:
    """Vendors whose base URL does not even accept a TCP connection: {vendor: "url: reason"}.

    Only a connection is opened (no request, no credentials), so this is safe to run before
    every pass; a vendor that is down is reported, and the others are synced anyway.
    """
    async def probe(name: str, url: str) -> tuple[str, str | None]:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()  # no user:password
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(parts.hostname, port), timeout)
        except (OSError, TimeoutError) as error:
            reason = "timed out" if isinstance(error, TimeoutError) else (
                error.strerror or type(error).__name__)
            return name, f"{shown}: {reason}"
        writer.close()
        return name, None

    results = await asyncio.gather(*(probe(name, url) for name, url in urls.items()))
    return {name: problem for name, problem in results if problem is not None}


async def answer_at_vendor(config: Config, view: Any, choice: str) -> list[Any]:
    """Give Planviewer a person's answer to its question about ``view`` (``kik/select``); the
    commands that record it once accepted (``ordertrail.adapters.common.actions.choose``)."""
    async with aiohttp.ClientSession() as session:
        adapter = sync_vendors(config, session).get("planviewer")
        if adapter is None:
            raise ConfigError(f"{config.source}: no [vendors.planviewer] table")
        commands: list[Any] = await adapter.select_location(view, choice)  # type: ignore[attr-defined]
    return commands
