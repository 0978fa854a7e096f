"""The sync engine against both polled vendors' simulators, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ordertrail.adapters.ivcap.simulator import IvcapSim
from ordertrail.adapters.ivcap.simulator import Order as IvcapOrder
from ordertrail.adapters.ivcap.simulator import Plan as IvcapPlan
from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim
from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.store.leases import LeaseBook, meant_for
from ordertrail.adapters.sync.engine import SyncEngine
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vocabulary import AttentionKind, Trouble
from ordertrail.projections import ProjectionRunner, open_read_models
from tests.adapters.sync.harness import rig

PV = {"intention_uuid": "i-{n}", "product": "bestemmingsplanrapport"}


def pv_order(tracker: Tracker, n: int) -> Any:
    return tracker.request_order("planviewer", {**PV, "intention_uuid": f"i-{n}"}, f"pv-{n}")


def iv_order(tracker: Tracker, n: int) -> Any:
    return tracker.request_order("ivcap", {"parameters": [{"name": "n", "value": str(n)}]},
                                 f"iv-{n}")


def running_jobs(tracker: Tracker, count: int) -> tuple[PlanviewerSim, list[Any]]:
    """A Planviewer simulator whose jobs run for a long time, and ``count`` orders for it."""
    sim = PlanviewerSim(daily_cap=100, plans={f"i-{n}": Plan(steps=10_000) for n in range(count)})
    return sim, [pv_order(tracker, n) for n in range(count)]


def waiting_job(tracker: Tracker) -> tuple[PlanviewerSim, Any, datetime, list[datetime]]:
    """A Planviewer order whose job waits for a person's answer from its second poll, and the
    engine's clock (``moment``) starting now: slow checks count from the job's last event,
    which the library stamps with the real clock, so the first falls just after 600 s."""
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=3, wait_at=1)})
    job = pv_order(tracker, 1)
    start = datetime.now(UTC)
    return sim, job, start, [start]


def slow_check_rig(tracker: Tracker, tmp_path: Path, sim: PlanviewerSim, moment: list[datetime],
                   look_at_every_order: bool = False) -> Any:
    """The engine polling every 60 s, waiting jobs checked every 600 s, on ``moment``'s clock."""
    return rig(tracker, tmp_path, pv=sim, daily_cap=100, poll_seconds=60, waiting_seconds=600,
               clock=lambda: moment[0], look_at_every_order=look_at_every_order)


async def passes(engine: Any, count: int) -> list[Any]:
    return [await engine.run_once() for _ in range(count)]


async def passes_at(engine: Any, moment: list[datetime], start: datetime,
                    seconds: tuple[int, ...]) -> list[Any]:
    """One pass at each of ``seconds`` after ``start``, the engine's clock reading ``moment``."""
    reports = []
    for second in seconds:
        moment[0] = start + timedelta(seconds=second)
        reports.append(await engine.run_once())
    return reports


def test_passes_carry_orders_of_both_vendors_to_completion(tracker: Tracker,
                                                           tmp_path: Path) -> None:
    pv = [pv_order(tracker, n) for n in range(3)]
    iv = [iv_order(tracker, n) for n in range(3)]

    async def go() -> None:
        async with rig(tracker, tmp_path) as r:
            await passes(r.engine, 8)
            assert all(r.planviewer.jobs_per_intention[f"i-{n}"] == 1 for n in range(3))
            assert all(r.ivcap.created_per_name[str(o)] == 1 for o in iv)
            assert r.engine._next_poll == {}  # what it kept of ended orders, it let go

    asyncio.run(go())
    assert {tracker.get_order(o).state for o in pv + iv} == {State.COMPLETED}
    assert tracker.open_orders() == []


def test_the_daily_cap_is_checked_locally_before_any_call(tracker: Tracker,
                                                          tmp_path: Path) -> None:
    orders = [pv_order(tracker, n) for n in range(3)]

    async def go() -> PlanviewerSim:
        async with rig(tracker, tmp_path, daily_cap=2) as r:
            await passes(r.engine, 3)
            return r.planviewer

    sim = asyncio.run(go())
    assert len(sim.jobs) == 2
    held = [o for o in orders if tracker.get_order(o).state is State.REQUESTED]
    assert len(held) == 1
    history = tracker.history(held[0])
    assert [e.fields["cause"] for e in history if e.type == "SubmissionHeld"] == ["daily_cap"]
    assert "SubmissionAttempted" not in [e.type for e in history]


def test_an_order_stranded_mid_submission_becomes_uncertain_and_is_not_resent(
    tracker: Tracker, tmp_path: Path
) -> None:
    oid = pv_order(tracker, 1)
    tracker.run(c.AttemptSubmission(order_id=oid, channel="planviewer:submit"))  # then a crash

    async def go() -> PlanviewerSim:
        async with rig(tracker, tmp_path) as r:
            await passes(r.engine, 2)
            return r.planviewer

    sim = asyncio.run(go())
    assert tracker.get_order(oid).state is State.SUBMISSION_UNCERTAIN
    assert sim.jobs_per_intention["i-1"] == 0


