"""Projection benchmark (issue 5): catch-up throughput of all four read models.

For each store (SQLite file, PostgreSQL schema) the same history is written
once, then projected by:
- ours: ProjectionRunner.catch_up (batches, one transaction per batch);
- the stock shape (baseline, same run): the library's notification reader and
  mapper, then, per event, one raw-driver transaction inserting one audit row
  and moving the tracking position; one commit per event, as the library's
  projection runner does. It does less work per event than ours (one row, not
  four models), so the ratio is conservative. It runs over the first
  ``--baseline-events`` events only, to keep the run short; rates are per second.
Then a full rebuild of the same history is timed, and the fifth read model's cost shown
apart: the same history caught up again into two empty read-model stores (a SQLite file,
a PostgreSQL schema), by a runner over every read model and one over all but
``vendor_health``, each timed in wall-clock and in CPU seconds of this process.

On SQLite a third figure bounds what any Python runner could reach: the bare
``sqlite3`` driver writing exactly the rows ours wrote (read back from the read
models) into empty copies of the same tables, with the same indexes, pragmas and
batches (one transaction per ``DEFAULT_BATCH_SIZE`` events, an order's row upserted
in the batch of its last event), and no Python work besides the driver's. Its
events per second are the SQL floor: the database's own share of the catch-up.

    python bench/projections.py [--orders 200000] [--stores sqlite,postgres]

The default is the issue's history of 1,000,000 events (200,000 orders of five
events); it takes about five minutes. ``--orders 4000`` is a one-minute look.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from histories import write_history

from ordertrail.adapters.store import StoreURL, open_tracker
from ordertrail.adapters.store.engines import engine_for
from ordertrail.domain.events import OrderEvent
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner
from ordertrail.projections.models import Base
from ordertrail.projections.registry import READ_MODELS
from ordertrail.projections.runner import DEFAULT_BATCH_SIZE
from ordertrail.projections.source import ORDER_TOPICS

POSTGRES_DSN = os.environ.get(
    "ORDERTRAIL_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def order_events(tracker: Tracker, limit: int) -> Iterator[tuple[int, OrderEvent]]:
    """The library's way to read a projection's input: notifications, decoded by the mapper."""
    start, seen = 1, 0
    while seen < limit:
        found = tracker.recorder.select_notifications(start, 1000)
        if not found:
            return
        for notification in found:
            if notification.topic in ORDER_TOPICS and seen < limit:
                event = tracker.mapper.to_domain_event(notification)
                assert isinstance(event, OrderEvent)
                seen += 1
                yield notification.id, event
        start = found[-1].id + 1


BASELINE_DDL = [
    "CREATE TABLE baseline_audit (order_id TEXT, version INTEGER, event_type TEXT, "
    "recorded_at TEXT, to_state TEXT, PRIMARY KEY (order_id, version))",
    "CREATE TABLE baseline_tracking (name TEXT PRIMARY KEY, position BIGINT)",
    "INSERT INTO baseline_tracking VALUES ('baseline', 0)",
]


def baseline(tracker: Tracker, connect: Callable[[], Any], placeholder: str, limit: int) -> float:
    """Events per second, one raw-driver transaction per event (row + tracking position)."""
    conn = connect()
    for ddl in BASELINE_DDL:
        conn.execute(ddl)
    conn.commit()
    p = placeholder
    insert = f"INSERT INTO baseline_audit VALUES ({p}, {p}, {p}, {p}, {p})"
    track = f"UPDATE baseline_tracking SET position = {p} WHERE name = 'baseline'"
    started = time.perf_counter()
    count = 0
    for position, event in order_events(tracker, limit):
        conn.execute(insert, (str(event.originator_id), event.originator_version,
                              type(event).__name__, event.timestamp.isoformat(), event.to_state))
        conn.execute(track, (position,))
        conn.commit()
        count += 1
    elapsed = time.perf_counter() - started
    conn.close()
    return count / elapsed


def sql_floor(path: Path) -> float:
    """Events/s of the bare driver re-inserting the read-model rows of the SQLite store at
    ``path`` into a fresh database: same tables, indexes, pragmas and batches (see above)."""
    source = sqlite3.connect(path)
    audit = source.execute("SELECT * FROM audit_log ORDER BY position").fetchall()
    orders = source.execute("SELECT * FROM order_status").fetchall()
    daily = source.execute("SELECT * FROM vendor_daily").fetchall()
    attention = source.execute("SELECT * FROM attention").fetchall()
    source.close()
    position = [c.name for c in Base.metadata.tables["audit_log"].columns].index("position")
    last_batch = {row[0]: i // DEFAULT_BATCH_SIZE for i, row in enumerate(audit)}
    batches: list[list[Any]] = [[] for _ in range(-(-len(audit) // DEFAULT_BATCH_SIZE))]
    for row in orders:
        batches[last_batch[row[0]]].append(row)
    target = path.with_name("floor.db")
    engine = engine_for(f"sqlite:///{target}")  # the read models' pragmas
    Base.metadata.create_all(engine)
    engine.dispose()
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("INSERT INTO projection_tracking VALUES ('floor', 0)")

    def insert(table: str, width: int, tail: str = "") -> str:
        return f"INSERT INTO {table} VALUES ({', '.join('?' * width)}){tail}"

    status_columns = [c.name for c in Base.metadata.tables["order_status"].columns][1:]
    upsert_status = insert("order_status", len(status_columns) + 1, " ON CONFLICT (order_id) "
                           "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in status_columns))
    started = time.perf_counter()
    for n, order_rows in enumerate(batches):
        rows = audit[n * DEFAULT_BATCH_SIZE:(n + 1) * DEFAULT_BATCH_SIZE]
        conn.execute("BEGIN")
        conn.execute("UPDATE projection_tracking SET position = ? WHERE name = 'floor'",
                     (rows[-1][position],))
        conn.executemany(upsert_status, order_rows)
        conn.executemany(insert("audit_log", len(audit[0])), rows)
        if n == len(batches) - 1:
            conn.executemany(insert("vendor_daily", 4), daily)
            conn.executemany(insert("attention", 6), attention)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(audit) / elapsed


def caught_up(tracker: Tracker, url: str, without: str | None) -> tuple[float, float]:
    """(events/s, CPU µs/event) of a catch-up of ``tracker``'s history into the empty read
    models at ``url``, by every read model or all but ``without``."""
    models = [m for m in READ_MODELS if m.name != without]
    runner = ProjectionRunner(tracker, url, read_models=models)
    try:
        cpu, started = time.process_time(), time.perf_counter()
        applied = runner.catch_up()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        runner.close()
    return applied / wall, cpu / applied * 1e6


def model_cost(tracker: Tracker, target: Callable[[str], str], model: str) -> str:
    """``model``'s share of a catch-up: the history caught up into two fresh read-model
    stores (``target(label)`` gives each one's URL), without ``model`` first, then with it."""
    without, without_cpu = caught_up(tracker, target("without"), model)
    full, full_cpu = caught_up(tracker, target("all"), None)
    return (f"{'':10} {model}: all {len(READ_MODELS)} read models {full:>9,.0f} ev/s "
            f"({full_cpu:.1f} µs CPU/ev), without it {without:>9,.0f} ev/s "
            f"({without_cpu:.1f} µs CPU/ev): it costs {full_cpu - without_cpu:+.1f} µs CPU/ev "
            f"({1e6 / full - 1e6 / without:+.1f} µs wall/ev)")


def measure(name: str, url: str, connect: Callable[[], Any], placeholder: str,
            orders: int, baseline_events: int, target: Callable[[str], str],
            floor: Path | None = None) -> None:
    tracker = open_tracker(url)
    try:
        started = time.perf_counter()
        events = write_history(tracker, orders)
        written = time.perf_counter() - started
        runner = ProjectionRunner(tracker, url)
        started = time.perf_counter()
        applied = runner.catch_up()
        ours = applied / (time.perf_counter() - started)
        assert applied == events, (applied, events)
        started = time.perf_counter()
        runner.rebuild()
        rebuild = time.perf_counter() - started
        runner.close()
        stock = baseline(tracker, connect, placeholder, baseline_events)
        cost = model_cost(tracker, target, "vendor_health")
    finally:
        tracker.close()
    print(f"{name:10} {events:>7} events (written in {written:.1f} s) | "
          f"ours {ours:>9,.0f} ev/s | stock {stock:>8,.0f} ev/s "
          f"(first {min(baseline_events, events)}) | ratio {ours / stock:5.1f}x | "
          f"rebuild {rebuild:.2f} s ({events / rebuild:,.0f} ev/s)")
    print(cost)
    if floor is not None:
        bare = sql_floor(floor)
        print(f"{'':10} SQL floor: the bare driver writing the same rows {bare:>9,.0f} ev/s "
              f"(ours is {ours / bare:.2f} of it)")


def on_sqlite(orders: int, baseline_events: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        measure("sqlite", f"sqlite:///{path}", lambda: sqlite3.connect(path), "?",
                orders, baseline_events, lambda label: f"sqlite:///{Path(folder) / label}.db",
                floor=path)


def on_postgres(orders: int, baseline_events: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{POSTGRES_DSN}?schema={schema}"
    store = StoreURL.parse(url)

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(host=store.host, port=store.port, dbname=store.dbname,
                               user=store.user or "postgres", options=f"-csearch_path={schema}")

    schemas = [schema]

    def target(label: str) -> str:
        schemas.append(f"{schema}_{label}")
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
            admin.execute(f'CREATE SCHEMA "{schemas[-1]}"')
        return f"{POSTGRES_DSN}?schema={schemas[-1]}"

    try:
        measure("postgresql", url, connect, "%s", orders, baseline_events, target)
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
            for name in schemas:
                admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000, help="5 events each")
    parser.add_argument("--baseline-events", type=int, default=3000)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"catch-up of {' + '.join(m.name for m in READ_MODELS)}; "
          "targets >= 100k ev/s SQLite, >= 50k ev/s PostgreSQL, >= 10x stock")
    for store in args.stores.split(","):
        {"sqlite": on_sqlite, "postgres": on_postgres}[store.strip()](
            args.orders, args.baseline_events)


if __name__ == "__main__":
    main()
