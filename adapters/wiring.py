"""Build the vendor adapters, receivers and checks the configuration names, from the plugins
of the registry.

Only vendors with a ``[vendors.<name>]`` table are built, from its typed table (defaults
included); each credential is read from the environment variable its ``*_env`` key names,
so a missing one is a ConfigError naming the file, the table and the variable.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from ordertrail.adapters.common.plugin import Receiver, VendorPlugin
from ordertrail.adapters.common.polled import PolledVendor
from ordertrail.adapters.config import Config, ConfigError
from ordertrail.adapters.registry import plugin as registered_plugin
from ordertrail.adapters.registry import plugins
from ordertrail.domain.tracker import Tracker


def configured(config: Config) -> list[VendorPlugin]:
    """The registered vendors the configuration has a ``[vendors.<name>]`` table for."""
    return [p for p in plugins() if p.name in config.vendors]


def sync_vendors(config: Config, session: aiohttp.ClientSession) -> dict[str, PolledVendor]:
    """The adapters ``ordertrail sync`` drives, for the polled vendors configured."""
    vendors: dict[str, PolledVendor] = {}
    for plugin in configured(config):
        if plugin.polled:
            adapter = plugin.build(config.settings(plugin), session)
            if adapter is not None:
                vendors[plugin.name] = adapter
    return vendors


def receivers(config: Config, tracker: Tracker) -> list[Receiver]:
    """The receivers of the configured vendors that call us (built, not yet served)."""
    found = []
    for plugin in configured(config):
        receiver = plugin.receiver(tracker, config.settings(plugin))
        if receiver is not None:
            found.append(receiver)
    return found


def receiver_paths(config: Config) -> dict[str, str]:
    """Where each configured vendor that calls us has its receiver mounted: {vendor: path}."""
    found = {}
    for plugin in configured(config):
        path = plugin.receiver_path(config.vendors[plugin.name])
        if path is not None:
            found[plugin.name] = path
    return found


def vendor_urls(config: Config) -> dict[str, str]:
    """The base URL of each vendor ``ordertrail sync`` calls, as configured or by default."""
    urls = {}
    for plugin in configured(config):
        url = plugin.base_url(config.vendors[plugin.name]) if plugin.polled else None
        if url:
            urls[plugin.name] = url
    return urls


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
    """Give the order's vendor a person's answer to its question about ``view``; the commands
    that record it once accepted (``ordertrail.adapters.actions.choose``)."""
    plugin = registered_plugin(view.vendor)
    if plugin.name not in config.vendors:
        raise ConfigError(f"{config.source}: no [vendors.{plugin.name}] table")
    return list(await plugin.answer(config.settings(plugin), view, choice))