def test_one_pass_after_a_crash_mid_submission_reconciles_the_order_by_name(
    tracker: Tracker, tmp_path: Path
) -> None:
    """Killed after IVCAP created the order: the next pass marks it uncertain, and the first
    pass after the settle time (a request may still be travelling) finds it by name."""
    oid = iv_order(tracker, 1)
    tracker.run(c.AttemptSubmission(order_id=oid, channel="ivcap:submit"))  # sent, then a crash
    sim = IvcapSim()
    sim.orders["job-1"] = IvcapOrder("job-1", str(oid), {"parameters": []}, IvcapPlan())
    sim.created_per_name[str(oid)] += 1

    async def go() -> None:
        async with rig(tracker, tmp_path, iv=sim) as r:
            await r.engine.run_once()
            assert tracker.get_order(oid).state is State.SUBMISSION_UNCERTAIN
            assert sim.requests["GET /1/orders"] == 0  # too soon to look it up
            r.engine.clock = lambda: datetime.now(UTC) + timedelta(minutes=5)
            report = await r.engine.run_once()
            assert report.reconciled == 1

    asyncio.run(go())
    view = tracker.get_order(oid)
    assert view.state is State.PLACED
    assert view.vendor_ref == "job-1"
    assert [e.type for e in tracker.history(oid)][:4] == [
        "OrderRequested", "SubmissionAttempted", "SubmissionOutcomeUnknown", "OrderPlaced"]
    assert sim.created_per_name[str(oid)] == 1


def test_a_result_over_max_bytes_is_refused_once_and_waits_on_the_attention_list(
        tracker: Tracker, store_url: str, tmp_path: Path) -> None:
    """Issue 17: a result larger than [results] max_bytes was downloaded again on every pass
    and never reached the attention list."""
    order_id = pv_order(tracker, 1)

    async def go() -> int:
        async with rig(tracker, tmp_path / "results", max_bytes=1000) as r:
            await passes(r.engine, 10)
            return r.planviewer.requests["GET jobs/retrieve/{job}"]

    downloads = asyncio.run(go())
    view = tracker.get_order(order_id)
    assert downloads == 1
    assert view.state is State.DELIVERED and view.attention is not None
    assert "max_bytes" in view.attention
    runner = ProjectionRunner(tracker, store_url)
    try:
        runner.catch_up()
    finally:
        runner.close()
    models = open_read_models(store_url)
    try:
        listed = [i for i in models.attention() if i.order_id == order_id]
    finally:
        models.close()
    assert listed and "max_bytes" in listed[0].reason
    assert not any((tmp_path / "results").rglob("*.pdf"))


def test_a_failing_vendor_does_not_stop_the_others(tracker: Tracker, tmp_path: Path) -> None:
    pv = pv_order(tracker, 1)
    iv = iv_order(tracker, 1)

    async def go() -> list[Any]:
        async with rig(tracker, tmp_path) as r:
            await r.engine.run_once()
            r.ivcap.read_failures = 10_000
            return await passes(r.engine, 6)

    reports = asyncio.run(go())
    assert tracker.get_order(pv).state is State.COMPLETED
    assert tracker.get_order(iv).state is State.PLACED
    assert any("503" in e for report in reports for e in report.errors)


def test_many_orders_polls_land_in_few_transactions(tracker: Tracker, tmp_path: Path) -> None:
    for n in range(20):
        pv_order(tracker, n)
    calls: list[int] = []
    original = tracker.execute

    def counting(commands: Any) -> Any:
        calls.append(len(commands))
        return original(commands)

    tracker.execute = counting  # type: ignore[method-assign]

    async def go() -> None:
        async with rig(tracker, tmp_path, daily_cap=100, pv=PlanviewerSim(daily_cap=100)) as r:
            await r.engine.run_once()  # 20 submissions: one transaction each
            calls.clear()
            await r.engine.run_once()  # one batched status request

    asyncio.run(go())
    assert calls == [20]


@pytest.mark.postgres
def test_two_workers_on_postgresql_split_the_orders_and_never_double_submit(
    postgres_url: str, tmp_path: Path
) -> None:
    setup = open_tracker(postgres_url)
    orders = [pv_order(setup, n) for n in range(12)]
    setup.close()
    a, b = open_tracker(postgres_url), open_tracker(postgres_url)
    books = [LeaseBook(postgres_url, "worker-a"), LeaseBook(postgres_url, "worker-b")]
    sim = PlanviewerSim(daily_cap=100)

    async def go() -> None:
        async with rig(a, tmp_path / "a", pv=sim, leases=books[0], daily_cap=100) as ra, \
                rig(b, tmp_path / "b", pv=sim, leases=books[1], daily_cap=100) as rb:
            for _ in range(9):  # leases move while both workers join: a pass may skip an order
                await asyncio.gather(ra.engine.run_once(), rb.engine.run_once())

    asyncio.run(go())
    assert all(sim.jobs_per_intention[f"i-{n}"] == 1 for n in range(12))
    assert {a.get_order(o).state for o in orders} == {State.COMPLETED}
    for book in books:
        book.close()
    a.close()
    b.close()


def test_an_expired_lease_lets_another_worker_take_over(sqlite_url: str, tmp_path: Path) -> None:
    from datetime import timedelta

    tracker = open_tracker(sqlite_url)
    oid = iv_order(tracker, 1)
    dead = LeaseBook(sqlite_url, "dead", ttl=timedelta(seconds=1.5))
    dead.acquire([oid])
    alive = LeaseBook(sqlite_url, "alive")

    async def go() -> None:
        async with rig(tracker, tmp_path, iv=IvcapSim(default_plan=IvcapPlan()),
                       leases=alive) as r:
            report = await r.engine.run_once()
            assert report.open_orders == 0  # still the dead worker's
            await asyncio.sleep(1.6)
            await passes(r.engine, 5)

    asyncio.run(go())
    assert tracker.get_order(oid).state is State.COMPLETED
    tracker.close()


