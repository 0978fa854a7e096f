"""PlanOmatic as ordertrail's registry sees it: a polled vendor (pay and submit). Light to
import: each hook imports what it uses."""

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
    from ordertrail.adapters.planomatic.config import PlanomaticConfig


def planomatic_config(settings: VendorSettings) -> PlanomaticConfig:
    """The runtime configuration from ``[vendors.planomatic]`` (credentials read here)."""
    from ordertrail.adapters.common.secret import Secret
    from ordertrail.adapters.common.tables import tuned
    from ordertrail.adapters.planomatic.config import TUNABLE, PlanomaticConfig

    table = settings.table
    options = tuned(table, TUNABLE)
    if table.email_env is not None:
        options["email"] = Secret(settings.secret("email_env"))
        options["password"] = Secret(settings.secret("password_env"))
    return PlanomaticConfig(Secret(settings.secret("token_env")), base_url=table.base_url,
                            path=table.path, **options)


@dataclass(frozen=True)
class PlanomaticPlugin(PluginBase):
    def table(self) -> type[msgspec.Struct]:
        from ordertrail.adapters.planomatic.config import PlanomaticTable

        return PlanomaticTable

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        from ordertrail.adapters.planomatic.wire import request_problem

        return request_problem(request)

    def build(self, settings: VendorSettings, session: aiohttp.ClientSession) -> PolledVendor:
        from ordertrail.adapters.planomatic.adapter import PlanomaticAdapter
        from ordertrail.adapters.planomatic.client import PlanomaticClient

        return PlanomaticAdapter(PlanomaticClient(session, planomatic_config(settings)))


    def demo(self) -> VendorDemo:
        from ordertrail.adapters.planomatic.demo import DEMO

        return DEMO

PLUGIN = PlanomaticPlugin(
    name="planomatic", title="PlanOmatic", ref_kind="planomatic.order_id", colour="#b5651d",
    stuck_after={"PLACED": timedelta(days=7)},
)
"""A shoot is scheduled, taken and delivered by PlanOmatic's people within days."""
