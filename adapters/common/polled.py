"""The contract between the sync engine and a polled vendor adapter.

The engine owns the at-most-once protocol: it records SubmissionAttempted
(committed) before it calls ``submit``, and an order found with a submission
still in flight after a restart is marked SUBMISSION_UNCERTAIN, never
resubmitted. Adapters only talk to their vendor and translate what it said
into domain commands; they never write to the tracker themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from ordertrail.domain.commands import AnyCommand
from ordertrail.domain.views import OrderView


@dataclass(frozen=True)
class DownloadedFile:
    """A result file that is complete, verified and durable on disk."""

    path: Path
    file_name: str
    media_type: str
    size: int
    sha256: str


class Downloader(Protocol):
    """Streams one URL into the results directory safely (temp file, fsync, rename).

    ``headers`` carries the vendor's authentication; ``fallback_name`` is used
    when the response has no usable Content-Disposition file name.
    """

    def __call__(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        fallback_name: str,
        expected_size: int | None = None,
    ) -> Awaitable[DownloadedFile]: ...


class PolledVendor(Protocol):
    vendor: str
    """The vendor's name (its plugin's ``name``)."""
    daily_cap: int | None
    """Orders a day the vendor allows (checked locally before submit), or None."""
    max_concurrency: int
    """Requests in flight at once toward this vendor."""
    poll_batch_size: int
    """Orders per status request (1 where the vendor has no batch status call)."""
    waiting_poll_interval: timedelta
    """How often a job that waits for a person's answer is still checked."""

    def submission_day(self, now: datetime) -> date:
        """The vendor-local calendar day a submission at ``now`` counts toward."""
        ...

    def next_day_start(self, now: datetime) -> datetime:
        """When the vendor's next day (and daily cap) begins, as an aware datetime."""
        ...

    def poll_interval(self, order: OrderView, now: datetime) -> timedelta:
        """How long to wait before polling this order again (backs off with age)."""
        ...

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        """Why ``request`` cannot be sent to this vendor (naming the field), or None."""
        ...

    async def probe(self) -> bool:
        """A safe read that proves the credentials work: True when it succeeded, False when the
        vendor has no such read; raises VendorAuthError when they are still refused."""
        ...

    async def submit(self, order: OrderView, now: datetime) -> list[AnyCommand]:
        """Hand the order to the vendor once. Lost responses become MarkOutcomeUnknown; what
        the answer says of the vendor account as a whole becomes connector commands."""
        ...

    async def reconcile(self, order: OrderView, now: datetime) -> list[AnyCommand]:
        """Decide an uncertain submission: Place if found, FailSubmission(reconciled_not_created)
        if provably absent, or a needs-human record when the vendor cannot tell."""
        ...

    async def poll(self, orders: Sequence[OrderView], now: datetime) -> list[AnyCommand]:
        """Status of placed orders (one batch); commands only for what changed."""
        ...

    async def retrieve(
        self, order: OrderView, download: Downloader, now: datetime
    ) -> list[AnyCommand]:
        """Download every announced, not yet retrieved result of a DELIVERED order."""
        ...

    async def close(self) -> None: ...


VendorFactory = Callable[[], PolledVendor]
