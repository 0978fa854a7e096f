"""The aiohttp.web receiver PPW posts to (the "PPW Link URL" of an Auto Import).

One route: ``POST`` with a form body holding ``payload``. Every answer is HTTP
200 with PPW's JSON envelope, except a body over the size limit (413) and a
content type other than a form (415). Requests that fail authentication or
cannot be read record nothing, and log only what is safe: never the payload.

Store work runs on one store thread per app (``StoreWorker``), not on the
event loop, so the loop keeps reading requests while SQLite or PostgreSQL
works. One exception: a ``get_all_orders`` poll that finds nothing changed
since the last listing (two reads: the store's newest notification id and the
outbox's version) is answered on the loop, when the store thread is idle; a
turn on that thread costs five times those reads. ``get_all_notes``, which reads
nothing (we keep no notes), is answered on the loop too. Acks that arrive while a
transaction is being committed wait for it and are then recorded together, in
one transaction (group commit); each request is answered only after the
transaction holding its ack has committed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Set
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiohttp import web

from ordertrail.adapters.ppw.auth import AUTH_FAILED, authenticate
from ordertrail.adapters.ppw.config import PPWConfig
from ordertrail.adapters.ppw.errors import PPWRequestError, UnsupportedEventError
from ordertrail.adapters.ppw.link import RESULT_EVENTS, PPWLink
from ordertrail.adapters.ppw.wire import Envelope, decode_form, encode, event_data
from ordertrail.domain.errors import DomainError

log = logging.getLogger(__name__)
FORM = "application/x-www-form-urlencoded"
DEFAULT_PATH = "/ppw/receiver"
T = TypeVar("T")


class StoreWorker:
    """Runs a link's store work in one thread; groups concurrent acks into one transaction.

    One thread, so the link's writes never contend with each other for the
    store's lock. Acks queue while the thread is busy (committing a group, or
    any other event); when it is free, the next group takes all of them (no
    timer: a lone ack on an idle thread is recorded at once).
    """

    def __init__(self, link: PPWLink) -> None:
        self.link = link
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="ppw-store")
        self._lock = threading.Lock()
        self._acks: list[tuple[dict[str, Any], asyncio.Future[Any]]] = []
        self._recording: list[tuple[dict[str, Any], asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None
        self._busy = 0
        """Store work handed to the thread and not finished (even if its caller gave up)."""

    async def handle(self, event_name: str, data: dict[str, Any]) -> Any:
        """The result_data for one authenticated event; raises what ``link.handle`` raises."""
        if event_name == "ack_transaction":
            return await self._ack(data)
        if event_name == "get_all_notes":
            return self.link.get_all_notes(data)  # touches no store: no turn on the thread
        if event_name == "get_all_orders" and not self._busy:
            # The store thread is idle, and only this loop gives it work: nothing touches the
            # store until this returns.
            listing = self.link.repeated_listing(data)
            if listing is not None:
                return listing
        return await self.run(self.link.handle, event_name, data)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work(*args)`` on the store thread, after the store work queued before it."""
        with self._lock:
            self._busy += 1
        done = self._thread.submit(work, *args)
        done.add_done_callback(self._finished)  # on the thread, when the work has ended
        return await asyncio.wrap_future(done)

    def _finished(self, _: Any) -> None:
        with self._lock:
            self._busy -= 1

    @property
    def queued_acks(self) -> int:
        """Acks waiting for the next group (not those in the group being recorded)."""
        return len(self._acks)

    async def _ack(self, data: dict[str, Any]) -> Any:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        with self._lock:
            self._acks.append((data, answer))
        if self._draining is None:
            self._draining = loop.create_task(self._drain())
        # shield: a client that hangs up does not cancel the group its ack is in
        return await asyncio.shield(answer)

    def _record_queued(self) -> list[tuple[asyncio.Future[Any], Any]]:
        """On the store thread: take every ack queued by now and record them as one group."""
        with self._lock:
            group, self._acks = self._acks, []
            self._recording = group
        try:
            answers = self.link.ack_transactions([data for data, _ in group])
        except Exception as failure:  # the whole group failed: every ack says so
            answers = [failure] * len(group)
        return [(future, answer) for (_, future), answer in zip(group, answers, strict=True)]

    async def _drain(self) -> None:
        try:
            while self.queued_acks:
                for future, answer in await self.run(self._record_queued):
                    if future.done():
                        continue
                    if isinstance(answer, BaseException):
                        future.set_exception(answer)
                    else:
                        future.set_result(answer)
        finally:
            self._draining = None
            with self._lock:
                stranded, self._recording = [*self._recording, *self._acks], []
                self._acks = []
            for _, future in stranded:  # only when cancelled (the app is shutting down)
                if not future.done():
                    future.cancel()

    async def close(self) -> None:
        if self._draining is not None:
            await asyncio.wait([self._draining])
        self._thread.shutdown(wait=True)