@pytest.mark.postgres
def test_two_engines_without_leases_place_every_order_at_most_once(
    postgres_url: str, tmp_path: Path
) -> None:
    """At most one submission in flight is the order's own rule, not the leases': two engines
    that share nothing but the store, passing over the same orders at once, never submit an
    order twice (the store's (order, version) key lets one attempt in; the other is refused)."""
    setup = open_tracker(postgres_url)
    orders = [pv_order(setup, n) for n in range(20)] + [iv_order(setup, n) for n in range(10)]
    setup.close()
    a, b = open_tracker(postgres_url), open_tracker(postgres_url)
    pv = PlanviewerSim(daily_cap=100, delay_seconds=0.01)
    iv = IvcapSim()

    async def go() -> None:
        async with rig(a, tmp_path / "a", pv=pv, iv=iv, daily_cap=100) as ra, \
                rig(b, tmp_path / "b", pv=pv, iv=iv, daily_cap=100) as rb:
            for _ in range(6):
                await asyncio.gather(ra.engine.run_once(), rb.engine.run_once())

    asyncio.run(go())
    assert sum(pv.jobs_per_intention.values()) == 20
    assert set(pv.jobs_per_intention.values()) == {1}
    assert set(iv.created_per_name.values()) == {1} and len(iv.created_per_name) == 10
    attempts = [e for o in orders for e in a.history(o) if e.type == "SubmissionAttempted"]
    assert len(attempts) == 30
    a.close()
    b.close()


