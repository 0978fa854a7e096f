"""Acks that arrive together are recorded in one transaction, each answered only once durable.

Real HTTP over loopback, a real store (SQLite and PostgreSQL). To make a group
deterministic, the receiver's store thread is held busy while the acks arrive;
they queue and are then recorded together. ``tracker.execute`` is wrapped only
to count calls: the real one runs.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest

from ordertrail.adapters.ppw import PPWConfig, PPWLink, PPWOutbox, PPWSimulator, make_app
from ordertrail.adapters.ppw.receiver import WORKER_KEY
from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from tests.adapters.ppw.conftest import PASSWORD, SITE_ID, USERNAME, serving

T = TypeVar("T")


def request(tracker: Tracker, n: int, prefix: str = "G") -> list[UUID]:
    return [
        tracker.request_order("ppw", {"wo_number": f"{prefix}-{i}", "address": f"{i} Elm St"},
                              idempotency_key=f"{prefix}-{i}")
        for i in range(n)
    ]


def count_executes(tracker: Tracker) -> list[int]:
    """The number of commands in each ``tracker.execute`` call from now on."""
    calls: list[int] = []
    real = tracker.execute

    def execute(commands: Any) -> Any:
        calls.append(len(commands))
        return real(commands)

    tracker.execute = execute  # type: ignore[method-assign]
    return calls


def run(link: PPWLink, scenario: Callable[[PPWSimulator, Any], Awaitable[T]]) -> T:
    async def main() -> T:
        app = make_app(link)
        async with serving(app) as base, PPWSimulator(
            f"{base}/ppw/receiver", USERNAME, PASSWORD, SITE_ID
        ) as ppw:
            return await scenario(ppw, app[WORKER_KEY])

    return asyncio.run(main())


async def grouped(worker: Any, sends: list[Awaitable[Any]], *, hold: float = 0.0) -> list[Any]:
    """Send while the store thread is held, so all of ``sends`` queue into one group."""
    gate = threading.Event()
    busy = asyncio.ensure_future(worker.run(gate.wait, 30))
    tasks = [asyncio.ensure_future(send) for send in sends]
    for _ in range(500):
        if worker.queued_acks == len(tasks):
            break
        await asyncio.sleep(0.01)
    assert worker.queued_acks == len(tasks)
    gate.set()
    await busy
    return await asyncio.gather(*tasks, return_exceptions=True)


async def offer(ppw: PPWSimulator) -> list[str]:
    listing = await ppw.call("get_all_orders")
    return [h["transaction_id"] for h in listing if "report_id" in h]


def test_concurrent_acks_are_recorded_in_one_transaction_and_each_is_durable(
    tracker: Tracker, link: PPWLink, store_url: str
) -> None:
    orders = request(tracker, 6)
    calls = count_executes(tracker)

    async def scenario(ppw: PPWSimulator, worker: Any) -> list[Any]:
        tids = await offer(ppw)
        calls.clear()
        return await grouped(worker, [ppw.ack(tid, status="success") for tid in tids])

    answers = run(link, scenario)
    assert answers == [""] * 6
    assert calls == [12]  # RecordAck + Place for each of the six, one transaction
    # Durable: a second tracker on the same store (as another process would) sees them all.
    other = open_tracker(store_url)
    try:
        for order_id in orders:
            view = other.get_order(order_id)
            assert view.state is State.PLACED
            assert [e.type for e in other.history(order_id)][-2:] == ["Acked", "OrderPlaced"]
    finally:
        other.close()
    assert not link.outbox.open_offers(("new",))


def test_repeats_inside_and_after_a_group_record_nothing(
    tracker: Tracker, link: PPWLink
) -> None:
    orders = request(tracker, 3)

    async def scenario(ppw: PPWSimulator, worker: Any) -> tuple[list[Any], list[Any]]:
        tids = await offer(ppw)
        first = await grouped(worker, [
            ppw.ack(tids[0], status="success"),
            ppw.ack(tids[0], status="success"),  # the same ack twice in one group
            ppw.ack(tids[1], status="success"),
            ppw.ack(tids[0], status="error", reason="Duplicate work order number"),
        ])
        again = await grouped(worker, [ppw.ack(tid, status="success") for tid in tids[:2]])
        return first, again

    first, again = run(link, scenario)
    assert first == ["", "", "", ""] and again == ["", ""]
    for order_id in orders[:2]:
        assert [e.type for e in tracker.history(order_id)].count("Acked") == 1
        assert tracker.get_order(order_id).state is State.PLACED
    assert tracker.get_order(orders[2]).state is State.REQUESTED


def test_bad_acks_in_a_group_are_refused_alone_and_the_others_are_recorded(
    tracker: Tracker, link: PPWLink
) -> None:
    orders = request(tracker, 3)

    async def scenario(ppw: PPWSimulator, worker: Any) -> list[Any]:
        tids = await offer(ppw)
        return await grouped(worker, [
            ppw.ack(tids[0], status="success"),
            ppw.ack("no-such-transaction", status="success"),
            ppw.call("ack_transaction", {"status": "success"}),  # no transaction_id
            ppw.call("ack_transaction", {"transaction_id": {"nested": 1}}),  # wrong type
            ppw.ack(tids[1], status="error", reason="Duplicate work order number"),
            ppw.ack(tids[2], status="success"),
        ])

    answers = run(link, scenario)
    assert answers[0] == "" and answers[4] == "" and answers[5] == ""
    assert "unknown transaction_id 'no-such-transaction'" in str(answers[1])
    assert "transaction_id" in str(answers[2]) and "transaction_id" in str(answers[3])
    assert tracker.get_order(orders[0]).state is State.PLACED
    assert tracker.get_order(orders[1]).state is State.REJECTED
    assert tracker.get_order(orders[2]).state is State.PLACED


def test_a_group_whose_transaction_fails_is_recorded_ack_by_ack(
    tmp_path: Path, ppw_config: PPWConfig
) -> None:
    """SQLite only: another process holds the write lock past our lock timeout, once."""
    path = tmp_path / "ordertrail.db"
    tracker = open_tracker(f"sqlite:///{path}?lock_timeout=1")
    outbox = PPWOutbox(tmp_path / "ppw.sqlite3", first_report_id=1000)
    link = PPWLink(tracker, outbox, ppw_config)
    orders = request(tracker, 3)
    calls = count_executes(tracker)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    async def scenario(ppw: PPWSimulator, worker: Any) -> list[Any]:
        tids = await offer(ppw)
        calls.clear()
        blocker.execute("begin immediate")  # the group's commit waits 1 s, then fails
        release = threading.Timer(1.5, blocker.execute, ("rollback",))
        release.start()
        try:
            return await grouped(worker, [ppw.ack(tid, status="success") for tid in tids])
        finally:
            release.join()

    try:
        answers = run(link, scenario)
        assert answers == ["", "", ""]
        assert calls[0] == 6 and calls[1:] == [2, 2, 2]  # the group, then each alone
        for order_id in orders:
            assert tracker.get_order(order_id).state is State.PLACED
            assert [e.type for e in tracker.history(order_id)].count("Acked") == 1
    finally:
        blocker.close()
        outbox.close()
        tracker.close()


@pytest.mark.parametrize("concurrency", [8])
def test_many_sites_acking_at_once_each_order_placed_exactly_once(
    tracker: Tracker, link: PPWLink, concurrency: int
) -> None:
    """Free-running (no held thread): acks and repeats from many clients, no import lost."""
    orders = request(tracker, 40)

    async def scenario(ppw: PPWSimulator, worker: Any) -> list[Any]:
        tids = await offer(ppw)
        queue = [tid for tid in tids for _ in range(2)]  # every ack sent twice

        async def client() -> list[Any]:
            answers = []
            while queue:
                answers.append(await ppw.ack(queue.pop(), status="success"))
            return answers

        return await asyncio.gather(*(client() for _ in range(concurrency)))

    answers = run(link, scenario)
    assert sum(len(a) for a in answers) == 80 and all(x == "" for a in answers for x in a)
    for order_id in orders:
        types = [e.type for e in tracker.history(order_id)]
        assert types.count("Acked") == 1 and types.count("OrderPlaced") == 1


def test_an_ack_the_ledger_refuses_does_not_cost_the_rest_of_its_group(
    tracker: Tracker, link: PPWLink, caplog: pytest.LogCaptureFixture
) -> None:
    """We cancelled one order after offering it; PPW acks it with the others anyway."""
    orders = request(tracker, 3)

    async def scenario(ppw: PPWSimulator, worker: Any) -> list[Any]:
        tids = await offer(ppw)
        tracker.run(c.Cancel(order_id=orders[1], initiator="us", reason="customer withdrew"))
        return await grouped(worker, [ppw.ack(tid, status="success") for tid in tids])

    answers = run(link, scenario)
    assert answers == ["", "", ""]  # as alone: the refusal is logged, not PPW's problem
    assert tracker.get_order(orders[1]).state is State.CANCELLED
    assert "Acked" not in [e.type for e in tracker.history(orders[1])]
    assert tracker.get_order(orders[0]).state is State.PLACED
    assert tracker.get_order(orders[2]).state is State.PLACED
    assert "RecordAck refused for order" in caplog.text


def count_turns(worker: Any) -> list[int]:
    """A list that grows by one for each piece of work the worker hands its store thread."""
    turns: list[int] = []
    real_run = worker.run

    async def counted_run(work: Any, *args: Any) -> Any:
        turns.append(1)
        return await real_run(work, *args)

    worker.run = counted_run
    return turns


def test_a_repeated_listing_is_answered_on_the_loop_and_still_sees_every_change(
    tracker: Tracker, link: PPWLink, store_url: str
) -> None:
    request(tracker, 2, "L")

    async def scenario(ppw: PPWSimulator, worker: Any) -> list[tuple[int, list[str]]]:
        turns = count_turns(worker)

        async def listing() -> tuple[int, list[str]]:
            before = len(turns)
            answer = await ppw.call("get_all_orders")
            return len(turns) - before, [h["wo_number"] for h in answer if "report_id" in h]

        # The first offers (records); the second follows those records in the outbox; the
        # third is a repeat.
        seen = [await listing(), await listing(), await listing()]
        other = open_tracker(store_url)  # another process requests an order
        try:
            other.request_order("ppw", {"wo_number": "L-new", "address": "1 Oak St"},
                                idempotency_key="L-new")
        finally:
            other.close()
        seen.append(await listing())
        tid = (await offer(ppw))[0]
        await ppw.ack(tid, status="success")  # the outbox changes: that order leaves the list
        seen += [await listing(), await listing()]
        return seen

    first, following, repeat, after_request, after_ack, repeat_after_ack = run(link, scenario)
    assert first == following == (1, ["L-0", "L-1"])
    assert repeat == (0, ["L-0", "L-1"])  # answered on the loop: no turn on the store thread
    assert after_request == (1, ["L-0", "L-1", "L-new"])
    assert after_ack == (1, ["L-1", "L-new"])
    assert repeat_after_ack == (0, ["L-1", "L-new"])


def test_get_all_notes_is_answered_on_the_loop_and_still_checks_its_timestamp(
    tracker: Tracker, link: PPWLink
) -> None:
    """PPW asks for notes on every Auto Import; we keep none, so the answer needs no turn on
    the store thread. A bad timestamp is still refused with the error envelope."""

    async def scenario(ppw: PPWSimulator, worker: Any) -> tuple[int, Any, Any]:
        turns = count_turns(worker)
        notes = await ppw.call("get_all_notes", {"timestamp": 1700000000})
        bad = await ppw.post_payload(ppw.payload("get_all_notes", {"timestamp": "yesterday"}))
        return len(turns), notes, bad

    turns, notes, bad = run(link, scenario)
    assert (turns, notes) == (0, [])
    assert bad["error"] is True and bad["success"] is False and "timestamp" in bad["return_error_msg"]
