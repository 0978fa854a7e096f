"""PPW Link as ordertrail's registry sees it: a vendor that calls our receiver, with a cancel
route and instructions of its own (``ordertrail ppw update|complete|rtv``). Light to import:
each hook imports what it uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ordertrail.adapters.common.plugin import (
    ActionContext,
    PluginBase,
    VendorCommand,
    VendorDemo,
    VendorSettings,
)

if TYPE_CHECKING:
    import msgspec
    from aiohttp import web

    from ordertrail.adapters.ppw.config import PPWConfig
    from ordertrail.adapters.ppw.link import PPWLink
    from ordertrail.adapters.ppw.outbox import PPWOutbox
    from ordertrail.domain.tracker import Tracker


def ppw_config(settings: VendorSettings) -> PPWConfig:
    """The receiver's configuration from ``[vendors.ppw]`` (the password's digest read here)."""
    from ordertrail.adapters.common.secret import Secret
    from ordertrail.adapters.ppw.config import PPWConfig

    table = settings.table
    digest = settings.secret("password_sha1_env").lower()  # checked: 40 hex
    return PPWConfig(
        username=table.username, password_sha1=Secret(digest), site_id=table.site_id,
        remote_site_id=table.remote_site_id, max_body_bytes=settings.max_body_bytes,
    )


def open_outbox(tracker: Tracker, settings: VendorSettings) -> PPWOutbox:
    """The receiver's bookkeeping file beside the configured store, brought up to date."""
    from ordertrail.adapters.ppw.outbox import PPWOutbox, path_for

    outbox = PPWOutbox(path_for(settings.store_url, settings.results_dir), cipher=tracker.cipher)
    outbox.sync(tracker)
    return outbox


@dataclass(frozen=True)
class PPWReceiver:
    """The receiver PPW calls, with its bookkeeping file."""

    vendor: str
    path: str
    app: web.Application
    link: PPWLink

    def observe(self, count: Callable[[str, str], None]) -> None:
        from ordertrail.adapters.ppw.receiver import observe

        observe(self.app, count)

    def close(self) -> None:
        self.link.outbox.close()


@dataclass(frozen=True)
class PPWPlugin(PluginBase):
    def table(self) -> type[msgspec.Struct]:
        from ordertrail.adapters.ppw.config import PPWTable

        return PPWTable

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        from ordertrail.adapters.ppw.wire import request_problem

        return request_problem(request)

    def base_url(self, table: Any) -> str | None:
        return None  # PPW calls us

    def receiver_path(self, table: Any) -> str:
        return str(table.receiver_path)

    def receiver(self, tracker: Tracker, settings: VendorSettings) -> PPWReceiver:
        from ordertrail.adapters.ppw.link import PPWLink
        from ordertrail.adapters.ppw.outbox import PPWOutbox, path_for
        from ordertrail.adapters.ppw.receiver import make_app

        outbox = PPWOutbox(path_for(settings.store_url, settings.results_dir),
                           cipher=tracker.cipher)
        link = PPWLink(tracker, outbox, ppw_config(settings))
        path = self.receiver_path(settings.table)
        return PPWReceiver(self.name, path, make_app(link, path), link)

    def cancel(self, ctx: ActionContext, settings: VendorSettings, order_id: UUID,
               reason: str | None) -> str:
        """Locally while PPW has not imported the order, else a ``Cancel`` offered to PPW."""
        from ordertrail.adapters.ppw.instructions import request_cancel

        tracker = ctx.tracker()
        outbox = open_outbox(tracker, settings)
        try:
            transaction = request_cancel(tracker, outbox, order_id, reason)
        finally:
            outbox.close()
        if transaction is None:
            return "cancelled"
        return f"Cancel offered to PPW (transaction {transaction}); cancelled once PPW acks it"


    def demo(self) -> VendorDemo:
        from ordertrail.adapters.ppw.demo import DEMO

        return DEMO

PLUGIN = PPWPlugin(
    name="ppw", title="PPW", ref_kind="ppw.report_id", polled=False, has_cancel_route=True,
    colour="#2a8c82",
    commands=(VendorCommand("ppw", "ordertrail.adapters.ppw.commands:ppw",
                            "Instructions to PPW for a work order it has imported."),),
    stuck_after={"REQUESTED": timedelta(days=1), "PLACED": timedelta(days=3),
                 "IN_PROGRESS": timedelta(days=14)},
)
"""PPW imports within a day (B.6: no ack within 24 hours is a person's task); field work takes
days to weeks."""
