"""Every named pay-and-submit outcome, end to end over loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import aiohttp
import pytest

from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.planomatic.adapter import PlanomaticAdapter
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.config import PlanomaticConfig
from ordertrail.adapters.planomatic.outcomes import STATUS_RULES, Kind
from ordertrail.adapters.planomatic.simulator import PlanomaticSim, start_planomatic_simulator
from ordertrail.adapters.sync.engine import SyncEngine
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vocabulary import Classification, Source
from tests.conftest import FIXTURES

CATALOG_FILE = FIXTURES / "planomatic/derived/pay_and_submit_status_catalog.json"
CATALOG = json.loads(CATALOG_FILE.read_text())
NAMES = [entry["status"] for entry in CATALOG["statuses"]]
REQUEST = {
    "order": {
        "client": {"first_name": "Ada", "last_name": "L", "email": "ada@example.com"},
        "primary_service": {"group_slug": "photos", "quantity": 1},
        "property_info": {"address": {"street": "1 Main St", "city": "Austin"}},
    },
    "payment_method_id": 11,
}
EXPECTED = {
    Kind.PLACED: (State.PLACED, ["PaymentAccepted", "OrderPlaced", "CostRecorded"]),
    Kind.DECLINED: (State.PAYMENT_DECLINED, ["PaymentDeclined"]),
    Kind.REJECTED: (State.REJECTED, ["OrderRejected"]),
    Kind.REAUTH: (State.REQUESTED, ["SubmissionFailed"]),
    Kind.FAILED: (State.REQUESTED, ["SubmissionFailed"]),
    Kind.UNKNOWN: (State.SUBMISSION_UNCERTAIN, ["SubmissionOutcomeUnknown"]),
}
TOKEN = "app-token"


def run(tracker: Tracker, scenario: Callable[[PlanomaticClient, PlanomaticSim], Awaitable[Any]],
        sim: PlanomaticSim | None = None, **config: Any) -> Any:
    async def go() -> Any:
        runner, url, simulator = await start_planomatic_simulator(sim=sim)
        try:
            async with aiohttp.ClientSession() as session:
                cfg = PlanomaticConfig(token=Secret(config.pop("token", TOKEN)), base_url=url,
                                       timeout_seconds=5, **config)
                return await scenario(PlanomaticClient(session, cfg), simulator)
        finally:
            await runner.cleanup()

    return asyncio.run(go())


async def pay_and_submit(tracker: Tracker, client: PlanomaticClient, order_id: UUID) -> State:
    """One sync pass with PlanOmatic alone (the engine submits every requested order it may);
    the order's state after it."""
    async with aiohttp.ClientSession() as session:
        engine = SyncEngine(tracker, {"planomatic": PlanomaticAdapter(client)},
                            SafeDownloader(session, FIXTURES))
        await engine.run_once()
    return tracker.get_order(order_id).state


def resubmit_with_payment_method(tracker: Tracker, order_id: UUID, method: int) -> None:
    tracker.run(c.Resubmit(order_id=order_id, changes={"payment_method_id": method},
                           source=Source.HUMAN))


def reconcile_by_person(tracker: Tracker, order_id: UUID, found: str | None) -> None:
    if found:
        tracker.run(c.Place(order_id=order_id, vendor_ref=found,
                            vendor_ref_kind="planomatic.order_id", source=Source.HUMAN))
    else:
        tracker.run(c.FailSubmission(order_id=order_id, source=Source.HUMAN,
                                     classification=Classification.RECONCILED_NOT_CREATED))


def types_after_request(tracker: Tracker, order_id: UUID) -> list[str]:
    return [e.type for e in tracker.history(order_id)][2:]


def test_the_catalog_names_24_statuses_and_each_has_a_rule() -> None:
    assert len(NAMES) == 24
    assert set(NAMES) == set(STATUS_RULES)


@pytest.mark.parametrize("status", NAMES)
def test_every_named_status_lands_in_its_normalized_state(tracker: Tracker, status: str) -> None:
    order_id = tracker.request_order("planomatic", REQUEST, f"po-{status}")

    async def scenario(client: PlanomaticClient, sim: PlanomaticSim) -> State:
        sim.next_statuses.append(status)
        return await pay_and_submit(tracker, client, order_id)

    state = run(tracker, scenario)
    expected_state, expected_types = EXPECTED[STATUS_RULES[status].kind]
    assert state is expected_state
    assert [e.type for e in tracker.history(order_id)] == [
        "OrderRequested", "SubmissionAttempted", *expected_types
    ]
    last = tracker.history(order_id)[-1]
    if status != "action-successful":
        assert last.fields.get("vendor_code") == status
    assert last.raw is not None


def test_success_records_payment_and_placement_in_one_commit(tracker: Tracker) -> None:
    order_id = tracker.request_order("planomatic", REQUEST, "po-ok")
    run(tracker, lambda client, sim: pay_and_submit(tracker, client, order_id))
    view = tracker.get_order(order_id)
    assert view.vendor_ref == "PO-00001" and view.vendor_ref_kind == "planomatic.order_id"
    placed, accepted = tracker.history(order_id)[-1], tracker.history(order_id)[-2]
    assert placed.recorded_at == accepted.recorded_at or placed.version == accepted.version + 1