def test_a_pass_works_on_the_open_orders_a_chunk_at_a_time(tracker: Tracker,
                                                           tmp_path: Path) -> None:
    """With the store layer's streamed listing, a pass asks for the next chunk of open orders
    only when it is done with the last (submitted and recorded), so it holds one chunk at a
    time; the orders come to the same end as in one chunk, each submitted once."""
    pv = [pv_order(tracker, n) for n in range(7)]
    iv = [iv_order(tracker, n) for n in range(4)]
    asked: list[set[State]] = []
    real = getattr(tracker, "open_order_chunks", None)
    if real is not None:
        def spy(*args: Any, **kwargs: Any) -> Any:
            for chunk in real(*args, **kwargs):
                assert len(chunk) <= 3
                yield chunk
                # the engine asks for the next chunk: this one has been worked on
                asked.append({tracker.get_order(v.id).state for v in chunk})

        tracker.open_order_chunks = spy  # type: ignore[attr-defined]

    async def go() -> list[Any]:
        async with rig(tracker, tmp_path, daily_cap=100, pv=PlanviewerSim(daily_cap=100),
                       pass_chunk=3) as r:
            reports = await passes(r.engine, 8)
            assert all(r.planviewer.jobs_per_intention[f"i-{n}"] == 1 for n in range(7))
            assert all(r.ivcap.created_per_name[str(o)] == 1 for o in iv)
            return reports

    reports = asyncio.run(go())
    assert reports[0].open_orders == 11 and reports[0].submitted == 11
    assert {tracker.get_order(o).state for o in pv + iv} == {State.COMPLETED}
    if real is not None:
        assert len(asked) >= 4  # the first pass alone: chunks of 3, 3, 3, 2
        assert State.REQUESTED not in asked[0]


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
def test_a_pass_leaves_out_the_orders_not_due_that_nothing_changed(
        tracker: Tracker, store_url: str, tmp_path: Path, look_at_every_order: bool) -> None:
    """Between two polls of an order, a pass does not look at it while nothing changes it;
    one another writer changes is looked at again, and each is polled when due. Passes that
    look at every order do the same things (the model: what each pass submits, polls and
    records), only looking at more."""
    pv = [pv_order(tracker, n) for n in range(3)]
    for n in range(3):
        iv_order(tracker, n)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    moment = [start]

    async def go() -> list[Any]:
        async with rig(tracker, tmp_path, poll_seconds=60, clock=lambda: moment[0],
                       look_at_every_order=look_at_every_order) as r:
            reports = []
            for seconds in (0, 1, 2, 3):  # submit; poll; look at what the polls changed; quiet
                moment[0] = start + timedelta(seconds=seconds)
                reports.append(await r.engine.run_once())
            other = open_tracker(store_url, fast=False)  # a person, another process
            try:
                assert other.run(c.RecordCost(order_id=pv[0], amount=Decimal("12.50"),
                                              currency="EUR", basis="quoted by phone"))
            finally:
                other.close()
            for seconds in (4, 5, 62, 63):  # the changed one is looked at; then all are due
                moment[0] = start + timedelta(seconds=seconds)
                reports.append(await r.engine.run_once())
            return reports

    reports = asyncio.run(go())
    # submitted, polled, events recorded, open orders: the same whether or not every order is
    # looked at (each step for an order in a polled state waits for its next poll)
    assert [(r.submitted, r.polled, r.recorded, r.open_orders) for r in reports] == [
        (6, 0, 11, 6), (0, 6, 3, 6), (0, 0, 0, 6), (0, 0, 0, 6),
        (0, 0, 0, 6), (0, 0, 0, 6), (0, 6, 9, 6), (0, 0, 0, 6)]
    changed_by_polls = [len(reports[1].changed), len(reports[6].changed)]
    assert changed_by_polls == [3, 6]
    if look_at_every_order:
        assert [r.left_out for r in reports] == [0] * 8
    else:  # those the polls changed are looked at once more; then pv[0], which a person changed
        assert [r.left_out for r in reports] == [0, 0, 6 - 3, 6, 5, 6, 0, 6 - 6]


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
def test_refused_credentials_are_probed_while_no_order_of_the_vendor_is_due(
        sqlite_url: str, tmp_path: Path, look_at_every_order: bool) -> None:
    """Credentials refused (here by another worker) are probed, and the refusal lifted when they
    work, even while every order of the vendor waits for its next poll."""
    tracker = open_tracker(sqlite_url)
    order = pv_order(tracker, 1)
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=50)})
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    moment = [start]

    async def go() -> None:
        async with rig(tracker, tmp_path, pv=sim, poll_seconds=300, daily_cap=100,
                       clock=lambda: moment[0], look_at_every_order=look_at_every_order) as r:
            for seconds in (0, 1, 2):  # submitted, polled, looked at after the poll
                moment[0] = start + timedelta(seconds=seconds)
                await r.engine.run_once()
            other = open_tracker(sqlite_url, fast=False)
            try:
                other.run(c.RefuseCredentials(vendor="planviewer", operation="sync",
                                              http_status=401, message="revoked",
                                              at=start + timedelta(seconds=5)))
            finally:
                other.close()
            for seconds in range(5, 130, 5):  # past the next minute's probe; the poll is at 301
                moment[0] = start + timedelta(seconds=seconds)
                await r.engine.run_once()

    try:
        asyncio.run(go())
        assert tracker.get_order(order).state in (State.PLACED, State.IN_PROGRESS)
        assert sim.requests["GET products/list"] >= 1
        assert not tracker.connector("planviewer").has(AttentionKind.CREDENTIALS)
    finally:
        tracker.close()


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
def test_a_worker_whose_orders_are_all_left_out_keeps_them_from_the_others(
        sqlite_url: str, tmp_path: Path, look_at_every_order: bool) -> None:
    """With leases, the orders a pass leaves out still go through the lease book: the worker
    heartbeats and renews their leases, so another worker never takes them over (and polls
    them out of turn) while it lives."""
    first = open_tracker(sqlite_url)
    order = pv_order(first, 1)
    mine = next(name for name in ("w-a", "w-b", "w-c", "w-d")
                if meant_for(order, sorted(["w-x", name])) == name)
    books = [LeaseBook(sqlite_url, mine), LeaseBook(sqlite_url, "w-x")]
    second = open_tracker(sqlite_url)
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=500)})
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    moment = [start]

    async def go() -> list[tuple[int, int, int]]:
        options: dict[str, Any] = {"pv": sim, "poll_seconds": 300, "daily_cap": 100,
                                   "clock": lambda: moment[0],
                                   "look_at_every_order": look_at_every_order}
        async with rig(first, tmp_path / "a", leases=books[0], **options) as a, \
                rig(second, tmp_path / "b", leases=books[1], **options) as b:
            polls = []
            for seconds in range(0, 300, 5):  # lease ttl 60 s, next poll after 300 s
                moment[0] = start + timedelta(seconds=seconds)
                polls.append((seconds, (await a.engine.run_once()).polled,
                              (await b.engine.run_once()).polled))
            return polls

    try:
        polls = asyncio.run(go())
    finally:
        for book in books:
            book.close()
        first.close()
        second.close()
    assert [(s, x, y) for s, x, y in polls if x or y] == [(5, 1, 0)]  # its own worker, once


