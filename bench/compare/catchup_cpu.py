"""CPU per event of one projection catch-up, on whichever checkout's venv runs it.

For comparing commits on a shared machine, where wall-clock ratios swing with the load: run
it with each checkout's own venv in turn, alternating, and compare the medians. It writes the
benchmarks' history (orders of five events, as ``bench/histories.py``) into a fresh SQLite
file or PostgreSQL schema, then times ``ProjectionRunner.catch_up`` with
``time.process_time`` (this process's CPU, not the database server's) and prints one JSON
line. It imports the package as the checkout names it: ``ordertrail.*`` since issue 19, the
bare ``domain``/``adapters``/``projections`` before (395ac29).

    for py in ../wt-old/.venv/bin/python .venv/bin/python; do  # ../wt-old: a worktree of 395ac29
        $py bench/compare/catchup_cpu.py --store sqlite; done
    .venv/bin/python bench/compare/catchup_cpu.py --without vendor_health
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg


def _module(name: str) -> Any:
    """``ordertrail.<name>``, or on a checkout from before the one-package move (which has no
    ``ordertrail``) the bare ``<name>``: one name per process either way, never both."""
    try:
        return importlib.import_module(f"ordertrail.{name}")
    except ModuleNotFoundError as missing:
        if missing.name not in ("ordertrail", f"ordertrail.{name.split('.')[0]}"):
            raise
        return importlib.import_module(name)


open_tracker = _module("adapters.store").open_tracker
Order = _module("domain.order").Order
State = _module("domain.state_machine").State
ProjectionRunner = _module("projections").ProjectionRunner

DSN = os.environ.get("ORDERTRAIL_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def write_history(tracker: Any, orders: int) -> int:
    chunk = []
    for n in range(orders):
        order = Order.request(uuid.uuid4(), "planviewer", f"bench-{n}", {"n": n}, "bench")
        order.place(f"job-{n}", "planviewer.job_uuid")
        order.change_status("in_progress", State.IN_PROGRESS)
        order.report_progress(2, 6)
        order.announce_result(f"r-{n}")
        chunk.append(order)
        if len(chunk) == 200:
            tracker.save(*chunk)
            chunk.clear()
    if chunk:
        tracker.save(*chunk)
    return orders * 5


def run(url: str, orders: int, without: list[str]) -> dict[str, float]:
    tracker = open_tracker(url)
    try:
        events = write_history(tracker, orders)
        options: dict[str, Any] = {}
        if without:  # only checkouts with ProjectionRunner(read_models=...)
            models = _module("projections.registry").READ_MODELS
            options["read_models"] = [m for m in models if m.name not in without]
        runner = ProjectionRunner(tracker, url, **options)
        cpu, wall = time.process_time(), time.perf_counter()
        applied = runner.catch_up()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert applied == events, (applied, events)
        runner.close()
    finally:
        tracker.close()
    return {"events": events, "cpu_us": cpu / events * 1e6, "wall_us": wall / events * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--orders", type=int, default=10_000, help="5 events each")
    parser.add_argument("--without", default="", help="read models to leave out, by name")
    args = parser.parse_args()
    without = [name for name in args.without.split(",") if name]
    if args.store == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            found = run(f"sqlite:///{Path(folder) / 'history.db'}", args.orders, without)
    else:
        schema = f"cpu_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(DSN, autocommit=True) as admin:
            admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            found = run(f"{DSN}?schema={schema}", args.orders, without)
        finally:
            with psycopg.connect(DSN, autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
    print(json.dumps(found))


if __name__ == "__main__":
    main()
