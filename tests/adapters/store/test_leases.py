"""Two workers never hold the same order's lease; a dead worker's leases expire."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from ordertrail.adapters.store.leases import LeaseBook


def test_a_lease_is_held_by_one_worker_at_a_time(store_url: str) -> None:
    alice = LeaseBook(store_url, "alice")
    bob = LeaseBook(store_url, "bob")
    orders = [uuid4() for _ in range(6)]
    assert alice.acquire(orders[:4]) == set(orders[:4])
    assert bob.acquire(orders) == set(orders[4:])
    assert alice.acquire(orders) == set(orders[:4])  # renewing our own
    assert alice.holder(orders[0]) == "alice" and bob.holder(orders[5]) == "bob"
    alice.close()
    bob.close()


def test_an_expired_lease_is_taken_over(store_url: str) -> None:
    dead = LeaseBook(store_url, "dead", ttl=timedelta(seconds=30))
    alive = LeaseBook(store_url, "alive", ttl=timedelta(seconds=30))
    order = uuid4()
    start = datetime.now(UTC)
    assert dead.acquire([order], now=start) == {order}
    assert alive.acquire([order], now=start + timedelta(seconds=10)) == set()
    assert alive.acquire([order], now=start + timedelta(seconds=31)) == {order}
    assert dead.acquire([order], now=start + timedelta(seconds=32)) == set()
    dead.close()
    alive.close()


def test_released_leases_are_free_again(store_url: str) -> None:
    a, b = LeaseBook(store_url, "a"), LeaseBook(store_url, "b")
    order = uuid4()
    a.acquire([order])
    a.release([order])
    assert b.acquire([order]) == {order}
    a.close()
    b.close()


def test_a_worker_that_exits_cleanly_gives_back_all_its_leases_and_no_others(
    store_url: str,
) -> None:
    a, b, c = LeaseBook(store_url, "a"), LeaseBook(store_url, "b"), LeaseBook(store_url, "c")
    mine, theirs = [uuid4(), uuid4()], uuid4()
    a.acquire(mine)
    b.acquire([theirs])
    a.release_all()
    assert c.acquire([*mine, theirs]) == set(mine)
    for book in (a, b, c):
        book.close()


def test_racing_workers_split_the_orders_without_overlap(store_url: str) -> None:
    orders = [uuid4() for _ in range(40)]
    books = [LeaseBook(store_url, f"w{i}") for i in range(3)]
    got: dict[str, set] = {}
    barrier = threading.Barrier(len(books))

    def take(book: LeaseBook) -> None:
        barrier.wait()
        got[book.owner] = book.acquire(orders)

    threads = [threading.Thread(target=take, args=(b,)) for b in books]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_taken = [o for s in got.values() for o in s]
    assert len(all_taken) == len(set(all_taken)) == len(orders)
    for b in books:
        b.close()


def test_live_workers_share_the_open_orders_evenly_and_without_overlap(store_url: str) -> None:
    orders = [uuid4() for _ in range(300)]
    books = [LeaseBook(store_url, f"w{i}") for i in range(3)]
    now = datetime.now(UTC)
    for book in books:
        book.live_workers(now)  # all three are up
    shares = [book.share(orders, now) for book in books]
    assert sum(map(len, shares)) == len(orders) == len(set().union(*shares))
    assert all(70 <= len(s) <= 130 for s in shares), [len(s) for s in shares]
    assert [book.share(orders, now) for book in books] == shares  # stable pass after pass
    for book in books:
        book.close()


def test_a_joining_worker_gets_its_share_and_a_dead_one_loses_its_own(store_url: str) -> None:
    ttl = timedelta(seconds=30)
    first, second = LeaseBook(store_url, "first", ttl=ttl), LeaseBook(store_url, "second", ttl=ttl)
    orders = [uuid4() for _ in range(100)]
    start = datetime.now(UTC)
    assert first.share(orders, start) == set(orders)  # alone, it takes everything
    second.live_workers(start)  # a second worker starts
    kept = first.share(orders, start + timedelta(seconds=1))  # first gives back the rest
    taken = second.share(orders, start + timedelta(seconds=1))
    assert kept and taken and kept.isdisjoint(taken) and kept | taken == set(orders)
    # first dies: after its heartbeat and leases expire, second holds every order.
    later = start + timedelta(seconds=40)
    assert second.share(orders, later) == set(orders)
    first.close()
    second.close()


def test_a_clean_exit_hands_the_whole_share_over_at_once(store_url: str) -> None:
    a, b = LeaseBook(store_url, "a"), LeaseBook(store_url, "b")
    orders = [uuid4() for _ in range(50)]
    now = datetime.now(UTC)
    a.live_workers(now)
    b.live_workers(now)
    assert len(a.share(orders, now)) < len(orders)
    a.release_all()
    assert b.share(orders, now) == set(orders)
    a.close()
    b.close()


def test_workers_starting_together_on_a_new_store_all_open_their_lease_book(
    store_url: str,
) -> None:
    """Found when two ``sync --worker`` processes started at once: both created the lease
    tables and PostgreSQL refused the second (a unique catalog index), killing that worker."""
    barrier = threading.Barrier(6)
    opened: list[LeaseBook] = []
    failed: list[BaseException] = []

    def start(n: int) -> None:
        barrier.wait()
        try:
            opened.append(LeaseBook(store_url, f"w{n}"))
        except BaseException as error:  # reported by the assertion below
            failed.append(error)

    threads = [threading.Thread(target=start, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failed, failed
    assert len(opened) == 6 and opened[0].acquire([uuid4()])
    for book in opened:
        book.close()