def test_orders_left_out_go_through_the_lease_book_a_chunk_at_a_time_and_a_joiner_gets_its_share(
        sqlite_url: str, tmp_path: Path) -> None:
    """With leases, the orders a pass leaves out are shared a chunk at a time, in the order
    they were requested (as the chunks it looks at are); when a worker joins, those now meant
    for it are given back at once, and no longer counted as this worker's."""
    tracker = open_tracker(sqlite_url)
    orders = [pv_order(tracker, n) for n in range(5)]
    book = LeaseBook(sqlite_url, "w-a")
    name = next(n for n in ("w-b", "w-c", "w-d", "w-e", "w-f", "w-g")  # one that takes some
                if 0 < sum(meant_for(o, ["w-a", n]) == n for o in orders) < 5)
    shared: list[list[Any]] = []
    real_share = book.share

    def share(order_ids: Any, now: Any = None) -> Any:
        shared.append(list(order_ids))
        return real_share(order_ids, now)

    book.share = share  # type: ignore[method-assign]
    sim = PlanviewerSim(daily_cap=100, plans={f"i-{n}": Plan(steps=500) for n in range(5)})
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    moment = [start]

    async def go() -> list[Any]:
        async with rig(tracker, tmp_path, pv=sim, leases=book, poll_seconds=300, daily_cap=100,
                       clock=lambda: moment[0], pass_chunk=2) as r:
            reports = []
            for seconds in (0, 1, 2, 3, 4):
                moment[0] = start + timedelta(seconds=seconds)
                shared.clear()
                reports.append(await r.engine.run_once())
            quiet = list(shared)
            joiner = LeaseBook(sqlite_url, name)
            try:
                joiner.live_workers(moment[0])  # heartbeats: now two workers share the orders
                moment[0] = start + timedelta(seconds=5)
                reports.append(await r.engine.run_once())
                theirs = {o for o in orders if meant_for(o, ["w-a", name]) == name}
                assert joiner.acquire(theirs, moment[0]) == theirs  # given back at once
            finally:
                joiner.close()
            return [quiet, theirs, reports]

    try:
        quiet, theirs, reports = asyncio.run(go())
    finally:
        book.close()
        tracker.close()
    assert quiet == [orders[0:2], orders[2:4], orders[4:5]]  # the last pass left all five out
    assert reports[4].left_out == reports[4].open_orders == 5
    assert reports[5].left_out == reports[5].open_orders == 5 - len(theirs)


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
def test_orders_that_wait_are_left_out_until_they_may_be_polled_or_change(
        tracker: Tracker, tmp_path: Path, look_at_every_order: bool) -> None:
    """A job waiting for a person's answer is checked once per slow interval, and an order
    whose reads the vendor refuses (404) not before its next try: between those, passes leave
    them out. An answer (a change) gets the job polled in the very next pass, even one given
    right after a check. Passes that look at every order do the same things (the model), only
    looking at more."""
    sim = PlanviewerSim(daily_cap=100, plans={"i-1": Plan(steps=3, wait_at=1),
                                              "i-2": Plan(steps=10_000),
                                              "i-3": Plan(steps=3, wait_at=1)})
    iv_sim = IvcapSim(default_plan=IvcapPlan(executing_reads=10**6))
    answered, _, later = (pv_order(tracker, n) for n in (1, 2, 3))
    gone = iv_order(tracker, 1)
    # The job's slow checks count from its last event's time, which the library stamps with the
    # real clock: the engine's clock starts now, so the first check falls just after 600.
    start = datetime.now(UTC)
    moment = [start]

    async def go() -> tuple[list[Any], list[int]]:
        async with rig(tracker, tmp_path, pv=sim, iv=iv_sim, daily_cap=100, poll_seconds=60,
                       waiting_seconds=600, clock=lambda: moment[0],
                       look_at_every_order=look_at_every_order) as r:
            reports, status_requests = [], []

            async def at(seconds: int) -> None:
                moment[0] = start + timedelta(seconds=seconds)
                reports.append(await r.engine.run_once())
                status_requests.append(sim.requests["GET jobs/status"])

            await at(0)  # submitted
            ref = tracker.get_order(gone).vendor_ref
            assert ref is not None
            iv_sim.read_refusals[ref] = 404
            for seconds in (1, 2, 70, 71, 130, 131, 190):
                await at(seconds)
            for job, seconds_after in ((answered, (191, 192, 650)), (later, (651, 652))):
                view = tracker.get_order(job)
                assert view.state is State.WAITING_FOR_USER
                tracker.execute(await r.adapters["planviewer"].select_location(view, "1"))
                for seconds in seconds_after:
                    await at(seconds)
            return reports, status_requests

    reports, status_requests = asyncio.run(go())
    # passes at 0, 1, 2, 70, 71, 130, 131, 190 | an answer | 191, 192, 650 | the other | 651, 652
    assert [(r.submitted, r.polled, r.recorded) for r in reports] == [
        (4, 0, 7), (0, 4, 4), (0, 0, 0), (0, 3, 4), (0, 0, 0), (0, 1, 1), (0, 0, 0), (0, 1, 1),
        (0, 1, 2), (0, 0, 0), (0, 4, 4), (0, 1, 3), (0, 0, 0)]
    # the jobs wait from the polls at 70: the one answered first is polled right after its
    # answer (191), the other at its slow check (650, with the rest), then right after its
    # answer though that came just after the check (651); the order whose reads answer 404
    # is read again at its next try (due at 301: 650)
    assert status_requests == [0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 7, 7]
    assert iv_sim.requests["GET /1/orders/{id}"] == 2
    if look_at_every_order:
        assert {r.left_out for r in reports} == {0}
    else:  # the 404 order from 71, the jobs from 131 while they wait; at 650 all are due
        assert [r.left_out for r in reports] == [0, 0, 0, 0, 1, 1, 3, 3, 2, 3, 0, 0, 2]


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
def test_while_credentials_are_refused_the_vendors_orders_are_left_out_but_for_probes(
        tracker: Tracker, tmp_path: Path, look_at_every_order: bool) -> None:
    """While the vendor refuses our credentials no order of it is polled, however overdue:
    passes leave them out, an engine started meanwhile too (from its second pass), except in a
    pass where a probe comes due. A probe that works lets every overdue order be polled in
    that pass, as when every order is looked at."""
    sim, orders = running_jobs(tracker, 3)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    moment = [start]

    async def go() -> list[Any]:
        async with rig(tracker, tmp_path, pv=sim, daily_cap=100, poll_seconds=60,
                       clock=lambda: moment[0], look_at_every_order=look_at_every_order) as r:
            reports = await passes_at(r.engine, moment, start, (0, 1))
            good, sim.secret = sim.secret, "revoked"
            # refused at 70; a failed probe at 130
            reports += await passes_at(r.engine, moment, start, (70, 71, 100, 130, 160))
            restarted = SyncEngine(tracker, r.adapters, r.engine.downloader,
                                   clock=lambda: moment[0],
                                   look_at_every_order=look_at_every_order)
            # a fresh engine knows nothing of the orders
            reports += await passes_at(restarted, moment, start, (161, 165, 170))
            assert tracker.connector("planviewer").has(AttentionKind.CREDENTIALS)
            sim.secret = good
            return reports + await passes_at(restarted, moment, start, (190, 191))  # probe works

    reports = asyncio.run(go())
    assert not tracker.connector("planviewer").has(AttentionKind.CREDENTIALS)
    assert all(tracker.get_order(o).state is State.IN_PROGRESS for o in orders)
    # the probes at 130, 161 (a fresh engine's first pass, a minute after the refusal) and 190
    assert sim.requests["GET products/list"] == 3
    # passes at 0, 1, 70 (the poll refused), 71, 100, 130, 160 | restarted: 161, 165, 170, 190,
    # 191: the same polls whether or not every order is looked at
    assert [r.polled for r in reports] == [0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0]
    if look_at_every_order:
        assert {r.left_out for r in reports} == {0}
    else:  # all but in the probes' passes (130, 190) and the fresh engine's first; at 191
        # those polled at 190 are looked at once more (changed)
        assert [r.left_out for r in reports] == [0, 0, 0, 3, 3, 0, 3, 0, 3, 3, 0, 0]


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
def test_a_slow_check_due_while_credentials_are_refused_is_made_once_they_work(
        tracker: Tracker, tmp_path: Path, look_at_every_order: bool) -> None:
    """A job waiting for a person's answer is checked once per slow interval in case it was
    answered elsewhere. When its check falls due while the vendor refuses our credentials, it
    is made in the pass where a probe shows they work again, not a slow interval later."""
    sim, job, start, moment = waiting_job(tracker)

    async def go() -> tuple[list[Any], list[int]]:
        async with slow_check_rig(tracker, tmp_path, sim, moment, look_at_every_order) as r:
            reports, status_requests = [], []

            async def at(seconds: tuple[int, ...]) -> None:
                for second in seconds:
                    reports.extend(await passes_at(r.engine, moment, start, (second,)))
                    status_requests.append(sim.requests["GET jobs/status"])

            await at((0, 1, 70, 71))  # submitted, polled, waits for an answer from 70
            assert tracker.get_order(job).state is State.WAITING_FOR_USER
            tracker.run(c.RefuseCredentials(vendor="planviewer", operation="sync",
                                            http_status=401, message="revoked",
                                            at=start + timedelta(seconds=620)))
            # its check falls due just after 600 (the job's last event was stamped just after
            # start), the first probe at 680; the next check just after 1200
            await at((650, 671, 680, 681, 1190, 1271, 1272))
            return reports, status_requests

    reports, status_requests = asyncio.run(go())
    assert not tracker.connector("planviewer").has(AttentionKind.CREDENTIALS)
    assert sim.requests["GET products/list"] == 1  # the probe at 680
    # passes at 0, 1, 70, 71 | refused | 650, 671 (the check due, no poll), 680 (the probe
    # works: the check is made), 681, 1190, 1271 (the next check), 1272
    assert [r.polled for r in reports] == [0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0]
    assert status_requests == [0, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4]
    assert tracker.get_order(job).state is State.WAITING_FOR_USER
    if look_at_every_order:
        assert {r.left_out for r in reports} == {0}
    else:  # while refused but for the probe's pass, and between its checks
        assert [r.left_out for r in reports] == [0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1]


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
def test_a_slow_check_due_while_troubles_hold_polls_back_is_made_at_their_next_try(
        tracker: Tracker, tmp_path: Path, look_at_every_order: bool) -> None:
    """A job waiting for an answer whose troubles hold polls back past its slow checks: the
    checks that fell due meanwhile are made at the troubles' next try, not at the next slot."""
    sim, job, start, moment = waiting_job(tracker)

    async def go() -> tuple[list[Any], list[int]]:
        async with slow_check_rig(tracker, tmp_path, sim, moment, look_at_every_order) as r:
            reports, status_requests = [], []
            for second in (0, 1, 70, 71, 101, 1300, 1501, 1502):
                if second == 101:  # a trouble whose next try comes at 1500
                    tracker.run(c.ObserveTrouble(
                        order_id=job, trouble=Trouble.MISSING_FROM_STATUS, detail="missing",
                        limit=2, spread=timedelta(seconds=1400),
                        now=start + timedelta(seconds=100)))
                reports.extend(await passes_at(r.engine, moment, start, (second,)))
                status_requests.append(sim.requests["GET jobs/status"])
            return reports, status_requests

    reports, status_requests = asyncio.run(go())
    # passes at 0, 1, 70 (it waits from here), 71, 101 (the trouble: no poll before 1500),
    # 1300 (checks fell due just after 600 and 1200), 1501 (its next try: the check), 1502
    assert [r.polled for r in reports] == [0, 1, 1, 0, 0, 0, 1, 0]
    assert status_requests == [0, 1, 2, 2, 2, 2, 3, 3]
    assert tracker.get_order(job).state is State.WAITING_FOR_USER
    # never left out: at 1300 its next poll (130, from the poll at 70) has come, and at 1502
    # it changed (the check at 1501 cleared the trouble)
    assert {r.left_out for r in reports} == {0}


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
@pytest.mark.parametrize("failure", ["refused", "unavailable"])
def test_a_slow_check_whose_poll_fails_is_made_once_the_vendor_answers(
        tracker: Tracker, tmp_path: Path, look_at_every_order: bool, failure: str) -> None:
    """The poll of a job's slow check is refused (401) or fails (503): the check was not made,
    and is tried again at the job's next poll (a minute on; for the refusal, once a probe has
    shown the credentials work again), not a slow interval later."""
    sim, job, start, moment = waiting_job(tracker)

    async def go() -> list[int]:
        async with slow_check_rig(tracker, tmp_path, sim, moment, look_at_every_order) as r:
            status_requests = []
            for second in (0, 1, 70, 71, 650, 711, 712, 1100):
                if second == 650 and failure == "refused":
                    good, sim.secret = sim.secret, "rotated"
                if second == 650 and failure == "unavailable":
                    sim.status_failures = 5
                await passes_at(r.engine, moment, start, (second,))
                if second == 650:  # fixed after the failed check
                    sim.status_failures = 0
                    if failure == "refused":
                        sim.secret = good
                status_requests.append(sim.requests["GET jobs/status"])
            return status_requests

    status_requests = asyncio.run(go())
    assert not tracker.connector("planviewer").has(AttentionKind.CREDENTIALS)
    assert tracker.get_order(job).state is State.WAITING_FOR_USER
    # passes at 0, 1, 70 (it waits from here), 71, 650 (its check fails), 711 (a probe, or its
    # next poll: the check is made), 712, 1100
    tries = status_requests[4] - status_requests[3]  # the client's own retries of a 503
    assert tries >= 1
    assert status_requests[4:] == [status_requests[4] + n for n in (0, 1, 1, 1)]


