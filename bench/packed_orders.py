"""Packing an order that leaves the cache, and unpacking it: pickle against our codec.

An order that leaves the fast tracker's cache is kept packed, and a sync pass over more open
orders than the cache holds unpacks and packs each of them once. The baseline is ``pickle``
at its highest protocol, of the same values (the order's attributes but its id and pending
events, as the cache packs them); ours is the cache's codec, the store's own encoding of
those values (``encode_values``) and their decoding back to the order's declared types
(``values_decoder``). Both run in this process on the same orders, made by the domain: a
placed order as a pass sees most of them, and one with every kind of value set (a trouble
first seen at a time at +10:00, a cost, an acknowledgement, a result). Printed per kind:
microseconds a pack and an unpack (best of ``--repeat`` runs over ``--orders`` orders), the
bytes kept, and the ratio of pickle's time to ours (above 1: ours is faster).

    python bench/packed_orders.py [--orders 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import pickle
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

from ordertrail.adapters.store.mapper import encode_values, values_decoder
from ordertrail.adapters.store.order_cache import NOT_PACKED
from ordertrail.domain import commands as c
from ordertrail.domain.order import Order
from ordertrail.domain.state_machine import State
from ordertrail.domain.vocabulary import HoldCause, Trouble

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def placed(n: int) -> Order:
    """A Planviewer order placed and in progress: what most orders of a pass look like."""
    order = Order.request(uuid4(), "planviewer", f"k{n}", {"n": n}, "bench")
    for command in (
        c.Place(order_id=order.id, vendor_ref=str(uuid4()), vendor_ref_kind="planviewer.job_uuid"),
        c.ChangeStatus(order_id=order.id, raw_status="in_progress", normalized=State.IN_PROGRESS),
        c.ReportProgress(order_id=order.id, current=n % 7, total=10),
    ):
        command.run(order)
    order.collect_events()
    return order


def rich(n: int) -> Order:
    """A PPW order with every kind of value an order holds set: nested request values, an
    acknowledgement, a trouble first seen at a time at +10:00, a cost, a result."""
    order = Order.request(uuid4(), "ppw", f"r{n}", {"work": {"id": n, "lines": [1, 2]}}, "bench")
    aest = timezone(timedelta(hours=10))
    for command in (
        c.HoldSubmission(order_id=order.id, cause=HoldCause.DAILY_CAP, reason="cap",
                         until=datetime(2026, 12, 5, 9, tzinfo=aest)),
        c.Place(order_id=order.id, vendor_ref=f"wo-{n}", vendor_ref_kind="ppw.wo"),
        c.RecordAck(order_id=order.id, transaction_id=f"t{n}", outcome="imported"),
        c.ObserveTrouble(order_id=order.id, trouble=Trouble.MISSING_FROM_STATUS, detail="absent",
                         limit=3, spread=timedelta(0), now=NOW.astimezone(aest)),
        c.RecordCost(order_id=order.id, amount=Decimal("45.00"), currency="USD", basis="quote"),
        c.AnnounceResult(order_id=order.id, result_ref="r1"),
    ):
        command.run(order)
    order.collect_events()
    return order


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest of ``repeat`` runs of ``work``, in seconds, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def measure(orders: list[Order], repeat: int) -> dict[str, float]:
    attributes = tuple(vars(orders[0]))
    names = tuple(n for n in attributes if n not in NOT_PACKED)
    decoder = values_decoder(type(orders[0]), names)
    assert decoder is not None, "an attribute of the order has no declared type"
    values = [tuple(vars(o)[n] for n in names) for o in orders]
    count = len(values)
    dumps_s, pickles = best(repeat, lambda: [pickle.dumps(v, pickle.HIGHEST_PROTOCOL)
                                             for v in values])
    loads_s, _ = best(repeat, lambda: [pickle.loads(p) for p in pickles])
    encode_s, encoded = best(repeat, lambda: [encode_values(v) for v in values])
    decode_s, decoded = best(repeat, lambda: [decoder.decode(e) for e in encoded])
    assert decoded == values, "the codec changed a value"
    return {
        "pickle_pack": dumps_s / count * 1e6, "pickle_unpack": loads_s / count * 1e6,
        "pickle_bytes": sum(map(len, pickles)) / count,
        "ours_pack": encode_s / count * 1e6, "ours_unpack": decode_s / count * 1e6,
        "ours_bytes": sum(map(len, encoded)) / count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.orders < 1 or args.repeat < 1:
        parser.error("--orders and --repeat must be at least 1")
    print(f"{'order':<8} {'':<7} {'pack us':>8} {'unpack us':>10} {'both us':>8} {'bytes':>6}")
    for kind, make in (("placed", placed), ("rich", rich)):
        m = measure([make(n) for n in range(args.orders)], args.repeat)
        for codec in ("pickle", "ours"):
            pack, unpack = m[f"{codec}_pack"], m[f"{codec}_unpack"]
            print(f"{kind:<8} {codec:<7} {pack:>8.2f} {unpack:>10.2f} {pack + unpack:>8.2f} "
                  f"{m[f'{codec}_bytes']:>6.0f}")
        both = (m["pickle_pack"] + m["pickle_unpack"]) / (m["ours_pack"] + m["ours_unpack"])
        print(f"{kind:<8} ratio pickle/ours: pack {m['pickle_pack'] / m['ours_pack']:.1f}, "
              f"unpack {m['pickle_unpack'] / m['ours_unpack']:.1f}, both {both:.1f}")


if __name__ == "__main__":
    main()
