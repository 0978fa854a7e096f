"""Ledger benchmark (issue 2): append throughput and load latency.

Append: orders saved through the tracker per second, against a raw driver
insert of the same stored-event rows with the same commit shape (one commit
per order), on SQLite and on PostgreSQL, in one run, printed as a ratio.
Load: median time to get an order that has 200 events, snapshots on.

    python bench/ledger.py [--orders 3000] [--stores sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from ordertrail.adapters.store import open_tracker
from ordertrail.adapters.store.mapper import MsgspecMapper
from ordertrail.domain import commands as c
from ordertrail.domain.order import Order
from ordertrail.domain.tracker import Tracker

POSTGRES_DSN = os.environ.get(
    "ORDERTRAIL_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUEST = {
    "intention_uuid": "0fe30323-a86e-4048-a7e7-6d60c3365dcb",
    "product": "bestemmingsplanrapport",
}


def sample_rows(n: int) -> list[tuple[str, int, str, bytes]]:
    """The stored-event rows the tracker writes for n new orders."""
    from eventsourcing.persistence import JSONTranscoder

    mapper = MsgspecMapper(transcoder=JSONTranscoder())
    rows = []
    for i in range(n):
        order = Order.request(uuid.uuid4(), "planviewer", f"raw-{i}", REQUEST, "bench")
        (event,) = order.collect_events()
        stored = mapper.to_stored_event(event)
        row = (str(stored.originator_id), stored.originator_version, stored.topic, stored.state)
        rows.append(row)
    return rows


class RawSQLite:
    """The library's own table shape, written with the bare sqlite3 driver."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(
            "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )

    def insert(self, row: tuple[str, int, str, bytes]) -> None:
        self.conn.execute("BEGIN")
        self.conn.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)", (uuid.UUID(row[0]).hex, *row[1:]),
        )
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class RawPostgres:
    """The library's table shape, written with the bare psycopg driver."""

    def __init__(self, schema: str) -> None:
        self.conn = psycopg.connect(POSTGRES_DSN, autocommit=False)
        self.conn.execute(f'SET search_path TO "{schema}"')
        self.conn.execute(
            "CREATE TABLE raw_events (originator_id UUID NOT NULL, "
            "originator_version BIGINT NOT NULL, topic TEXT, state BYTEA, "
            "notification_id BIGSERIAL, PRIMARY KEY (originator_id, originator_version))"
        )
        self.conn.commit()

    def insert(self, row: tuple[str, int, str, bytes]) -> None:
        self.conn.execute(
            "INSERT INTO raw_events (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s)", row,
        )
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def interleaved(
    tracker: Tracker, raw: RawSQLite | RawPostgres, n: int, rounds: int = 10
) -> tuple[float, float]:
    """Alternate chunks of ours and the baseline so machine load hits both alike."""
    rows = sample_rows(n)
    chunk = max(1, n // rounds)
    ours_time = raw_time = 0.0
    for r in range(rounds):
        started = time.perf_counter()
        for i in range(r * chunk, (r + 1) * chunk):
            tracker.request_order("planviewer", REQUEST, f"bench-{i}")
        ours_time += time.perf_counter() - started
        started = time.perf_counter()
        for row in rows[r * chunk:(r + 1) * chunk]:
            raw.insert(row)
        raw_time += time.perf_counter() - started
    done = chunk * rounds
    return done / ours_time, done / raw_time


def load_latency(tracker: Tracker, events: int = 200, reads: int = 200) -> float:
    oid = tracker.request_order("planviewer", REQUEST, f"long-{uuid.uuid4()}")
    tracker.run(c.Place(order_id=oid, vendor_ref=f"job-{uuid.uuid4()}", vendor_ref_kind="pv"))
    for i in range(events - 2):
        tracker.run(c.ReportProgress(order_id=oid, current=i + 1, total=events))
    assert tracker.get_order(oid).version == events
    return statistics.median(timed(tracker, oid, reads)) * 1000


def cold_load_latency(url: str, reads: int = 200) -> float:
    """The same order read by a tracker without the aggregate cache: snapshot + newer events."""
    os.environ["AGGREGATE_CACHE_MAXSIZE"] = ""
    try:
        tracker = open_tracker(url)
    finally:
        del os.environ["AGGREGATE_CACHE_MAXSIZE"]
    oid = next(o for o in tracker.order_ids() if tracker.get_order(o).version == 200)
    try:
        return statistics.median(timed(tracker, oid, reads)) * 1000
    finally:
        tracker.close()


def timed(tracker: Tracker, oid: Any, reads: int) -> list[float]:
    samples = []
    for _ in range(reads):
        started = time.perf_counter()
        tracker.get_order(oid)
        samples.append(time.perf_counter() - started)
    return samples


def with_schema(run):  # type: ignore[no-untyped-def]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        return run(schema)
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_sqlite(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = RawSQLite(Path(tmp) / "raw.db")
        url = f"sqlite:///{Path(tmp) / 'ordertrail.db'}"
        tracker = open_tracker(url)
        ours, baseline = interleaved(tracker, raw, n)
        load_ms = load_latency(tracker)
        tracker.close()
        cold_ms = cold_load_latency(url)
        raw.close()
    report("sqlite", n, ours, baseline, load_ms, cold_ms)


def bench_postgres(n: int) -> None:
    def run(schema: str) -> None:
        raw = RawPostgres(schema)
        url = f"{POSTGRES_DSN}?schema={schema}"
        tracker = open_tracker(url)
        ours, baseline = interleaved(tracker, raw, n)
        load_ms = load_latency(tracker)
        tracker.close()
        cold_ms = cold_load_latency(url)
        raw.close()
        report("postgres", n, ours, baseline, load_ms, cold_ms)

    with_schema(run)


def report(store: str, n: int, ours: float, raw: float, load_ms: float, cold_ms: float) -> None:
    print(
        f"{store:9} append: tracker {ours:8.0f} orders/s | raw driver {raw:8.0f} rows/s | "
        f"ratio {ours / raw:5.2f} (target >= 0.70) | load 200-event order median: "
        f"uncached {cold_ms:5.2f} ms, cached {load_ms:5.2f} ms (target <= 2 ms)  [n={n}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    stores = args.stores.split(",")
    if "sqlite" in stores:
        bench_sqlite(args.orders)
    if "postgres" in stores:
        bench_postgres(args.orders)


if __name__ == "__main__":
    main()
