"""Planviewer as ordertrail's registry sees it: a polled vendor whose questions (which parcel)
a person answers through ordertrail. Light to import: each hook imports what it uses."""

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
    from ordertrail.adapters.planviewer.config import PlanviewerConfig
    from ordertrail.domain.commands import AnyCommand
    from ordertrail.domain.views import OrderView


def planviewer_config(settings: VendorSettings) -> PlanviewerConfig:
    """The runtime configuration from ``[vendors.planviewer]`` (credentials read here)."""
    from ordertrail.adapters.common.secret import Secret
    from ordertrail.adapters.common.tables import tuned
    from ordertrail.adapters.planviewer.config import TUNABLE, PlanviewerConfig

    table = settings.table
    options = tuned(table, TUNABLE)
    if table.poll_interval_seconds is not None:
        options["poll_fast_seconds"] = table.poll_interval_seconds
    if settings.concurrency is not None:
        options["max_concurrency"] = settings.concurrency
    return PlanviewerConfig(
        settings.secret("access_key_id_env"), Secret(settings.secret("access_key_secret_env")),
        base_url=table.base_url, daily_cap=table.daily_cap, timezone=table.timezone, **options,
    )


@dataclass(frozen=True)
class PlanviewerPlugin(PluginBase):
    def table(self) -> type[msgspec.Struct]:
        from ordertrail.adapters.planviewer.config import PlanviewerTable

        return PlanviewerTable

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        from ordertrail.adapters.planviewer.wire import request_problem

        return request_problem(request)

    def build(self, settings: VendorSettings, session: aiohttp.ClientSession) -> PolledVendor:
        from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
        from ordertrail.adapters.planviewer.client import PlanviewerClient

        config = planviewer_config(settings)
        return PlanviewerAdapter(PlanviewerClient(session, config), config)

    async def answer(self, settings: VendorSettings, view: OrderView,
                     choice: str) -> list[AnyCommand]:
        """``kik/select`` with the person's choice; the commands that record it."""
        import aiohttp

        from ordertrail.adapters.planviewer.adapter import PlanviewerAdapter
        from ordertrail.adapters.planviewer.client import PlanviewerClient

        config = planviewer_config(settings)
        async with aiohttp.ClientSession() as session:
            adapter = PlanviewerAdapter(PlanviewerClient(session, config), config)
            return list(await adapter.select_location(view, choice))


    def demo(self) -> VendorDemo:
        from ordertrail.adapters.planviewer.demo import DEMO

        return DEMO

PLUGIN = PlanviewerPlugin(
    name="planviewer", title="Planviewer", ref_kind="planviewer.job_uuid",
    answers_here=True, colour="#1b6ca8",
    stuck_after={"PLACED": timedelta(minutes=30), "IN_PROGRESS": timedelta(hours=4)},
)
"""A job is queued for minutes and runs for minutes to hours (B.5): past these it is stuck."""