LINK_KEY = web.AppKey("ppw_link", PPWLink)
WORKER_KEY = web.AppKey("ppw_store_worker", StoreWorker)
Observer = Callable[[str, str], None]
OBSERVER_KEY = web.AppKey[Observer]("ppw_observer")
"""Told (event, outcome) of every request, when set (``observe``): the metrics count them."""
KNOWN_EVENTS: Set[str] = frozenset({"validate_user", "get_all_orders", "get_order",
                                     "get_all_updates", "get_all_notes", "ack_transaction",
                                     *RESULT_EVENTS})
"""Event names reported as themselves; any other is ``other`` (PPW's callers choose it)."""


def observe(app: web.Application, observer: Observer) -> None:
    """Tell ``observer`` the event and outcome of each request to the receiver ``app``."""
    app[OBSERVER_KEY] = observer


def make_app(link: PPWLink, path: str = DEFAULT_PATH) -> web.Application:
    """The receiver as an aiohttp application (bodies over the configured limit get 413)."""
    app = web.Application(client_max_size=link.config.max_body_bytes)
    app[LINK_KEY] = link
    app[WORKER_KEY] = StoreWorker(link)
    app.router.add_post(path, receive)

    async def close_worker(app: web.Application) -> None:
        await app[WORKER_KEY].close()

    app.on_cleanup.append(close_worker)
    return app


def reply(
    config: PPWConfig, result: Any = None, *, error: str | None = None, status: int = 200
) -> web.Response:
    envelope = Envelope(
        remote_site_id=config.remote_site_id,
        error=error is not None,
        success=error is None,
        return_error_msg=error,
        result_data="" if error is not None else result,
    )
    return web.Response(body=encode(envelope), status=status, content_type="application/json")


async def receive(request: web.Request) -> web.Response:
    """Answer one post; tell the observer (if any) its event and outcome."""
    try:
        event, outcome, response = await _answer(request)
    except web.HTTPRequestEntityTooLarge:
        _observed(request.app, "unknown", "too_large")
        raise
    _observed(request.app, event, outcome)
    return response


def _observed(app: web.Application, event: str, outcome: str) -> None:
    observer = app.get(OBSERVER_KEY)
    if observer is not None:
        observer(event if event in KNOWN_EVENTS or event == "unknown" else "other", outcome)


async def _answer(request: web.Request) -> tuple[str, str, web.Response]:
    """(event, outcome, answer) of one post."""
    link = request.app[LINK_KEY]
    config = link.config
    if request.content_type != FORM:
        log.warning("ppw receiver: refused content type %r", request.content_type[:60])
        return "unknown", "bad_content_type", reply(
            config, error=f"content type must be {FORM}", status=415)
    body = await request.read()  # raises HTTPRequestEntityTooLarge (413) past the limit
    try:
        payload = decode_form(body)
    except PPWRequestError as failure:
        log.warning("ppw receiver: unreadable request: %s", failure.reply)
        return "unknown", "unreadable", reply(config, error=failure.reply)
    event_name = payload.event_name[:60]
    if not authenticate(payload, config):
        log.warning("ppw receiver: credentials refused (event %r)", event_name)
        return event_name, "auth_failed", reply(config, error=AUTH_FAILED)
    try:
        result = await request.app[WORKER_KEY].handle(payload.event_name, event_data(payload))
    except UnsupportedEventError as failure:
        log.warning("ppw receiver: %s", failure.detail)
        return event_name, "unsupported", reply(config, error=failure.reply)
    except PPWRequestError as failure:
        log.warning("ppw receiver: %s refused: %s", event_name, failure.reply)
        return event_name, "refused", reply(config, error=failure.reply)
    except DomainError as failure:
        log.warning("ppw receiver: %s refused by the ledger: %s", event_name, failure)
        return event_name, "ledger_refused", reply(config, error=str(failure))
    return event_name, "ok", reply(config, result)
