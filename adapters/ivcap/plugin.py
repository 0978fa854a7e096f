"""IVCAP as ordertrail's registry sees it: a polled vendor. Light to import: each hook imports
what it uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ordertrail.adapters.common.plugin import PluginBase, VendorDemo, VendorSettings

if TYPE_CHECKING:
    import aiohttp
    import msgspec

    from ordertrail.adapters.common.polled import PolledVendor
    from ordertrail.adapters.ivcap.config import IvcapConfig


def ivcap_config(settings: VendorSettings) -> IvcapConfig:
    """The runtime configuration from ``[vendors.ivcap]`` (the token read here)."""
    from ordertrail.adapters.common.secret import Secret
    from ordertrail.adapters.common.tables import tuned
    from ordertrail.adapters.ivcap.config import TUNABLE, IvcapConfig

    table = settings.table
    options = tuned(table, TUNABLE)
    if table.poll_interval_seconds is not None:
        options["poll_fast_seconds"] = table.poll_interval_seconds
    if settings.concurrency is not None:
        options["max_concurrency"] = settings.concurrency
    return IvcapConfig(Secret(settings.secret("token_env")), table.base_url,
                       service_id=table.service_id, account_id=table.account_id, **options)


@dataclass(frozen=True)
class IvcapPlugin(PluginBase):
    def table(self) -> type[msgspec.Struct]:
        from ordertrail.adapters.ivcap.config import IvcapTable

        return IvcapTable

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        from ordertrail.adapters.ivcap.wire import request_problem

        return request_problem(request)

    def build(self, settings: VendorSettings, session: aiohttp.ClientSession) -> PolledVendor:
        from ordertrail.adapters.ivcap.adapter import IvcapAdapter
        from ordertrail.adapters.ivcap.client import IvcapClient

        config = ivcap_config(settings)
        return IvcapAdapter(IvcapClient(session, config), config)


    def demo(self) -> VendorDemo:
        from ordertrail.adapters.ivcap.demo import DEMO

        return DEMO

PLUGIN = IvcapPlugin(
    name="ivcap", title="IVCAP", ref_kind="ivcap.order_id", colour="#7a4fb5",
    stuck_after={"PLACED": timedelta(hours=1), "IN_PROGRESS": timedelta(hours=12)},
)
"""An analytics run is scheduled within the hour and runs for hours: past these it is stuck."""
