"""How long ``ordertrail --help`` takes, and what it imports (issue 17: under 0.3 s).

    .venv/bin/python bench/cli_start.py [runs]

Each run is a fresh process, as a person typing the command starts one. Reports the median
wall and CPU (user + system) seconds of the runs, and the heavy libraries the entry point
imported (none: each command's modules are imported when that command runs). CPU time is the
figure to compare on a busy machine; wall time is what a person waits.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

HEAVY = ["aiohttp", "sqlalchemy", "eventsourcing", "rich", "psycopg", "msgspec", "alembic"]


def one_run() -> tuple[float, float]:
    before = os.times()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ordertrail.adapters.cli", "--help"], check=True,
                   capture_output=True)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return wall, cpu


def imported_heavy() -> list[str]:
    code = ("import sys; from ordertrail.adapters.cli.main import run; run(['--help']); "
            f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    line = done.stdout.strip().splitlines()[-1].removeprefix("HEAVY:")
    return [m for m in line.split(",") if m]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    results = [one_run() for _ in range(runs)]
    wall = statistics.median(r[0] for r in results)
    cpu = statistics.median(r[1] for r in results)
    print(f"ordertrail --help: median of {runs} runs: {wall:.3f} s wall, {cpu:.3f} s CPU; "
          f"heavy libraries imported: {', '.join(imported_heavy()) or 'none'}")


if __name__ == "__main__":
    main()
