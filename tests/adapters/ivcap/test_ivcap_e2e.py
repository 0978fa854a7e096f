"""Every documented IVCAP outcome over loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import pytest

from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.errors import VendorProtocolError
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.ivcap.adapter import IvcapAdapter
from ordertrail.adapters.ivcap.client import IvcapClient
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.ivcap.simulator import IvcapSim, Plan, start_ivcap_simulator
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker

REQUEST = {"service_id": "urn:ivcap:service:flood-model", "account_id": "urn:ivcap:account:42",
           "parameters": [{"name": "region", "value": "QLD"}]}


def now() -> datetime:
    return datetime.now(UTC)


class Driver:
    def __init__(self, tracker: Tracker, adapter: IvcapAdapter, sim: IvcapSim,
                 downloader: SafeDownloader) -> None:
        self.tracker, self.adapter, self.sim, self.downloader = tracker, adapter, sim, downloader

    async def submit(self, key: str) -> UUID:
        oid = self.tracker.request_order("ivcap", REQUEST, key)
        self.tracker.run(c.AttemptSubmission(order_id=oid, channel="POST /1/orders"))
        self.tracker.execute(await self.adapter.submit(self.tracker.get_order(oid), now()))
        return oid

    async def poll(self, oid: UUID, times: int = 1) -> None:
        for _ in range(times):
            self.tracker.execute(await self.adapter.poll([self.tracker.get_order(oid)], now()))

    async def reconcile(self, oid: UUID, after: timedelta = timedelta(minutes=5)) -> None:
        """Reconcile ``after`` the uncertainty began (by default past the settle time)."""
        self.tracker.execute(await self.adapter.reconcile(self.tracker.get_order(oid),
                                                          now() + after))

    def types(self, oid: UUID) -> list[str]:
        return [e.type for e in self.tracker.history(oid)]


def drive(tracker: Tracker, tmp_path: Path, scenario: Callable[[Driver], Awaitable[Any]],
          sim: IvcapSim | None = None, token: str | None = None) -> Any:
    async def go() -> Any:
        runner, url, simulator = await start_ivcap_simulator(sim=sim)
        try:
            async with aiohttp.ClientSession() as session:
                config = IvcapConfig(Secret(token or simulator.token), url, retries=2,
                                     create_timeout_seconds=5)
                adapter = IvcapAdapter(IvcapClient(session, config), config)
                downloader = SafeDownloader(session, tmp_path / "results")
                return await scenario(Driver(tracker, adapter, simulator, downloader))
        finally:
            await runner.cleanup()

    return asyncio.run(go())


def test_an_order_runs_to_completion_and_every_product_is_retrieved(tracker: Tracker,
                                                                    tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = await d.submit("iv-ok")
        assert d.tracker.get_order(oid).state is State.PLACED
        await d.poll(oid, 3)
        view = d.tracker.get_order(oid)
        assert view.state is State.DELIVERED and len(view.results_available) == 2
        d.tracker.execute(await d.adapter.retrieve(view, d.downloader.for_order(oid, "ivcap"), now()))
        assert d.tracker.get_order(oid).state is State.COMPLETED
        assert d.types(oid) == [
            "OrderRequested", "SubmissionAttempted", "OrderPlaced", "StatusChanged",
            "StatusChanged", "StatusChanged", "ResultAvailable", "ResultAvailable",
            "ResultRetrieved", "ResultRetrieved",
        ]
        files = sorted(p.name for p in (tmp_path / "results" / str(oid)).iterdir())
        assert len(files) == 2 and all(f.endswith(".csv") for f in files)

    drive(tracker, tmp_path, scenario, IvcapSim(default_plan=Plan(products=2)))


def test_an_order_that_errors_fails(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = await d.submit("iv-err")
        d.sim.orders[d.tracker.get_order(oid).vendor_ref].plan.ends = "error"
        await d.poll(oid, 3)
        assert d.tracker.get_order(oid).state is State.FAILED

    drive(tracker, tmp_path, scenario)


def test_an_unknown_status_is_recorded_and_changes_nothing(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = await d.submit("iv-odd")
        d.sim.unknown_status = "unknown"
        await d.poll(oid)
        last = d.tracker.history(oid)[-1]
        assert last.fields["raw_status"] == "unknown" and last.to_state is State.PLACED

    drive(tracker, tmp_path, scenario)


@pytest.mark.parametrize(
    ("status", "body", "state", "last_type", "field", "value"),
    [
        (400, None, State.REQUESTED, "SubmissionFailed", "classification", "needs_reauth"),
        (400, {"message": "bad"}, State.REJECTED, "OrderRejected", "reason_code", "bad_request"),
        (401, None, State.REQUESTED, "SubmissionFailed", "classification", "needs_reauth"),
        (403, {"id": "x", "message": "scope"}, State.REJECTED, "OrderRejected", "reason_code",
         "forbidden_scope"),
        (404, {"id": "urn:x", "message": "no service"}, State.REJECTED, "OrderRejected",
         "reason_code", "resource_not_found"),
        (422, {"message": "bad value", "name": "region", "value": "Mars"}, State.REJECTED,
         "OrderRejected", "reason_code", "invalid_parameter"),
        (501, {"message": "later"}, State.REJECTED, "OrderRejected", "reason_code",
         "not_implemented"),
        (503, None, State.REQUESTED, "SubmissionFailed", "classification", "retryable"),
    ],
)
def test_each_create_error_maps_to_its_state(tracker: Tracker, tmp_path: Path, status: int,
                                             body: dict[str, Any] | None, state: State,
                                             last_type: str, field: str, value: str) -> None:
    async def scenario(d: Driver) -> None:
        d.sim.fail_next_create, d.sim.fail_body = status, body
        oid = await d.submit(f"iv-{status}-{bool(body)}")
        assert d.tracker.get_order(oid).state is state
        last = d.tracker.history(oid)[-1]
        assert last.type == last_type and last.fields[field] == value
        if status == 422:
            assert last.fields["details"]["name"] == "region"

    drive(tracker, tmp_path, scenario)


def test_a_lost_answer_is_reconciled_by_name_and_never_resent(tracker: Tracker,
                                                             tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        d.sim.drop_next_creates = 1
        oid = await d.submit("iv-lost")
        assert d.tracker.get_order(oid).state is State.SUBMISSION_UNCERTAIN
        await d.reconcile(oid)
        view = d.tracker.get_order(oid)
        assert view.state is State.PLACED and view.vendor_ref in d.sim.orders
        assert d.sim.created_per_name[str(oid)] == 1
        assert d.tracker.history(oid)[-2].source == "reconciliation"

    drive(tracker, tmp_path, scenario)


def test_an_uncertain_creation_is_not_looked_up_while_the_request_may_still_arrive(
    tracker: Tracker, tmp_path: Path
) -> None:
    """A request we gave up on can reach IVCAP later (a stalled proxy, a queue): looking it up
    at once would find nothing and a retry would create the order twice."""

    async def scenario(d: Driver) -> None:
        d.sim.drop_next_creates = 1
        oid = await d.submit("iv-late")
        lookups = d.sim.requests["GET /1/orders"]
        await d.reconcile(oid, after=timedelta(seconds=d.adapter.config.reconcile_after_seconds
                                               - 5))
        assert d.tracker.get_order(oid).state is State.SUBMISSION_UNCERTAIN
        assert d.sim.requests["GET /1/orders"] == lookups  # not asked yet
        await d.reconcile(oid)
        assert d.tracker.get_order(oid).state is State.PLACED
        assert d.sim.created_per_name[str(oid)] == 1

    drive(tracker, tmp_path, scenario)


def test_a_503_after_creation_is_found_by_name_before_any_second_create(
    tracker: Tracker, tmp_path: Path
) -> None:
    async def scenario(d: Driver) -> None:
        d.sim.unavailable_after_create = 1
        oid = await d.submit("iv-503")
        assert d.tracker.get_order(oid).state is State.REQUESTED  # retryable, per the spec
        d.tracker.run(c.AttemptSubmission(order_id=oid, channel="POST /1/orders"))
        d.tracker.execute(await d.adapter.submit(d.tracker.get_order(oid), now()))
        view = d.tracker.get_order(oid)
        assert view.state is State.PLACED and view.vendor_ref in d.sim.orders
        assert d.sim.created_per_name[str(oid)] == 1

    drive(tracker, tmp_path, scenario)


def test_a_listing_that_is_not_a_list_of_orders_is_never_taken_for_none(
    tracker: Tracker, tmp_path: Path
) -> None:
    """The lookup before a retried create gets a 200 that is no ``OrderListRT``: that is not
    "IVCAP has none", so nothing is created; the next lookup finds the order."""

    async def scenario(d: Driver) -> None:
        d.sim.unavailable_after_create = 1
        oid = await d.submit("iv-shapeless")
        d.sim.shapeless_next_lists = 1
        d.tracker.run(c.AttemptSubmission(order_id=oid, channel="POST /1/orders"))
        with pytest.raises(VendorProtocolError, match="orders"):
            await d.adapter.submit(d.tracker.get_order(oid), now())
        assert d.sim.created_per_name[str(oid)] == 1
        d.tracker.execute(await d.adapter.submit(d.tracker.get_order(oid), now()))
        assert d.tracker.get_order(oid).state is State.PLACED
        assert d.sim.created_per_name[str(oid)] == 1

    drive(tracker, tmp_path, scenario)


def test_a_request_lost_before_creation_goes_back_to_requested(tracker: Tracker,
                                                               tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        d.sim.lose_next_creates = 1
        oid = await d.submit("iv-gone")
        await d.reconcile(oid)
        assert d.tracker.get_order(oid).state is State.REQUESTED
        assert d.types(oid)[-2:] == ["SubmissionOutcomeUnknown", "SubmissionFailed"]
        assert d.sim.created_per_name[str(oid)] == 0

    drive(tracker, tmp_path, scenario)


def test_reconciliation_follows_list_paging(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = await d.submit("iv-paging")
        found = await d.adapter.client.list_by_name(str(oid))
        assert [o.id for o in found] == [d.tracker.get_order(oid).vendor_ref]
        for i in range(60):
            await d.submit(f"iv-fill-{i}")
        assert len(await d.adapter.client.list_by_name(str(oid))) == 1

    drive(tracker, tmp_path, scenario)


def test_a_5xx_on_read_is_retried(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = await d.submit("iv-busy")
        d.sim.read_failures = 2
        await d.poll(oid)
        assert d.tracker.get_order(oid).last_raw_status == "pending"

    drive(tracker, tmp_path, scenario)


def test_filter_values_that_look_like_sql_are_inert(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        await d.submit("iv-sql")
        found = await d.adapter.client.list_by_name("x' or 1=1; drop table orders; --")
        assert found == [] and len(d.sim.orders) == 1

    drive(tracker, tmp_path, scenario)


def test_the_token_never_reaches_events_logs_or_reprs(tracker: Tracker, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = "jwt-secret-4711"

    async def scenario(d: Driver) -> str:
        oid = await d.submit("iv-secret")
        await d.poll(oid, 3)
        view = d.tracker.get_order(oid)
        d.tracker.execute(await d.adapter.retrieve(view, d.downloader.for_order(oid, "ivcap"), now()))
        stored = json.dumps([[e.fields, e.raw] for e in d.tracker.history(oid)], default=str)
        assert token not in stored
        return repr(d.adapter.client)

    shown = drive(tracker, tmp_path, scenario, IvcapSim(token=token), token=token)
    assert token not in shown and token not in caplog.text


def test_a_poll_keeps_what_ivcap_sent_verbatim_for_audit(tracker: Tracker, tmp_path: Path) -> None:
    """The raw fragment of a polled status is the body IVCAP answered, every field of it, not
    our decoded view of it (which would drop fields we do not model and add our defaults)."""

    async def scenario(d: Driver) -> tuple[list[Any], list[Any]]:
        bodies: list[Any] = []
        read_answer = d.adapter.client.read_answer

        async def recording(order_id: str) -> Any:
            status, body = await read_answer(order_id)
            bodies.append(json.loads(body))
            return status, body

        d.adapter.client.read_answer = recording  # type: ignore[method-assign]
        oid = await d.submit("iv-verbatim")
        await d.poll(oid, 3)
        polled = [e.raw for e in d.tracker.history(oid) if e.type == "StatusChanged"
                  and e.source == "poll"]
        return bodies, polled

    bodies, polled = drive(tracker, tmp_path, scenario)
    assert polled, "no poll recorded a status"
    assert all(raw in bodies for raw in polled)
    assert {"account", "service"} <= set(polled[0]), "fields we do not model are kept"
    assert "describedBy" not in polled[0]["links"], "none of our defaults are added"
