"""PPW Link (Property Preservation Wizard): PPW calls our receiver (vendor-spec B.6).

Wire it up::

    outbox = PPWOutbox("ppw-link.sqlite3")
    link = PPWLink(tracker, outbox, PPWConfig.with_password(user, password, site_id, our_id))
    app = make_app(link)          # an aiohttp.web.Application: serve it behind TLS

then request orders with ``tracker.request_order("ppw", vendor_request={...})``.
"""

from __future__ import annotations

from ordertrail.adapters.ppw.config import PPWConfig, sha1_hex
from ordertrail.adapters.ppw.errors import (
    MalformedRequestError,
    NotOfferableError,
    PPWRequestError,
    UnknownReportError,
    UnknownTransactionError,
    UnsupportedEventError,
)
from ordertrail.adapters.ppw.instructions import request_cancel, request_complete, request_rtv, send_update
from ordertrail.adapters.ppw.link import PPWLink
from ordertrail.adapters.ppw.outbox import Offer, PPWOutbox
from ordertrail.adapters.ppw.receiver import make_app
from ordertrail.adapters.ppw.simulator import PPWSimulator

__all__ = [
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
