"""Build the vendor adapters the configuration names: the one place that knows all four.

Only vendors with a ``[vendors.<name>]`` table are built; each credential is
read from the environment variable its ``*_env`` key names, so a missing one
is a ConfigError naming the file, the table and the variable.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from ordertrail.adapters.common.polled import PolledVendor
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.client import IvcapClient
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.planomatic.adapter import PlanomaticAdapter
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.config import PlanomaticConfig
from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
from ordertrail.adapters.planviewer.client import PlanviewerClient
from ordertrail.adapters.planviewer.config import PlanviewerConfig

DRIVEN_BY_SYNC = ("planviewer", "ivcap", "planomatic")


def planviewer_config(config: Config) -> PlanviewerConfig:
    table = config.vendors["planviewer"]
    options: dict[str, Any] = {}
    if "poll_interval_seconds" in table:
        options["poll_fast_seconds"] = float(table["poll_interval_seconds"])
    for key in ("base_url", "daily_cap", "timezone"):
        if key in table:
            options[key] = table[key]
    if "concurrency" in config.sync:
        options["max_concurrency"] = int(config.sync["concurrency"])
    return PlanviewerConfig(
        config.secret_from_env("planviewer", "access_key_id_env"),
        Secret(config.secret_from_env("planviewer", "access_key_secret_env")),
        **options,
    )


def ivcap_config(config: Config) -> IvcapConfig:
    table = config.vendors["ivcap"]
    if not table.get("base_url"):
        raise ConfigError(f"{config.source}: [vendors.ivcap] needs base_url")
    options: dict[str, Any] = {}
    if "poll_interval_seconds" in table:
        options["poll_fast_seconds"] = float(table["poll_interval_seconds"])
    if "concurrency" in config.sync:
        options["max_concurrency"] = int(config.sync["concurrency"])
    return IvcapConfig(
        Secret(config.secret_from_env("ivcap", "token_env")), table["base_url"],
        service_id=table.get("service_id", ""), account_id=table.get("account_id", ""), **options,
    )


def planomatic_config(config: Config) -> PlanomaticConfig:
    table = config.vendors["planomatic"]
    options: dict[str, Any] = {k: table[k] for k in ("base_url", "path") if k in table}
    if "email_env" in table or "password_env" in table:
        options["email"] = Secret(config.secret_from_env("planomatic", "email_env"))
        options["password"] = Secret(config.secret_from_env("planomatic", "password_env"))
    return PlanomaticConfig(Secret(config.secret_from_env("planomatic", "token_env")), **options)


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
    defaults = {"planviewer": PlanviewerConfig.base_url, "planomatic": PlanomaticConfig.base_url}
    return {name: str(config.vendors[name].get("base_url") or defaults.get(name, ""))
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
