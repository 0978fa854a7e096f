"""Stream a result into the results directory: verified, durable, never partial.

Bytes go to a temporary file beside the final one, counted and hashed as they
arrive; the count must match Content-Length (and the vendor's stated size);
then fsync, atomic rename, fsync of the directory. Any failure deletes the
temporary file and raises DownloadError: nothing half-written is left or
recorded. A stall timeout abandons a download that stops making progress.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

from ordertrail.adapters.common import crashpoints
from ordertrail.adapters.common.errors import Classification, VendorAuthError, VendorError
from ordertrail.adapters.common.filenames import disposition_filename, sanitize
from ordertrail.adapters.common.polled import DownloadedFile, Downloader
from ordertrail.domain import commands as c
from ordertrail.domain.views import OrderView
from ordertrail.domain.vocabulary import Source, Trouble

CHUNK = 64 * 1024
log = logging.getLogger(__name__)


class DownloadError(VendorError):
    """The result could not be downloaded completely and correctly."""

    classification = Classification.RETRYABLE


class NotDownloadable(DownloadError):
    """The vendor answered 4xx: retrying now will not help (403 rights, 404 not finished)."""

    classification = Classification.NEEDS_HUMAN

    def __init__(self, vendor: str, message: str, status: int) -> None:
        super().__init__(vendor, message)
        self.status = status


class SizeMismatch(DownloadError):
    """The bytes received differ from Content-Length or the vendor's stated size."""


class TooLarge(DownloadError):
    """The result is larger than ``[results] max_bytes``: a person must raise it or fetch it."""

    classification = Classification.NEEDS_HUMAN


@dataclass(frozen=True)
class DownloadTrouble:
    """How a refused download is counted: which trouble, and after how many over how long a
    person is asked (vendor-spec P6: a 404 about 5 times over 10 minutes, a 403 at once)."""

    trouble: Trouble
    limit: int
    spread: timedelta


def trouble_of(error: DownloadError) -> DownloadTrouble | None:
    """The trouble a download error counts as; None for one simply tried again next pass."""
    if isinstance(error, NotDownloadable):
        if error.status == 404:
            return DownloadTrouble(Trouble.RETRIEVE_NOT_FOUND, 5, timedelta(minutes=10))
        if error.status == 403:
            return DownloadTrouble(Trouble.RETRIEVE_FORBIDDEN, 1, timedelta(0))
        return DownloadTrouble(Trouble.DOWNLOAD_REFUSED, 1, timedelta(0))
    if isinstance(error, TooLarge):
        return DownloadTrouble(Trouble.DOWNLOAD_REFUSED, 1, timedelta(0))
    if isinstance(error, SizeMismatch):
        return DownloadTrouble(Trouble.DOWNLOAD_REFUSED, 3, timedelta(minutes=10))
    return None


@dataclass(frozen=True)
class Result:
    """One announced result to fetch: where, with what fallback name and expected size."""

    ref: str
    url: str
    fallback_name: str
    expected_size: int | None = None
    media_type: str | None = None


async def retrieve_results(
    order: OrderView, results: Sequence[Result], download: Downloader,
    headers: Mapping[str, str], now: datetime,
) -> list[c.AnyCommand]:
    """Fetch each result; a file verified on disk is recorded, a refusal is counted as a
    trouble (backing off, a person's task past its limit), anything else is tried next pass."""
    commands: list[c.AnyCommand] = []
    for result in results:
        try:
            file = await download(result.url, headers=headers, fallback_name=result.fallback_name,
                                  expected_size=result.expected_size)
        except NotDownloadable as error:
            if error.status == 401:
                raise VendorAuthError(error.vendor, "download refused our credentials (401)",
                                      401) from None
            commands += _counted(order, error, now)
            continue
        except DownloadError as error:
            commands += _counted(order, error, now)
            continue
        commands.append(c.RecordResultRetrieved(
            order_id=order.id, result_ref=result.ref, file_name=file.file_name,
            media_type=result.media_type or file.media_type, size=file.size, sha256=file.sha256,
            source=Source.POLL))
        commands += [c.ClearTrouble(order_id=order.id, trouble=t, source=Source.POLL)
                     for t in order.troubles if t.stops_retrieval]
    return commands


