"""Nothing waits unseen: every documented situation that waits on a person reaches the attention
list with a kind and a reason, no vendor is hammered, and fixing the cause lets held orders go,
still at most once. End to end through the simulators; vendor calls are counted from the
simulators' own logs. Time is the engine's clock, moved by the tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import pytest

from ordertrail.adapters.common.download import SafeDownloader
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.ivcap.simulator import IvcapSim
from ordertrail.adapters.ivcap.simulator import Plan as IvcapPlan
from ordertrail.adapters.planomatic.adapter import PlanomaticAdapter
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.config import PlanomaticConfig
from ordertrail.adapters.planomatic.simulator import PlanomaticSim, start_planomatic_simulator
from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim
from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.sync.engine import SyncEngine
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vocabulary import AttentionKind, HoldCause, Source
from ordertrail.projections import AttentionItem, ProjectionRunner, open_read_models
from tests.adapters.sync.harness import Rig, rig

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Amsterdam


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def attention(tracker: Tracker, store_url: str) -> list[AttentionItem]:
    runner = ProjectionRunner(tracker, store_url)
    runner.catch_up()
    runner.close()
    models = open_read_models(store_url)
    try:
        return models.attention(now=datetime.now(UTC))
    finally:
        models.close()


def pv(tracker: Tracker, n: int) -> UUID:
    return tracker.request_order("planviewer", {"intention_uuid": f"i-{n}"}, f"pv-{n}")


def iv(tracker: Tracker, n: int) -> UUID:
    return tracker.request_order("ivcap", {"parameters": [{"name": "n", "value": str(n)}]},
                                 f"iv-{n}")


def types(tracker: Tracker, order_id: UUID) -> list[str]:
    return [e.type for e in tracker.history(order_id)]


def run(store_url: str, tmp_path: Path, scenario: Callable[[Tracker, Rig, Clock], Awaitable[Any]],
        **options: Any) -> Tracker:
    tracker = open_tracker(store_url)
    clock = Clock()

    async def go() -> None:
        async with rig(tracker, tmp_path, clock=clock, **options) as r:
            await scenario(tracker, r, clock)

    try:
        asyncio.run(go())
    except BaseException:
        tracker.close()
        raise
    return tracker


async def passes(r: Rig, clock: Clock, count: int, every: timedelta = timedelta(minutes=1)
                 ) -> None:
    for _ in range(count):
        await r.engine.run_once()
        clock.now += every


def vendor_items(items: list[AttentionItem], vendor: str) -> dict[str, AttentionItem]:
    return {i.kind: i for i in items if i.order_id is None and i.vendor == vendor}


def order_items(items: list[AttentionItem], order_id: UUID) -> list[str]:
    return [i.kind for i in items if i.order_id == order_id]


# ---------------------------------------------------------------- the connector
def test_a_402_opens_the_circuit_no_order_follows_and_a_person_lets_the_held_ones_go(
    store_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(payment_required=True, daily_cap=100)

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        first, second, third = pv(tracker, 1), pv(tracker, 2), pv(tracker, 3)
        await passes(r, clock, 3)
        assert sim.requests["POST jobs/order"] == 1  # one 402, then nothing more is sent
        assert tracker.get_order(first).state is State.PAYMENT_DECLINED
        for held in (second, third):
            view = tracker.get_order(held)
            assert (view.state, view.hold, view.submission_attempts) == \
                (State.REQUESTED, HoldCause.CIRCUIT, 0)
        items = attention(tracker, store_url)
        circuit = vendor_items(items, "planviewer")[AttentionKind.CIRCUIT_OPEN]
        assert "402" in circuit.reason
        assert order_items(items, first) == ["PAYMENT_DECLINED"]
        assert order_items(items, second) == [] and order_items(items, third) == []
        # A person fixes the account and closes the circuit: the held orders go, once each.
        sim.payment_required = False
        tracker.run(c.CloseCircuit(vendor="planviewer", by=Source.HUMAN, reason="fixed"))
        await passes(r, clock, 2)
        assert sim.requests["POST jobs/order"] == 3
        assert sim.jobs_per_intention["i-2"] == sim.jobs_per_intention["i-3"] == 1
        assert types(tracker, second)[:5] == [
            "OrderRequested", "SubmissionHeld", "HoldLifted", "SubmissionAttempted", "OrderPlaced"]
        assert tracker.get_order(first).state is State.PAYMENT_DECLINED  # a person resubmits it
        assert AttentionKind.CIRCUIT_OPEN not in vendor_items(attention(tracker, store_url),
                                                              "planviewer")

    run(store_url, tmp_path, scenario, pv=sim, daily_cap=100).close()


def test_a_429_stops_the_day_whatever_our_count_says_and_asks_once_for_a_higher_cap(
    store_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(daily_cap=2)  # the vendor's cap is lower than our configured 10

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        orders = [pv(tracker, n) for n in range(4)]
        await passes(r, clock, 2)
        assert sim.requests["POST jobs/order"] == 3  # two placed, one 429, then none
        capped, held = orders[2], orders[3]
        assert tracker.get_order(capped).hold is HoldCause.DAILY_CAP
        assert tracker.get_order(held).hold is HoldCause.DAILY_CAP
        assert "SubmissionAttempted" not in types(tracker, held)
        items = attention(tracker, store_url)
        assert list(vendor_items(items, "planviewer")) == [AttentionKind.DAILY_CAP]
        assert "higher cap" in vendor_items(items, "planviewer")[AttentionKind.DAILY_CAP].reason
        assert order_items(items, capped) == order_items(items, held) == []
        # Past the next local midnight the vendor's new day begins: the held orders go.
        clock.now = datetime(2026, 12, 7, 23, 5, tzinfo=UTC)  # 00:05 in Amsterdam
        sim.daily_cap = 10
        await passes(r, clock, 2)
        assert sim.requests["POST jobs/order"] == 5
        assert {tracker.get_order(o).state for o in orders} >= {State.PLACED} or all(
            tracker.get_order(o).vendor_ref for o in orders)
        assert types(tracker, capped)[1:5] == [
            "SubmissionAttempted", "SubmissionFailed", "HoldLifted", "SubmissionAttempted"]
        # The task to ask for a higher cap stays until a person has dealt with it.
        assert AttentionKind.DAILY_CAP in vendor_items(attention(tracker, store_url), "planviewer")
        tracker.run(c.LiftDailyCap(vendor="planviewer", by=Source.HUMAN, reason="cap raised"))
        assert vendor_items(attention(tracker, store_url), "planviewer") == {}

    run(store_url, tmp_path, scenario, pv=sim, daily_cap=10).close()


def test_credentials_revoked_then_restored_hold_the_orders_and_then_let_them_go_once(
    store_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(daily_cap=100)

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        placed = pv(tracker, 1)
        await passes(r, clock, 1)
        assert tracker.get_order(placed).state is State.PLACED
        good_secret, sim.secret = sim.secret, "revoked"
        refused, later = pv(tracker, 2), pv(tracker, 3)
        await passes(r, clock, 4)
        assert sim.requests["POST jobs/order"] == 2  # the one 401, nothing after
        assert sim.requests["GET jobs/status"] == 0  # no polling while refused
        assert 1 <= sim.requests["GET products/list"] <= 4  # a probe a minute, no more
        view = tracker.get_order(refused)
        assert (view.state, view.hold, view.attention) == (State.REQUESTED, HoldCause.CREDENTIALS,
                                                          None)
        assert tracker.get_order(later).hold is HoldCause.CREDENTIALS
        items = attention(tracker, store_url)
        assert list(vendor_items(items, "planviewer")) == [AttentionKind.CREDENTIALS]
        assert order_items(items, refused) == order_items(items, later) == []
        # The key is fixed: the next probe proves it and the held orders go, once each.
        sim.secret = good_secret
        await passes(r, clock, 2)
        assert sim.jobs_per_intention["i-2"] == sim.jobs_per_intention["i-3"] == 1
        assert types(tracker, refused)[1:6] == [
            "SubmissionAttempted", "SubmissionFailed", "HoldLifted", "SubmissionAttempted",
            "OrderPlaced"]
        changes = [e.type for e in tracker.connector_history("planviewer")
                   if e.type.startswith("Credentials")]
        assert changes == ["CredentialsRefused", "CredentialsRestored"]
        assert vendor_items(attention(tracker, store_url), "planviewer") == {}

    run(store_url, tmp_path, scenario, pv=sim).close()


def test_an_invalid_planomatic_token_waits_for_a_person_and_then_the_order_goes_once(
    sqlite_url: str, tmp_path: Path
) -> None:
    tracker = open_tracker(sqlite_url)
    request = {"order": {"client": {"email": "a@example.com"}}, "payment_method_id": 3}
    order_id = tracker.request_order("planomatic", request, "po-1")

    async def go() -> PlanomaticSim:
        runner, url, sim = await start_planomatic_simulator(sim=PlanomaticSim(tokens={"new"}))
        try:
            async with aiohttp.ClientSession() as session:
                def engine(token: str) -> SyncEngine:
                    config = PlanomaticConfig(Secret(token), base_url=url, timeout_seconds=5)
                    return SyncEngine(tracker, {"planomatic": PlanomaticAdapter(
                        PlanomaticClient(session, config))}, SafeDownloader(session, tmp_path))
                for _ in range(3):
                    await engine("old").run_once()
                assert sim.requests == 1 and tracker.get_order(order_id).hold is HoldCause.CREDENTIALS
                # A person renews the token, restarts sync, and says the credentials work again.
                tracker.run(c.RestoreCredentials(vendor="planomatic", by=Source.HUMAN,
                                                 operation="ordertrail vendor retry"))
                await engine("new").run_once()
                await engine("new").run_once()
            return sim
        finally:
            await runner.cleanup()

    sim = asyncio.run(go())
    assert sim.requests == 2 and sum(sim.charges.values()) == 1
    assert tracker.get_order(order_id).state is State.PLACED
    tracker.close()


def test_an_ivcap_400_with_an_empty_body_is_refused_credentials_and_recovers(
    sqlite_url: str, tmp_path: Path
) -> None:
    sim = IvcapSim(token="right")

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = iv(tracker, 1)
        sim.token = "rotated"
        await passes(r, clock, 3)
        assert sim.requests["POST /1/orders"] == 1
        assert tracker.get_order(order).hold is HoldCause.CREDENTIALS
        sim.token = "right"
        await passes(r, clock, 2)
        assert sim.created_per_name[str(order)] == 1
        assert tracker.get_order(order).vendor_ref is not None

    run(sqlite_url, tmp_path, scenario, iv=sim).close()


# ---------------------------------------------------------------- bounded troubles
def test_a_result_that_answers_404_forever_is_tried_about_five_times_then_a_person_looks(
    store_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=1, retrieve_status=404)})

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = pv(tracker, 1)
        await passes(r, clock, 3)
        assert tracker.get_order(order).state is State.DELIVERED
        await passes(r, clock, 20)
        tries = sim.requests["GET jobs/retrieve/{job}"]
        assert 4 <= tries <= 7, tries  # about 5 over 10 minutes, then backing off
        view = tracker.get_order(order)
        assert view.state is State.DELIVERED  # never failed automatically
        assert view.attention_kind is AttentionKind.RETRIEVE_NOT_FOUND
        assert order_items(attention(tracker, store_url), order) == ["RETRIEVE_NOT_FOUND"]

    run(store_url, tmp_path, scenario, pv=sim).close()


def test_a_result_that_answers_403_is_a_persons_task_at_once(
    sqlite_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=1, retrieve_status=403)})

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = pv(tracker, 1)
        await passes(r, clock, 3)
        await passes(r, clock, 5)
        assert sim.requests["GET jobs/retrieve/{job}"] == 1
        assert order_items(attention(tracker, sqlite_url), order) == ["RETRIEVE_FORBIDDEN"]

    run(sqlite_url, tmp_path, scenario, pv=sim).close()


def test_a_job_missing_from_the_status_answer_is_counted_then_a_persons_task(
    store_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(missing_from_status=True)})

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = pv(tracker, 1)
        await passes(r, clock, 16)  # sixteen minutes
        polls = sim.requests["GET jobs/status"]
        assert 5 <= polls <= 6, polls  # not every pass
        view = tracker.get_order(order)
        assert view.attention_kind is AttentionKind.MISSING_FROM_STATUS
        assert view.state is State.PLACED
        assert order_items(attention(tracker, store_url), order) == ["MISSING_FROM_STATUS"]

    run(store_url, tmp_path, scenario, pv=sim).close()


def test_an_ivcap_order_that_answers_404_is_a_persons_task_after_three_over_ten_minutes(
    store_url: str, tmp_path: Path
) -> None:
    sim = IvcapSim(default_plan=IvcapPlan(executing_reads=50))

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = iv(tracker, 1)
        await passes(r, clock, 1)
        ref = tracker.get_order(order).vendor_ref
        assert ref is not None
        sim.read_refusals[ref] = 404
        before = sim.requests["GET /1/orders/{id}"]
        await passes(r, clock, 16)
        reads = sim.requests["GET /1/orders/{id}"] - before
        assert 3 <= reads <= 4, reads
        view = tracker.get_order(order)
        assert view.state is State.PLACED  # not failed automatically
        assert view.attention_kind is AttentionKind.ORDER_NOT_FOUND
        sim.read_refusals.clear()  # found again: the count starts over, the task goes
        clock.advance(hours=1)
        await passes(r, clock, 1)
        assert tracker.get_order(order).attention_kind is None

    run(store_url, tmp_path, scenario, iv=sim).close()


def test_a_stale_job_uuid_is_polled_no_more_and_a_person_closes_the_order(
    sqlite_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=50), "i-2": Plan(steps=50)})

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        stale, fine = pv(tracker, 1), pv(tracker, 2)
        await passes(r, clock, 2)
        job = tracker.get_order(stale).vendor_ref
        assert job is not None
        sim.forget(job)
        await passes(r, clock, 1)
        assert tracker.get_order(stale).attention_kind is AttentionKind.STALE_REFERENCE
        before = sim.requests["GET jobs/status"]
        await passes(r, clock, 3)
        assert sim.requests["GET jobs/status"] - before == 3  # the fine job alone, one a pass
        assert order_items(attention(tracker, sqlite_url), stale) == ["STALE_REFERENCE"]
        tracker.run(c.Fail(order_id=stale, reason_code="closed_by_person", source=Source.HUMAN))
        assert tracker.get_order(stale).state is State.FAILED
        assert tracker.get_order(fine).state is State.IN_PROGRESS

    run(sqlite_url, tmp_path, scenario, pv=sim).close()


# ---------------------------------------------------------------- seen, not only in history
def test_an_unknown_status_is_one_task_per_value_and_leaves_the_orders_as_they_are(
    store_url: str, tmp_path: Path
) -> None:
    plans = {f"i-{n}": Plan(unknown_status="paused") for n in (1, 2)}
    sim = PlanviewerSim(daily_cap=100, plans=plans)

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        orders = [pv(tracker, 1), pv(tracker, 2)]
        await passes(r, clock, 4)
        assert {tracker.get_order(o).state for o in orders} == {State.PLACED}
        items = [i for i in attention(tracker, store_url) if i.kind == "UNKNOWN_STATUS"]
        assert [(i.order_id, i.ref) for i in items] == [(None, "paused")]
        tracker.run(c.DismissNotice(vendor="planviewer", kind=AttentionKind.UNKNOWN_STATUS,
                                    ref="paused"))
        assert not [i for i in attention(tracker, store_url) if i.kind == "UNKNOWN_STATUS"]

    run(store_url, tmp_path, scenario, pv=sim).close()


def test_several_ivcap_orders_carrying_our_name_are_listed_for_a_person(
    store_url: str, tmp_path: Path
) -> None:
    sim = IvcapSim(drop_next_creates=1)

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = iv(tracker, 1)
        sim.add_order(str(order))  # someone else's, carrying the same name
        await passes(r, clock, 2)  # the answer is lost, then reconciliation lists by name
        lists = sim.requests["GET /1/orders"]
        assert lists == 1
        await passes(r, clock, 3)
        assert sim.requests["GET /1/orders"] == lists  # not asked again and again
        view = tracker.get_order(order)
        assert view.state is State.SUBMISSION_UNCERTAIN
        assert view.attention_kind is AttentionKind.AMBIGUOUS_RECONCILIATION
        candidates = sorted(o.id for o in sim.orders.values())
        assert all(cid in (view.attention or "") for cid in candidates)
        tracker.run(c.Place(order_id=order, vendor_ref=candidates[0],
                            vendor_ref_kind="ivcap.order_id", source=Source.HUMAN))
        assert tracker.get_order(order).state is State.PLACED

    run(store_url, tmp_path, scenario, iv=sim).close()


def test_an_ivcap_order_finished_without_products_completes(
    sqlite_url: str, tmp_path: Path
) -> None:
    sim = IvcapSim(default_plan=IvcapPlan(products=0))

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = iv(tracker, 1)
        await passes(r, clock, 4)
        view = tracker.get_order(order)
        assert view.state is State.COMPLETED and view.results_available == {}

    run(sqlite_url, tmp_path, scenario, iv=sim).close()


def test_an_order_for_a_vendor_nobody_configured_is_held_and_its_vendor_listed(
    sqlite_url: str, tmp_path: Path
) -> None:
    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = tracker.request_order("planomatic", {"order": {}}, "po-unserved")
        await passes(r, clock, 2)
        assert tracker.get_order(order).hold is HoldCause.NOT_CONFIGURED
        items = vendor_items(attention(tracker, sqlite_url), "planomatic")
        assert list(items) == ["NOT_CONFIGURED"] and "[vendors.planomatic]" in items[
            "NOT_CONFIGURED"].reason

    run(sqlite_url, tmp_path, scenario).close()


def test_a_request_that_does_not_fit_the_vendor_is_held_for_a_person_without_a_call(
    sqlite_url: str, tmp_path: Path
) -> None:
    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = tracker.request_order("planviewer", {"intention": "typo"}, "pv-typo")
        await passes(r, clock, 2)
        assert r.planviewer.requests["POST jobs/order"] == 0
        view = tracker.get_order(order)
        assert view.attention_kind is AttentionKind.INVALID_REQUEST
        assert "`intention`" in (view.attention or "")
        tracker.run(c.Resubmit(order_id=order, changes={"intention": None}, source=Source.HUMAN))

    run(sqlite_url, tmp_path, scenario).close()


# ---------------------------------------------------------------- schedules from the store
def test_sync_once_from_cron_leaves_a_waiting_job_alone_like_sync_follow(
    sqlite_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=3, wait_at=1)})

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = pv(tracker, 1)
        for _ in range(4):  # a fresh engine each time, as `sync --once` from cron runs
            await SyncEngine(tracker, r.adapters, r.engine.downloader, clock=clock).run_once()
            clock.advance(minutes=1)
        assert tracker.get_order(order).state is State.WAITING_FOR_USER
        polls = sim.requests["GET jobs/status"]
        for _ in range(5):
            await SyncEngine(tracker, r.adapters, r.engine.downloader, clock=clock).run_once()
            clock.advance(minutes=1)
        assert sim.requests["GET jobs/status"] == polls  # not polled while a person decides
        view = tracker.get_order(order)
        tracker.execute(await r.adapters["planviewer"].select_location(view, "1"))
        await SyncEngine(tracker, r.adapters, r.engine.downloader, clock=clock).run_once()
        assert sim.requests["GET jobs/status"] == polls + 1  # answered: polled again

    run(sqlite_url, tmp_path, scenario, pv=sim).close()


@pytest.mark.parametrize("vendor", ["planomatic", "ppw"])
def test_stated_costs_are_spend_and_absent_ones_are_unknown_not_zero(
    sqlite_url: str, vendor: str
) -> None:
    tracker = open_tracker(sqlite_url)
    priced = tracker.request_order(vendor, {"n": 1}, "priced")
    unpriced = tracker.request_order(vendor, {"n": 2}, "unpriced")
    tracker.execute([
        c.Place(order_id=priced, vendor_ref="r-1", vendor_ref_kind="k"),
        c.RecordCost(order_id=priced, amount=__import__("decimal").Decimal("45.50"),
                     basis="test"),
        c.Place(order_id=unpriced, vendor_ref="r-2", vendor_ref_kind="k"),
    ])
    runner = ProjectionRunner(tracker, sqlite_url)
    runner.catch_up()
    runner.close()
    models = open_read_models(sqlite_url)
    try:
        (total,) = [r for r in models.vendor_report(1) if r.day == "total"]
    finally:
        models.close()
        tracker.close()
    assert (str(total.spend), total.unpriced) == ("45.5", 1)


def test_a_401_while_polling_is_the_connectors_and_polling_stops_until_it_is_fixed(
    sqlite_url: str, tmp_path: Path
) -> None:
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=50)})

    async def scenario(tracker: Tracker, r: Rig, clock: Clock) -> None:
        order = pv(tracker, 1)
        await passes(r, clock, 2)
        good, sim.secret = sim.secret, "revoked"
        before = sim.requests["GET jobs/status"]
        await passes(r, clock, 5)
        assert sim.requests["GET jobs/status"] - before == 1  # the refused poll, then probes only
        items = vendor_items(attention(tracker, sqlite_url), "planviewer")
        assert "jobs/status" in items[AttentionKind.CREDENTIALS].reason
        sim.secret = good
        await passes(r, clock, 2)
        assert sim.requests["GET jobs/status"] - before >= 2
        assert tracker.get_order(order).state is State.IN_PROGRESS
        assert vendor_items(attention(tracker, sqlite_url), "planviewer") == {}

    run(sqlite_url, tmp_path, scenario, pv=sim).close()
