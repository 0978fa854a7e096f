"""How cost grows with the work: sync passes at 1,000 / 10,000 / 100,000 open orders, projections
at 1, 3 and 10 million events, and loading one order of 10,000 events.

Sync, per store and size: the orders are created at both polled simulators (a child process)
and recorded as PLACED by one process; a fresh process then opens the store, notes its
resident memory (the empty process), runs ``--rounds`` rounds of one sync pass (ours) and one
bare aiohttp loop sending the same requests at the same concurrency, and reports the pass time,
the time per order, the ratio of request rates ours/bare, the peak resident memory and that
peak above the empty process per open order (the bare loop runs in a process of its own after
each pass; its peak above its own empty process is printed beside ours).

Projections, per store and size: a history of five events an order is written, then the
catch-up rate of ``ProjectionRunner.catch_up`` (wall clock, and CPU of its process), the
database's own floor for the same work (``floor_child``), the time of ``projections rebuild``
and of ``projections verify``, with the peak memory of catch-up and verify (each phase runs in
a process of its own). A catch-up slower at ten million events than at one is ours to fix
only as far as the floor stays flat.

    python bench/scale.py [--quick] [--stores sqlite,postgres] [--sizes 1000,10000,100000]
                          [--events 1000000,3000000,10000000] [--rounds 3] [--skip sync|events]

``--quick`` (under five minutes): 1,000 and 10,000 orders, 50,000 and 150,000 events.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
PG = os.environ.get("ORDERTRAIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PASS_ONLY = "SCALE_PASS_ONLY"
"""Set to 1: the pass child runs our passes without the bare loop (for a profiler)."""


def rss_kib() -> int:
    """This process's resident memory now, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@contextmanager
def store(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'scale.db'}"
        return
    import psycopg

    schema = f"scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG}?schema={schema}"
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def child(*args: str) -> dict[str, Any]:
    """Run this script as a child with ``args``; its last output line, as JSON."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class Seeded(NamedTuple):
    """What ``seeded`` made: the simulators (their addresses and credentials as JSON, their
    process), the store, the seeded orders' vendor references, and a folder for the run."""

    sims_json: str
    url: str
    refs: Path
    """``{"jobs": [...], "ivcap": [...]}``: the bare loop's requests."""
    folder: Path
    simulators_pid: int


