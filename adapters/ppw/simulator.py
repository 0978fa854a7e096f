"""PPW's side of PPW Link, played against our receiver (tests, demos, benchmarks).

Behaves like a PPW Auto Import: ``validate_user`` once, then each cycle
``get_all_orders`` -> ``get_order`` for every new header -> ``ack_transaction``
(imported, or duplicate for configured wo_numbers, acked straight after the
listing as PPW does), then ``get_all_updates`` / ``get_all_notes`` when the
control objects ask for them. It can also misbehave on purpose: wrong
credentials, malformed bodies, repeated acks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import msgspec

from ordertrail.adapters.ppw.config import sha1_hex

FORM = "application/x-www-form-urlencoded"


@dataclass
class CycleReport:
    offered: list[str] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)


class PPWSimulator:
    def __init__(
        self,
        receiver_url: str,
        username: str,
        password: str,
        site_id: str,
        *,
        duplicates: Iterable[str] = (),
        refuse_updates: bool = False,
        push_url: str = "https://ppw.invalid/ppwlink/push",
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.receiver_url = receiver_url
        self.username = username
        self.password_sha1 = sha1_hex(password)
        self.site_id = site_id
        self.duplicates = set(duplicates)
        self.refuse_updates = refuse_updates
        self.push_url = push_url
        self._session = session
        self._own_session = session is None
        self.imported: dict[str, dict[str, Any]] = {}
        """report_id -> the work order PPW imported (what get_order returned)."""
        self.import_log: list[str] = []
        """Every import, in order: a report id appearing twice is a double import."""
        self.acks_sent: list[dict[str, Any]] = []
        self.updates_applied: list[dict[str, Any]] = []

    async def __aenter__(self) -> PPWSimulator:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------ wire
    def payload(self, event_name: str, event_data: Any, **override: str) -> dict[str, Any]:
        """The payload PPW sends: event_data JSON-encoded as a string inside the JSON."""
        body = {
            "username": self.username, "password": self.password_sha1, "site_id": self.site_id,
            "event_name": event_name,
            "event_data": msgspec.json.encode(event_data).decode()
            if not isinstance(event_data, str) else event_data,
        }
        return {**body, **override}

    async def post_raw(self, body: bytes, content_type: str = FORM) -> tuple[int, bytes]:
        assert self._session is not None, "use PPWSimulator inside 'async with'"
        async with self._session.post(
            self.receiver_url, data=body, headers={"Content-Type": content_type}
        ) as response:
            return response.status, await response.read()

    async def post_payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = urlencode({"payload": msgspec.json.encode(payload).decode()}).encode()
        status, content = await self.post_raw(body)
        if status != 200:
            raise AssertionError(f"receiver answered HTTP {status}: {content[:200]!r}")
        envelope: dict[str, Any] = msgspec.json.decode(content)
        return envelope

    async def call(self, event_name: str, event_data: Any = None, **override: str) -> Any:
        """Post one event; its result_data, or AssertionError carrying the error envelope."""
        envelope = await self.post_payload(self.payload(event_name, event_data or {}, **override))
        if envelope.get("success") is not True or envelope.get("error") is not False:
            raise AssertionError(f"{event_name} failed: {envelope.get('return_error_msg')!r}")
        return envelope["result_data"]

    # ------------------------------------------------------------ PPW behaviour
    async def validate_user(self) -> Any:
        return await self.call("validate_user", {"ppwlink_push": self.push_url})

    async def ack(self, transaction_id: str, **fields: Any) -> Any:
        data = {"transaction_id": transaction_id, **fields}
        self.acks_sent.append(data)
        return await self.call("ack_transaction", data)

    async def run_cycle(self, timestamp: int | None = None) -> CycleReport:
        report = CycleReport()
        since = {} if timestamp is None else {"timestamp": str(timestamp)}
        listing = await self.call("get_all_orders", since)
        headers = [item for item in listing if "report_id" in item]
        for header in headers:
            report.offered.append(header["report_id"])
            await self._take(header, report)
        if {"get_all_updates": "1"} in listing:
            for item in await self.call("get_all_updates", since):
                report.updates.append(item)
                await self._apply_update(item)
        if {"get_all_notes": "1"} in listing:
            report.notes.extend(await self.call("get_all_notes", since))
        return report

    async def run(self, cycles: int, every_seconds: float = 60.0) -> list[CycleReport]:
        """Auto Import on a schedule: ``validate_user``, then a cycle every ``every_seconds``."""
        await self.validate_user()
        reports = []
        for i in range(cycles):
            if i:
                await asyncio.sleep(every_seconds)
            reports.append(await self.run_cycle())
        return reports

    async def _take(self, header: dict[str, Any], report: CycleReport) -> None:
        tid, report_id = header["transaction_id"], header["report_id"]
        known_numbers = {wo["wo_number"] for wo in self.imported.values()}
        if header["wo_number"] in self.duplicates or header["wo_number"] in known_numbers:
            report.duplicates.append(report_id)
            await self.ack(tid, status="error", reason="Duplicate work order number")
            return
        details = await self.call("get_order", {"report_id": report_id, "transaction_id": tid})
        self.imported[report_id] = details
        self.import_log.append(report_id)
        report.imported.append(report_id)
        await self.ack(tid, status="success")

    async def _apply_update(self, item: dict[str, Any]) -> None:
        if self.refuse_updates:
            await self.ack(item["transaction_id"], status="error",
                           reason="Order is Ready for Office and cannot be updated")
            return
        self.updates_applied.append(item)
        await self.ack(item["transaction_id"], status="success")

    async def send_ready_for_office(self, report_id: str) -> Any:
        return await self.call("send_ready_for_office", {"dst_report_id": report_id})

    async def send_result(self, event_name: str, report_id: str, **extra: Any) -> Any:
        return await self.call(event_name, {"dst_report_id": report_id, **extra})