@pytest.mark.parametrize("refused", [False, True], ids=["", "while refused"])
def test_a_fresh_engine_makes_the_slow_check_owed_since_a_jobs_last_change(
        tracker: Tracker, tmp_path: Path, refused: bool) -> None:
    """``sync --once`` from cron is a fresh engine each time, as is a restart: it checks a job
    that has waited a slow interval or more since its last change (the engine's memory of the
    last check is gone), once credentials work if they are refused."""
    sim, job, start, moment = waiting_job(tracker)

    async def go() -> list[int]:
        async with slow_check_rig(tracker, tmp_path, sim, moment) as r:
            await passes_at(r.engine, moment, start, (0, 1, 70))  # it waits from 70
            assert tracker.get_order(job).state is State.WAITING_FOR_USER
            if refused:
                tracker.run(c.RefuseCredentials(vendor="planviewer", operation="sync",
                                                http_status=401, message="revoked",
                                                at=start + timedelta(seconds=580)))
            status_requests = []
            for second in (130, 550, 610, 671, 700):  # a fresh engine each time, as from cron
                fresh = SyncEngine(tracker, r.engine.vendors, r.engine.downloader,
                                   clock=lambda: moment[0])
                await passes_at(fresh, moment, start, (second,))
                status_requests.append(sim.requests["GET jobs/status"])
            return status_requests

    status_requests = asyncio.run(go())
    assert not tracker.connector("planviewer").has(AttentionKind.CREDENTIALS)
    # before 600 no check is due; from then on each fresh engine makes one (while refused, the
    # first probe that works: 640 is the first probe's slot, so the pass at 671)
    first = status_requests[0]
    assert status_requests == [first + n for n in ((0, 0, 0, 1, 2) if refused else (0, 0, 1, 2, 3))]


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
def test_a_worker_handed_back_a_waiting_job_checks_it_by_slot_not_again_at_once(
        sqlite_url: str, tmp_path: Path, look_at_every_order: bool) -> None:
    """With leases, a job moves to another worker while it lives (a restart under a new name,
    a ``sync --once`` beside the workers) and back: the worker that checked it at its slot
    has forgotten it meanwhile, and checks it at the next slot, not again at once."""
    tracker = open_tracker(sqlite_url)
    sim, job, start, moment = waiting_job(tracker)
    other = next(n for n in (f"w-{i}" for i in range(100))
                 if meant_for(job, sorted(["w-a", n])) == n)
    book = LeaseBook(sqlite_url, "w-a")

    async def go() -> list[int]:
        async with rig(tracker, tmp_path, pv=sim, daily_cap=100, poll_seconds=60,
                       waiting_seconds=600, clock=lambda: moment[0], leases=book,
                       look_at_every_order=look_at_every_order) as r:
            status_requests = []
            for second in (0, 1, 70, 71, 605, 666, 670, 675, 680, 740, 1150, 1205):
                if second == 670:  # another worker lives a moment: the job is given to it
                    joiner = LeaseBook(sqlite_url, other)
                    joiner.live_workers(start + timedelta(seconds=669))
                await passes_at(r.engine, moment, start, (second,))
                if second == 670:  # and exits, its heartbeat and leases gone
                    joiner.release_all()
                    joiner.close()
                status_requests.append(sim.requests["GET jobs/status"])
            return status_requests

    try:
        status_requests = asyncio.run(go())
    finally:
        book.close()
        tracker.close()
    # passes at 0, 1, 70 (it waits from here), 71, 605 (its check), 666, 670 (the other
    # worker's), 675 (back), 680, 740, 1150, 1205 (the next check)
    assert status_requests == [0, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4]