def test_a_declined_order_resubmitted_with_a_new_card_is_placed_and_keeps_its_history(
    tracker: Tracker,
) -> None:
    order_id = tracker.request_order("planomatic", REQUEST, "po-declined")

    async def scenario(client: PlanomaticClient, sim: PlanomaticSim) -> State:
        sim.next_statuses.append("card-expired")
        assert await pay_and_submit(tracker, client, order_id) is State.PAYMENT_DECLINED
        resubmit_with_payment_method(tracker, order_id, 42)
        return await pay_and_submit(tracker, client, order_id)

    assert run(tracker, scenario) is State.PLACED
    assert types_after_request(tracker, order_id) == [
        "PaymentDeclined", "OrderResubmitted", "SubmissionAttempted", "PaymentAccepted",
        "OrderPlaced", "CostRecorded",
    ]
    assert tracker.get_order(order_id).vendor_request["payment_method_id"] == 42


def test_an_invalid_token_re_authenticates_once_and_succeeds(tracker: Tracker) -> None:
    order_id = tracker.request_order("planomatic", REQUEST, "po-reauth")
    state = run(tracker, lambda client, sim: pay_and_submit(tracker, client, order_id),
                token="stale", email=Secret("ops@example.com"), password=Secret("plano-password"))
    assert state is State.PLACED


def test_a_second_invalid_token_after_re_authentication_does_not_loop(tracker: Tracker) -> None:
    order_id = tracker.request_order("planomatic", REQUEST, "po-reauth-loop")

    async def scenario(client: PlanomaticClient, sim: PlanomaticSim) -> State:
        sim.next_statuses.extend(["invalid-token", "invalid-token", "action-successful"])
        state = await pay_and_submit(tracker, client, order_id)
        assert sim.requests == 2
        return state

    state = run(tracker, scenario, email=Secret("ops@example.com"),
                password=Secret("plano-password"))
    assert state is State.REQUESTED
    assert tracker.history(order_id)[-1].fields["classification"] == "needs_reauth"


def test_client_required_goes_to_a_person_without_a_re_login(tracker: Tracker) -> None:
    order_id = tracker.request_order("planomatic", REQUEST, "po-client")

    async def scenario(client: PlanomaticClient, sim: PlanomaticSim) -> State:
        sim.next_statuses.append("client-required")
        state = await pay_and_submit(tracker, client, order_id)
        assert sim.requests == 1
        return state

    assert run(tracker, scenario, email=Secret("ops@example.com"),
               password=Secret("plano-password")) is State.REJECTED
    assert tracker.get_order(order_id).attention == "rejected: client_required"


@pytest.mark.parametrize("trouble", ["duplicate-payment", "application-crash", "drop"])
def test_an_uncertain_outcome_is_never_retried_and_the_card_is_charged_at_most_once(
    tracker: Tracker, trouble: str
) -> None:
    order_id = tracker.request_order("planomatic", REQUEST, f"po-{trouble}")

    async def scenario(client: PlanomaticClient, sim: PlanomaticSim) -> PlanomaticSim:
        if trouble == "drop":
            sim.drop_after_charge = True
        else:
            sim.next_statuses.append(trouble)
        assert await pay_and_submit(tracker, client, order_id) is State.SUBMISSION_UNCERTAIN
        assert await pay_and_submit(tracker, client, order_id) is State.SUBMISSION_UNCERTAIN
        return sim

    sim = run(tracker, scenario)
    assert sim.requests == 1 and sum(sim.charges.values()) <= 1
    assert types_after_request(tracker, order_id) == ["SubmissionOutcomeUnknown"]


def test_a_person_settles_an_uncertain_order_either_way(tracker: Tracker) -> None:
    found = tracker.request_order("planomatic", REQUEST, "po-found")
    absent = tracker.request_order("planomatic", REQUEST, "po-absent")

    async def scenario(client: PlanomaticClient, sim: PlanomaticSim) -> None:
        sim.next_statuses.extend(["application-crash", "application-crash"])
        await pay_and_submit(tracker, client, found)  # the pass submits both orders

    run(tracker, scenario)
    reconcile_by_person(tracker, found, "PO-77")
    reconcile_by_person(tracker, absent, None)
    assert tracker.get_order(found).state is State.PLACED
    assert tracker.get_order(absent).state is State.REQUESTED
    assert tracker.history(found)[-1].source == "human"


def test_an_unreachable_vendor_is_retryable_because_nothing_was_sent(tracker: Tracker) -> None:
    order_id = tracker.request_order("planomatic", REQUEST, "po-down")

    async def scenario() -> State:
        async with aiohttp.ClientSession() as session:
            cfg = PlanomaticConfig(token=Secret(TOKEN), base_url="http://127.0.0.1:9",
                                   timeout_seconds=2)
            return await pay_and_submit(tracker, PlanomaticClient(session, cfg), order_id)

    assert asyncio.run(scenario()) is State.REQUESTED
    last = tracker.history(order_id)[-1]
    assert last.type == "SubmissionFailed" and last.fields["classification"] == "retryable"


def test_the_token_and_password_never_reach_events_logs_or_reprs(
    tracker: Tracker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    order_id = tracker.request_order("planomatic", REQUEST, "po-secret")
    secret_token, password = "stale-but-secret-token-981", "plano-password"

    async def scenario(client: PlanomaticClient, sim: PlanomaticSim) -> str:
        sim.next_statuses.extend(["invalid-token", "application-crash"])
        await pay_and_submit(tracker, client, order_id)
        return repr(client)

    shown = run(tracker, scenario, token=secret_token, email=Secret("ops@example.com"),
                password=Secret(password))
    stored = json.dumps([[e.fields, e.raw] for e in tracker.history(order_id)], default=str)
    for secret in (secret_token, password):
        assert secret not in stored and secret not in caplog.text and secret not in shown
    assert tracker.get_order(order_id).vendor_request == REQUEST