@contextmanager
def seeded(kind: str, orders: int) -> Iterator[Seeded]:
    """The polled simulators in a child process and a fresh store of ``kind`` holding
    ``orders`` open orders, placed at the simulators by a child process; all gone afterwards."""
    server = subprocess.Popen([sys.executable, str(HERE / "simulators_server.py")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    try:
        sims = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
            refs = Path(tmp) / "refs.json"
            child("--seed-child", url, sims, str(orders), str(refs))
            yield Seeded(sims, url, refs, Path(tmp), server.pid)
    finally:
        server.stdin.close()
        server.wait(30)


# ---------------------------------------------------------------- sync at size
def sync_at(kind: str, orders: int, rounds: int) -> dict[str, Any]:
    with seeded(kind, orders) as run:
        return child("--pass-child", run.url, run.sims_json, str(run.refs), str(rounds),
                     str(run.folder))


async def seed_child(url: str, sims_json: str, orders: int, refs: Path) -> None:
    from sync_throughput import seed  # the sync benchmark's seeding: same orders, same plans

    from ordertrail.adapters.store import open_tracker

    tracker = open_tracker(url)
    try:
        jobs, iv_ids = await seed(json.loads(sims_json), tracker, orders)
    finally:
        tracker.close()
    refs.write_text(json.dumps({"jobs": jobs, "ivcap": iv_ids}))
    print(json.dumps({"seeded": orders}))


async def pass_child(url: str, sims_json: str, refs: Path, rounds: int, tmp: str) -> None:
    """Our passes, each followed by the bare loop in a process of its own (its tasks would
    otherwise count in our peak memory), which then also writes what the pass wrote."""
    from sync_throughput import ours

    from ordertrail.adapters.common.runtime import tune_garbage_collector
    from ordertrail.adapters.store import open_tracker

    tune_garbage_collector()  # as the ordertrail command does
    sims = json.loads(sims_json)
    tracker = open_tracker(url)
    writes = [0, 0]  # transactions and events our store wrote during the pass
    insert = tracker.recorder.insert_events

    def counted(events: Any, **kwargs: Any) -> Any:
        writes[0] += 1
        writes[1] += len(events)
        return insert(events, **kwargs)

    tracker.recorder.insert_events = counted  # type: ignore[method-assign,assignment]
    empty = rss_kib()
    passes, ratios, floors, bare_peaks, db_writes = [], [], [], [], []
    for _ in range(rounds):
        writes[:] = [0, 0]
        our_requests, _recorded, seconds = await ours(sims, tracker, Path(tmp))
        passes.append(seconds)
        if os.environ.get(PASS_ONLY) == "1":
            ratios.append(float("nan"))
            continue
        bare = child("--bare-child", sims_json, str(refs), url, str(writes[0]), str(writes[1]),
                     tmp)
        ours_rate = our_requests / seconds
        ratios.append(ours_rate / (bare["requests"] / bare["seconds"]))
        floors.append(ours_rate / (bare["requests"] / (bare["seconds"] + bare["write_s"])))
        bare_peaks.append(bare["peak_above_kib"])
        db_writes.append((bare["write_s"], writes[1]))
    tracker.close()
    print(json.dumps({"passes": passes, "ratios": ratios, "floor_ratios": floors,
                      "db_writes": db_writes,
                      "empty_kib": empty, "peak_kib": peak_kib(),
                      "bare_peak_above_kib": max(bare_peaks, default=0)}))


async def bare_child(sims_json: str, refs: Path, url: str, transactions: int, events: int,
                     tmp: str) -> None:
    """The bare loop; then the floor of what our pass wrote: the ``events`` last stored
    events of our store (read untimed) inserted again by the bare driver into a copy of the
    store's events table, in ``transactions`` transactions (``bare_writes``)."""
    from sync_throughput import bare

    from ordertrail.adapters.common.runtime import tune_garbage_collector

    tune_garbage_collector()
    known = json.loads(refs.read_text())
    empty = rss_kib()
    requests, seconds = await bare(json.loads(sims_json), known["jobs"], known["ivcap"])
    peak = peak_kib() - empty
    print(json.dumps({"requests": requests, "seconds": seconds, "peak_above_kib": peak,
                      "write_s": bare_writes(url, transactions, events, Path(tmp))}))


def bare_writes(url: str, transactions: int, events: int, tmp: Path) -> float:
    """Seconds the bare driver takes to insert our pass's last ``events`` stored events again,
    in ``transactions`` transactions, into a copy of the store's own events table (made
    untimed: the same rows, indexes and settings, so the database pays what a table of that
    size costs it; an empty table would hide that). Each row goes in under its order's id at
    a version far above any real one, so its key lands where our pass's did."""
    from ordertrail.adapters.store import open_tracker
    from ordertrail.projections.source import select_for

    if not events:
        return 0.0
    tracker = open_tracker(url)
    table = tracker.recorder.events_table_name
    last = int(tracker.recorder.max_notification_id() or 0)
    rows = [(r[1], r[2] + FAR_VERSION, r[3], r[4])
            for r in select_for(tracker.recorder)(last - events, events)]
    tracker.close()
    per = -(-len(rows) // max(1, transactions))
    batches = [rows[i:i + per] for i in range(0, len(rows), per)]
    if url.startswith("sqlite"):
        return _sqlite_writes(url.removeprefix("sqlite:///"), table, batches, tmp)
    return _postgres_writes(url, table, batches)


FAR_VERSION = 10**9
"""Added to the version of each row the floor inserts again (no order has that many events)."""


def _sqlite_writes(store_file: str, table: str, batches: list[list[Any]], tmp: Path) -> float:
    import sqlite3

    target = tmp / f"floor-{uuid.uuid4().hex[:6]}.db"
    source = sqlite3.connect(store_file)
    copy = sqlite3.connect(target, isolation_level=None)
    source.backup(copy)
    source.close()
    os.sync()  # the copy's pages on disk before the clock starts (and out of the next pass's way)
    copy.execute("PRAGMA journal_mode=WAL")  # as the store's connections (other settings: defaults)
    insert = f"INSERT INTO {table} VALUES (?, ?, ?, ?)"
    started = time.perf_counter()
    for batch in batches:
        copy.execute("BEGIN")
        copy.executemany(insert, batch)
        copy.execute("COMMIT")
    seconds = time.perf_counter() - started
    copy.close()
    for leftover in (target, target.with_name(target.name + "-wal"),
                     target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return seconds


def _postgres_writes(url: str, table: str, batches: list[list[Any]]) -> float:
    import psycopg

    store_schema = url.rsplit("schema=", 1)[1]
    schema = f"floor_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'CREATE TABLE "{schema}"."{table}" (LIKE "{store_schema}"."{table}" '
                     "INCLUDING ALL)")
        conn.execute(f'INSERT INTO "{schema}"."{table}" SELECT * FROM "{store_schema}"."{table}"')
        conn.commit()
        conn.execute(f'SET search_path TO "{schema}"')
        started = time.perf_counter()
        for batch in batches:
            with conn.cursor() as cursor:
                cursor.executemany(f'INSERT INTO "{table}" (originator_id, originator_version, '
                                   "topic, state) VALUES (%s, %s, %s, %s)", batch)
            conn.commit()
        seconds = time.perf_counter() - started
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.commit()
    return seconds


# ---------------------------------------------------------------- projections at size
def events_at(kind: str, events: int) -> dict[str, Any]:
    """Each phase in its own process; a line as each ends (10 million events take a while)."""
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
        for phase, args in (("write", (str(events // 5),)), ("catch-up", ()),
                            ("floor", (str(Path(tmp) / "floor.db"),)), ("rebuild", ()),
                            ("verify", ())):
            found.update(child(f"--{phase}-child", url, *args))
            print(f"  ({kind} {events:,} events, {phase} done: "
                  f"{json.dumps({k: round(v, 1) for k, v in found.items()})})", flush=True)
        return found


def write_child(url: str, orders: int) -> None:
    from histories import write_history  # the projection benchmark's history

    from ordertrail.adapters.store import open_tracker

    tracker = open_tracker(url, fast=False)
    started = time.perf_counter()
    write_history(tracker, orders)
    tracker.close()
    print(json.dumps({"events": orders * 5, "write_s": time.perf_counter() - started}))


def catch_up_child(url: str) -> None:
    from ordertrail.adapters.store import open_tracker
    from ordertrail.projections import ProjectionRunner

    tracker = open_tracker(url)
    runner = ProjectionRunner(tracker, url)
    empty = rss_kib()
    cpu, started = time.process_time(), time.perf_counter()
    applied = runner.catch_up()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    runner.close()
    tracker.close()
    print(json.dumps({"catch_up_ev_s": applied / seconds, "catch_up_cpu_us": cpu / applied * 1e6,
                      "catch_up_peak_above_kib": peak_kib() - empty}))


def floor_child(url: str, sqlite_target: str) -> None:
    """The database's own share of a catch-up: the store's raw notification query and the
    writes of the very rows ours wrote (read back, untimed, from the caught-up read models)
    into empty copies of the tables, through the same ``Bulk`` statements, in the same
    batches of ``DEFAULT_BATCH_SIZE`` notifications, one transaction each with the tracking
    row; each order's status row upserted in a batch in proportion. No fold, no decoding:
    what is left is the driver and the database."""
    import sqlalchemy as sa

    from ordertrail.adapters.store import open_tracker
    from ordertrail.adapters.store.engines import engine_for
    from ordertrail.projections.bulk import Bulk
    from ordertrail.projections.models import Base
    from ordertrail.projections.runner import DEFAULT_BATCH_SIZE
    from ordertrail.projections.source import select_for

    tracker = open_tracker(url)
    select = select_for(tracker.recorder)
    source = engine_for(url)
    postgres = source.dialect.name == "postgresql"
    schema = f"floor_{uuid.uuid4().hex[:10]}"
    if postgres:
        with source.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        target_url = f"{url.split('?')[0]}?schema={schema}"
    else:
        target_url = f"sqlite:///{sqlite_target}"
    target = engine_for(target_url)
    tables = Base.metadata.tables
    Base.metadata.create_all(target)
    bulk = Bulk(target.dialect.name)
    audit, status = tables["audit_log"], tables["order_status"]

    def every_row(name: str, tail: str = "") -> str:
        """The driver's values (as Bulk sends them) in the model's column order: migrations
        that added a column may have stored the columns in another order."""
        columns = ", ".join(f'"{c.name}"' for c in tables[name].columns)
        return f'SELECT {columns} FROM "{name}"{tail}'

    with source.connect() as conn:
        orders = conn.execute(sa.select(sa.func.count()).select_from(status)).scalar_one()
        events = conn.execute(sa.select(sa.func.count()).select_from(audit)).scalar_one()
        rest = {name: conn.exec_driver_sql(every_row(name)).all() for name in tables
                if name not in ("audit_log", "order_status", "projection_tracking")}
    track = tables["projection_tracking"]
    with target.begin() as conn:
        conn.execute(track.insert().values(name="floor", position=0))
    reader = source.connect().execution_options(stream_results=True, yield_per=DEFAULT_BATCH_SIZE)
    audit_rows = reader.exec_driver_sql(every_row("audit_log", " ORDER BY position")).partitions(
        DEFAULT_BATCH_SIZE)
    status_reader = source.connect().execution_options(stream_results=True, yield_per=1000)
    status_rows = status_reader.exec_driver_sql(every_row("order_status")).partitions(1000)
    per_event = orders / max(events, 1)
    timed, after, written, owed = 0.0, 0, 0, 0.0
    pending: list[Any] = []
    while True:
        started = time.perf_counter()
        raw = select(after, DEFAULT_BATCH_SIZE)
        timed += time.perf_counter() - started
        if not raw:
            break
        after = raw[-1][0]
        rows = [tuple(r) for r in next(audit_rows, [])]  # untimed: the rows ours wrote
        owed += len(rows) * per_event
        while len(pending) < int(owed) and (more := next(status_rows, None)):
            pending += [tuple(r) for r in more]
        share, pending, owed = pending[:int(owed)], pending[int(owed):], owed - int(owed)
        started = time.perf_counter()
        with target.begin() as conn:
            conn.execute(track.update().values(position=after))
            bulk.upsert(conn, status, share)
            bulk.insert(conn, audit, rows)
        timed += time.perf_counter() - started
        written += len(rows)
    started = time.perf_counter()
    with target.begin() as conn:
        bulk.upsert(conn, status, pending + [tuple(r) for part in status_rows for r in part])
        for name, found in rest.items():
            bulk.insert(conn, tables[name], [tuple(r) for r in found])
    timed += time.perf_counter() - started
    reader.close()
    status_reader.close()
    target.dispose()
    if postgres:
        with source.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    source.dispose()
    tracker.close()
    print(json.dumps({"floor_ev_s": written / timed}))


def rebuild_child(url: str) -> None:
    from ordertrail.adapters.store import open_tracker
    from ordertrail.projections import ProjectionRunner

    tracker = open_tracker(url)
    runner = ProjectionRunner(tracker, url)
    started = time.perf_counter()
    runner.rebuild()
    print(json.dumps({"rebuild_s": time.perf_counter() - started}))
    runner.close()
    tracker.close()


def verify_child(url: str) -> None:
    from ordertrail.adapters.store import open_tracker
    from ordertrail.projections import open_read_models
    from ordertrail.projections.replay import verify

    tracker = open_tracker(url)
    models = open_read_models(url)
    empty = rss_kib()
    started = time.perf_counter()
    mismatches = verify(tracker, models)
    seconds = time.perf_counter() - started
    assert not mismatches, mismatches[:3]
    print(json.dumps({"verify_s": seconds, "verify_peak_above_kib": peak_kib() - empty}))


# ---------------------------------------------------------------- one long order
def long_order(kind: str, events: int = 10_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, store(kind, Path(tmp)) as url:
        return child("--long-order-child", url, str(events))


def long_order_child(url: str, events: int) -> None:
    from ordertrail.adapters.store import open_tracker
    from ordertrail.domain import commands as c

    tracker = open_tracker(url)
    oid = tracker.request_order("planviewer", {"intention_uuid": "long"}, "long")
    tracker.run(c.Place(order_id=oid, vendor_ref="job-long", vendor_ref_kind="planviewer.job_uuid"))
    for start in range(2, events, 500):
        tracker.execute([c.ReportProgress(order_id=oid, current=n, total=events)
                         for n in range(start, min(events, start + 500))])
    tracker.close()
    found: dict[str, float] = {}
    for fast, label in ((True, "snapshots"), (False, "plain")):
        fresh = open_tracker(url, fast=fast)
        started = time.perf_counter()
        view = fresh.get_order(oid)
        found[f"load_ms_{label}"] = (time.perf_counter() - started) * 1000
        assert view.version >= events - 1
        fresh.close()
    no_snapshots = open_tracker(url, snapshot_interval=0)
    no_snapshots.repository.snapshot_store = None
    started = time.perf_counter()
    no_snapshots.get_order(oid)
    found["load_ms_all_events"] = (time.perf_counter() - started) * 1000
    no_snapshots.close()
    print(json.dumps(found))


# ---------------------------------------------------------------- the report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--events", default="1000000,3000000,10000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip", choices=["sync", "events", "long"], action="append", default=[])
    args = parser.parse_args()
    sizes = [1000, 10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    events = [50_000, 150_000] if args.quick else [int(s) for s in args.events.split(",")]
    rounds = 2 if args.quick else args.rounds
    stores = [s.strip() for s in args.stores.split(",")]
    if "sync" not in args.skip:
        print("sync: one pass over every open order, ours vs a bare loop (same requests)")
        print("(pass s, us/order: the median pass; ratio: the median ratio of request rates; "
              "to floor: ours against the bare loop followed by the bare driver inserting the "
              "events our pass wrote in as many transactions, into a copy of the store's table; "
              "DB us/event: that insert's time per event; less DB: the median pass less that "
              "insert's time, per order; KiB/order: peak RSS above the empty process per open "
              "order, ours and the bare loop's own)")
        print(f"{'store':10} {'orders':>8} {'pass s':>8} {'us/order':>9} {'ratio':>6} "
              f"{'to floor':>9} {'DB us/event':>12} {'less DB':>8} {'peak MiB':>9} "
              f"{'KiB/order':>10} {'bare KiB/order':>15}  passes s, ratios")
        for kind in stores:
            for size in sizes:
                r = sync_at(kind, size, rounds)
                best = statistics.median(r["passes"])
                ratio = statistics.median(r["ratios"])
                floor = statistics.median(r["floor_ratios"]) if r["floor_ratios"] else 0.0
                per = (r["peak_kib"] - r["empty_kib"]) / size
                writes = r["db_writes"] or [(0.0, 1)]
                db_us = statistics.median(w / max(1, n) for w, n in writes) * 1e6
                less_db = statistics.median(p - w for p, (w, _) in zip(r["passes"], writes,
                                                                               strict=False))
                print(f"{kind:10} {size:>8,} {best:>8.2f} {best / size * 1e6:>9.1f} {ratio:>6.2f} "
                      f"{floor:>9.2f} {db_us:>12.1f} {less_db / size * 1e6:>8.1f} "
                      f"{r['peak_kib'] / 1024:>9.0f} {per:>10.2f} "
                      f"{r['bare_peak_above_kib'] / size:>15.2f}  "
                      f"{'/'.join(f'{p:.2f}' for p in r['passes'])}, "
                      f"{'/'.join(f'{q:.2f}' for q in r['ratios'])}", flush=True)
    if "events" not in args.skip:
        print("projections: catch-up, rebuild and verify of a history of five events an order")
        print("(floor: the database's own share, the raw event read and the same rows written "
              "by the same statements; 'of first': the rate at this size over the rate at the "
              "store's first size, for ours and for the floor; CPU: this process's µs per event)")
        print(f"{'store':10} {'events':>11} {'catch-up ev/s':>14} {'of first':>9} "
              f"{'floor ev/s':>11} {'of first':>9} {'ours/floor':>11} {'CPU us/ev':>10} "
              f"{'peak MiB':>9} {'rebuild s':>10} {'verify s':>9} {'verify peak MiB':>16}")
        for kind in stores:
            first: dict[str, Any] = {}
            for size in events:
                r = events_at(kind, size)
                first = first or r
                print(f"{kind:10} {size:>11,} {r['catch_up_ev_s']:>14,.0f} "
                      f"{r['catch_up_ev_s'] / first['catch_up_ev_s']:>9.2f} "
                      f"{r['floor_ev_s']:>11,.0f} {r['floor_ev_s'] / first['floor_ev_s']:>9.2f} "
                      f"{r['catch_up_ev_s'] / r['floor_ev_s']:>11.2f} "
                      f"{r['catch_up_cpu_us']:>10.1f} "
                      f"{r['catch_up_peak_above_kib'] / 1024:>9.0f} {r['rebuild_s']:>10.1f} "
                      f"{r['verify_s']:>9.1f} {r['verify_peak_above_kib'] / 1024:>16.0f}",
                      flush=True)
    if "long" not in args.skip:
        print("one order of 10,000 events, loaded by a fresh process")
        for kind in stores:
            r = long_order(kind)
            print(f"{kind:10} with snapshots {r['load_ms_snapshots']:.1f} ms (plain tracker "
                  f"{r['load_ms_plain']:.1f} ms), every event replayed "
                  f"{r['load_ms_all_events']:.1f} ms", flush=True)


if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    rest = sys.argv[2:]
    if role == "--seed-child":
        asyncio.run(seed_child(rest[0], rest[1], int(rest[2]), Path(rest[3])))
    elif role == "--bare-child":
        asyncio.run(bare_child(rest[0], Path(rest[1]), rest[2], int(rest[3]), int(rest[4]),
                               rest[5]))
    elif role == "--pass-child":
        asyncio.run(pass_child(rest[0], rest[1], Path(rest[2]), int(rest[3]), rest[4]))
    elif role == "--write-child":
        write_child(rest[0], int(rest[1]))
    elif role == "--catch-up-child":
        catch_up_child(rest[0])
    elif role == "--floor-child":
        floor_child(rest[0], rest[1])
    elif role == "--rebuild-child":
        rebuild_child(rest[0])
    elif role == "--verify-child":
        verify_child(rest[0])
    elif role == "--long-order-child":
        long_order_child(rest[0], int(rest[1]))
    else:
        main()