def refuse_credentials(tracker: Tracker, sim: PlanviewerSim, start: datetime, second: int) -> str:
    """Planviewer refuses our key from ``second`` on (probes fail until the returned key is put
    back)."""
    good, sim.secret = sim.secret, "rotated"
    tracker.run(c.RefuseCredentials(vendor="planviewer", operation="sync", http_status=401,
                                    message="revoked", at=start + timedelta(seconds=second)))
    return good


@pytest.mark.parametrize("look_at_every_order", [False, True], ids=["left out", "every one"])
@pytest.mark.parametrize("meanwhile", ["nothing", "a restart", "a change"])
def test_a_slow_check_owed_while_refused_survives_a_restart_or_a_change(
        tracker: Tracker, tmp_path: Path, look_at_every_order: bool, meanwhile: str) -> None:
    """A job waits from 70; credentials are refused at 140, before its check (due just after
    600). Meanwhile the engine is restarted (its first pass, at 650, cannot poll), or the job
    changes while it still waits (a retrieval trouble, which holds no poll back): the check is
    still made in the pass where a probe shows the credentials work (701). (The library stamps
    events with the real clock, so here the change leaves the job's slots where they were:
    what is checked is that the engine keeps the check it owed.)"""
    sim, job, start, moment = waiting_job(tracker)

    async def go() -> list[int]:
        async with slow_check_rig(tracker, tmp_path, sim, moment, look_at_every_order) as r:
            await passes_at(r.engine, moment, start, (0, 1, 70, 71, 130))
            assert tracker.get_order(job).state is State.WAITING_FOR_USER
            good = refuse_credentials(tracker, sim, start, 140)
            engine = r.engine
            if meanwhile == "a restart":
                engine = SyncEngine(tracker, r.engine.vendors, r.engine.downloader,
                                    clock=lambda: moment[0],
                                    look_at_every_order=look_at_every_order)
            if meanwhile == "a change":
                tracker.run(c.ObserveTrouble(order_id=job, trouble=Trouble.DOWNLOAD_REFUSED,
                                             detail="refused", limit=5,
                                             spread=timedelta(seconds=600),
                                             now=start + timedelta(seconds=150)))
                assert tracker.get_order(job).attention_kind is not None
            status_requests = [sim.requests["GET jobs/status"]]
            for second in (160, 650, 701, 702):  # refused; a probe fails at 650, works at 701
                if second == 701:
                    sim.secret = good
                await passes_at(engine, moment, start, (second,))
                status_requests.append(sim.requests["GET jobs/status"])
            return status_requests

    status_requests = asyncio.run(go())
    assert not tracker.connector("planviewer").has(AttentionKind.CREDENTIALS)
    assert tracker.get_order(job).state is State.WAITING_FOR_USER
    first = status_requests[0]
    assert status_requests == [first, first, first, first + 1, first + 1]


