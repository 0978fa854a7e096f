"""Downloads are verified, durable and never partial; hostile names stay inside the folder."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from ordertrail.adapters.common.download import DownloadError, NotDownloadable, SafeDownloader
from ordertrail.adapters.common.filenames import MAX_BYTES, disposition_filename, sanitize

BODY = b"x" * 10_000


async def files(request: web.Request) -> web.StreamResponse:
    kind = request.match_info["kind"]
    if kind == "ok":
        return web.Response(body=BODY, headers={
            "Content-Disposition": "attachment; filename=\"plain.pdf\"; "
                                   "filename*=UTF-8''%E2%82%AC%20rates.pdf"},
            content_type="application/pdf")
    if kind == "hostile":
        return web.Response(body=BODY, headers={
            "Content-Disposition": 'attachment; filename="../../etc/passwd"'})
    if kind == "missing":
        return web.Response(status=404)
    response = web.StreamResponse(headers={"Content-Length": str(len(BODY) * 2)})
    await response.prepare(request)
    await response.write(BODY)
    if kind == "stall":
        await asyncio.sleep(5)
    assert request.transport is not None
    request.transport.close()
    return response


def fetch(tmp_path: Path, kind: str, **options: Any) -> Any:
    async def go() -> Any:
        app = web.Application()
        app.router.add_get("/f/{kind}", files)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            async with aiohttp.ClientSession() as session:
                downloader = SafeDownloader(session, tmp_path, **options).for_order("order-1", "t")
                return await downloader(f"http://127.0.0.1:{port}/f/{kind}", headers={},
                                        fallback_name="fallback.bin")
        finally:
            await runner.cleanup()

    return asyncio.run(go())


def leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.rglob("*") if p.is_file())


def test_a_download_is_named_from_filename_star_hashed_and_complete(tmp_path: Path) -> None:
    file = fetch(tmp_path, "ok")
    assert file.file_name == "€ rates.pdf" and file.size == len(BODY)
    assert file.path == tmp_path / "order-1" / "€ rates.pdf" and file.path.read_bytes() == BODY
    import hashlib

    assert file.sha256 == hashlib.sha256(BODY).hexdigest()


def test_a_hostile_name_cannot_escape_the_results_folder(tmp_path: Path) -> None:
    file = fetch(tmp_path, "hostile")
    assert file.path.parent == tmp_path / "order-1" and file.file_name == "passwd"


@pytest.mark.parametrize("kind", ["truncated", "stall"])
def test_a_short_or_stalled_body_leaves_no_file(tmp_path: Path, kind: str) -> None:
    with pytest.raises(DownloadError):
        fetch(tmp_path, kind, stall_timeout=0.5)
    assert leftovers(tmp_path) == []


def test_a_body_over_the_cap_is_refused_and_removed(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"more than|exceeds"):
        fetch(tmp_path, "ok", max_bytes=1000)
    assert leftovers(tmp_path) == []


def test_a_404_is_not_downloadable(tmp_path: Path) -> None:
    with pytest.raises(NotDownloadable):
        fetch(tmp_path, "missing")


@given(st.text(max_size=300))
def test_any_name_sanitizes_to_one_safe_component(name: str) -> None:
    safe = sanitize(name, "fallback.bin")
    assert safe and "/" not in safe and "\\" not in safe and safe not in (".", "..")
    assert not safe.startswith(".") and len(safe.encode()) <= MAX_BYTES
    assert all(ord(ch) >= 32 and ord(ch) != 127 for ch in safe)


@given(st.text(max_size=200))
def test_any_header_gives_a_name_or_none_never_an_error(header: str) -> None:
    name = disposition_filename(f"attachment; filename*=UTF-8''{header}")
    sanitize(name, "x.bin")


def test_a_temp_file_left_by_a_killed_process_is_swept_before_the_next_download(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "order-1"
    folder.mkdir()
    (folder / ".part-killed").write_bytes(b"half a file")
    fetch(tmp_path, "ok")
    assert leftovers(tmp_path) == ["€ rates.pdf"]


def test_fetching_again_after_a_crash_before_the_record_keeps_one_copy(tmp_path: Path) -> None:
    first, second = fetch(tmp_path, "ok"), fetch(tmp_path, "ok")
    assert second.path == first.path and leftovers(tmp_path) == ["€ rates.pdf"]


def test_a_different_file_of_the_same_name_is_kept_beside_it(tmp_path: Path) -> None:
    folder = tmp_path / "order-1"
    folder.mkdir()
    (folder / "€ rates.pdf").write_bytes(b"another report")
    file = fetch(tmp_path, "ok")
    assert file.file_name == "€ rates (2).pdf"
    assert (folder / "€ rates.pdf").read_bytes() == b"another report"
