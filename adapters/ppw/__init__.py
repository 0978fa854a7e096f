"""PPW Link (Property Preservation Wizard): PPW calls our receiver (vendor-spec B.6).

Wire it up::

    outbox = PPWOutbox("ppw-link.sqlite3")
    link = PPWLink(tracker, outbox, PPWConfig.with_password(user, password, site_id, our_id))
    app = make_app(link)          # an aiohttp.web.Application: serve it behind TLS

then request orders with ``tracker.request_order("ppw", vendor_request={...})``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ordertrail.adapters.ppw.plugin import PLUGIN

_WHERE = {
    "MalformedRequestError": "errors", "NotOfferableError": "errors",
    "PPWRequestError": "errors", "UnknownReportError": "errors",
    "UnknownTransactionError": "errors", "UnsupportedEventError": "errors",
    "PPWConfig": "config", "sha1_hex": "config",
    "request_cancel": "instructions", "request_complete": "instructions",
    "request_rtv": "instructions", "send_update": "instructions",
    "PPWLink": "link", "Offer": "outbox", "PPWOutbox": "outbox", "make_app": "receiver",
    "PPWSimulator": "simulator",
}
"""Each public name's module, imported on first use: the registry imports this package for its
``PLUGIN`` and must stay light (``ordertrail --help``)."""

if TYPE_CHECKING:
    from ordertrail.adapters.ppw.config import PPWConfig, sha1_hex
    from ordertrail.adapters.ppw.errors import (
        MalformedRequestError,
        NotOfferableError,
        PPWRequestError,
        UnknownReportError,
        UnknownTransactionError,
        UnsupportedEventError,
    )
    from ordertrail.adapters.ppw.instructions import (
        request_cancel,
        request_complete,
        request_rtv,
        send_update,
    )
    from ordertrail.adapters.ppw.link import PPWLink
    from ordertrail.adapters.ppw.outbox import Offer, PPWOutbox
    from ordertrail.adapters.ppw.receiver import make_app
    from ordertrail.adapters.ppw.simulator import PPWSimulator

__all__ = [
    "PLUGIN",
    "MalformedRequestError",
    "NotOfferableError",
    "Offer",
    "PPWConfig",
    "PPWLink",
    "PPWOutbox",
    "PPWRequestError",
    "PPWSimulator",
    "UnknownReportError",
    "UnknownTransactionError",
    "UnsupportedEventError",
    "make_app",
    "request_cancel",
    "request_complete",
    "request_rtv",
    "send_update",
    "sha1_hex",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