def test_orders_changed_right_before_a_refusal_are_left_out_while_it_lasts(
        tracker: Tracker, tmp_path: Path) -> None:
    """Orders a pass's polls changed, then credentials refused (here by another worker) before
    any pass looked at them again: the passes while the refusal lasts leave them out all the
    same, at their new versions, and poll them once a probe shows the credentials work."""
    sim, _ = running_jobs(tracker, 3)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    moment = [start]

    async def go() -> list[Any]:
        async with rig(tracker, tmp_path, pv=sim, daily_cap=100, poll_seconds=60,
                       clock=lambda: moment[0]) as r:
            # submitted; polled (each poll changes its order)
            reports = await passes_at(r.engine, moment, start, (0, 1))
            tracker.run(c.RefuseCredentials(vendor="planviewer", operation="sync",
                                            http_status=401, message="revoked",
                                            at=start + timedelta(seconds=2)))
            # the probe at 62 works
            return reports + await passes_at(r.engine, moment, start, (3, 4, 5, 62, 63, 64))

    reports = asyncio.run(go())
    assert [r.polled for r in reports] == [0, 3, 0, 0, 0, 3, 0, 0]
    assert [r.left_out for r in reports] == [0, 0, 0, 3, 3, 0, 0, 3]
    assert not tracker.connector("planviewer").has(AttentionKind.CREDENTIALS)


def test_a_vendor_said_unconfigured_elsewhere_is_found_configured_while_no_order_is_due(
        tracker: Tracker, tmp_path: Path) -> None:
    """Another engine, without the vendor's configuration, says so on its connector: the next
    pass of an engine that has it looks at the vendor's orders, due or not, and clears that."""
    sim, _ = running_jobs(tracker, 2)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    moment = [start]

    async def go() -> list[Any]:
        async with rig(tracker, tmp_path, pv=sim, daily_cap=100, poll_seconds=300,
                       clock=lambda: moment[0]) as r:
            # submitted; polled; looked at once more; left out
            reports = await passes_at(r.engine, moment, start, (0, 1, 2, 3))
            tracker.run(c.MissConfiguration(vendor="planviewer", at=moment[0],
                                            reason="no [vendors.planviewer] table"))
            assert tracker.connector("planviewer").has(AttentionKind.NOT_CONFIGURED)
            return reports + await passes_at(r.engine, moment, start, (4, 5))

    reports = asyncio.run(go())
    assert not tracker.connector("planviewer").has(AttentionKind.NOT_CONFIGURED)
    assert [r.polled for r in reports] == [0, 2, 0, 0, 0, 0]
    assert [r.left_out for r in reports] == [0, 0, 0, 2, 0, 2]
