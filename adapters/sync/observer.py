"""The sync engine's one seam for being watched: what each vendor call came to, and each pass.

The engine calls an observer and knows nothing of logs or metrics; the command line passes
one that writes a log line per pass and counts calls (``ordertrail.adapters.observability``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ordertrail.adapters.sync.engine import PassReport


class SyncObserver(Protocol):
    def vendor_call(self, vendor: str, operation: str, classification: str,
                    error: str | None) -> None:
        """One call to a vendor ended: ``classification`` is ``success`` or what went wrong
        (a ``Classification`` value, ``transport`` or ``uncertain``); ``error`` is its one line."""

    def pass_done(self, report: PassReport) -> None:
        """One pass ended (``report.seconds`` long)."""


log = logging.getLogger("ordertrail.adapters.sync.engine")


class Unobserved:
    """The engine as a library: each problem of a pass is a standard-library warning."""

    def vendor_call(self, vendor: str, operation: str, classification: str,
                    error: str | None) -> None:
        return None

    def pass_done(self, report: PassReport) -> None:
        for problem in report.errors:
            log.warning("sync: %s", problem)