def _counted(order: OrderView, error: DownloadError, now: datetime) -> list[c.AnyCommand]:
    found = trouble_of(error)
    if found is None:
        log.info("download for %s will be tried again: %s", order.id, error)
        return []
    return [c.ObserveTrouble(order_id=order.id, trouble=found.trouble, detail=str(error),
                             limit=found.limit, spread=found.spread, now=now, source=Source.POLL)]


class SafeDownloader:
    """Downloads into ``results_dir/<order_id>/``; one instance per order (see ``for_order``)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        results_dir: Path,
        *,
        vendor: str = "vendor",
        max_bytes: int = 100 * 1024 * 1024,
        stall_timeout: float = 30.0,
        order_dir: str = "",
    ) -> None:
        self.session = session
        self.results_dir = results_dir
        self.vendor = vendor
        self.max_bytes = max_bytes
        self.stall_timeout = stall_timeout
        self.order_dir = order_dir

    def for_order(self, order_id: object, vendor: str) -> SafeDownloader:
        return SafeDownloader(
            self.session, self.results_dir, vendor=vendor, max_bytes=self.max_bytes,
            stall_timeout=self.stall_timeout, order_dir=str(order_id),
        )

    async def __call__(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        fallback_name: str,
        expected_size: int | None = None,
    ) -> DownloadedFile:
        folder = self.results_dir / sanitize(self.order_dir, "unsorted")
        folder.mkdir(parents=True, exist_ok=True)
        _sweep_partials(folder)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=self.stall_timeout)
        try:
            async with self.session.get(url, headers=dict(headers), timeout=timeout) as response:
                if response.status >= 400:
                    raise NotDownloadable(
                        self.vendor, f"download answered HTTP {response.status}", response.status
                    )
                name = sanitize(disposition_filename(response.headers.get("Content-Disposition")),
                                fallback_name)
                media_type = response.content_type or "application/octet-stream"
                length = response.content_length
                if length is not None and length > self.max_bytes:
                    raise TooLarge(self.vendor, f"{name}: {length} bytes is more than the "
                                                f"{self.max_bytes} of [results] max_bytes")
                return await self._stream(response, folder, name, media_type, length,
                                          expected_size)
        except (TimeoutError, aiohttp.ClientError) as error:
            raise DownloadError(self.vendor, f"download failed: {type(error).__name__}") from None

    async def _stream(
        self, response: aiohttp.ClientResponse, folder: Path, name: str, media_type: str,
        length: int | None, expected_size: int | None,
    ) -> DownloadedFile:
        digest = hashlib.sha256()
        size = 0
        handle, temp_name = tempfile.mkstemp(prefix=".part-", dir=folder)
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                async for chunk in response.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge(self.vendor, f"{name}: more than the {self.max_bytes} "
                                                    "bytes of [results] max_bytes")
                    digest.update(chunk)
                    out.write(chunk)
                    crashpoints.crash_point("mid_download")
                out.flush()
                os.fsync(out.fileno())
            for stated, what in ((length, "Content-Length"), (expected_size, "stated size")):
                if stated is not None and stated != size:
                    raise SizeMismatch(self.vendor, f"{name}: got {size} bytes, {what} {stated}")
            final = _same_file(folder / name, size, digest.hexdigest())
            if final is not None:  # fetched before a crash, not yet recorded: keep one copy
                temp.unlink()
            else:
                final = _free_path(folder, name)
                os.replace(temp, final)
                _fsync_dir(folder)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return DownloadedFile(final, final.name, media_type, size, digest.hexdigest())


def _sweep_partials(folder: Path) -> None:
    """Remove temp files a killed process left behind (one worker holds an order at a time)."""
    for leftover in folder.glob(".part-*"):
        leftover.unlink(missing_ok=True)


def _same_file(path: Path, size: int, sha256: str) -> Path | None:
    """``path`` when it already holds exactly these bytes."""
    if not path.is_file() or path.stat().st_size != size:
        return None
    digest = hashlib.sha256()
    with path.open("rb") as existing:
        for block in iter(lambda: existing.read(CHUNK), b""):
            digest.update(block)
    return path if digest.hexdigest() == sha256 else None


def _free_path(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``name (2)``... when a different file already has it."""
    candidate = folder / name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while candidate.exists():
        candidate = folder / (f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})")
        n += 1
    return candidate


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
