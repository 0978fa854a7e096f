"""How long ``ordertrail --help`` takes, and what it imports (issue 17: under 0.3 s).

    .venv/bin/python bench/cli_start.py [--runs 10]

Each run is a fresh process, as a person typing the command starts one. The baseline is the
same ``--help`` with every command's module imported first, as the entry point did before
the commands were imported lazily. Reports the median wall and CPU (user + system) seconds
of each, their ratio, and the heavy libraries the lazy entry point imported (none). CPU time
is the figure to compare on a busy machine; wall time is what a person waits.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HEAVY = ["aiohttp", "sqlalchemy", "eventsourcing", "rich", "psycopg", "msgspec", "alembic"]
LAZY = "from ordertrail.adapters.cli.main import run; run(['--help'])"
EAGER = ("import click; from ordertrail.adapters.cli.main import COMMANDS, cli, run\n"
         "with click.Context(cli) as ctx:\n"
         "    [cli.get_command(ctx, name) for name in COMMANDS]\n"
         "run(['--help'])")


def one_run(code: str) -> tuple[float, float]:
    before = os.times()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return wall, cpu


def median_of(code: str, runs: int) -> tuple[float, float]:
    results = [one_run(code) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def imported_heavy() -> list[str]:
    code = f"import sys; {LAZY}; print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    line = done.stdout.strip().splitlines()[-1].removeprefix("HEAVY:")
    return [m for m in line.split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh processes per variant")
    runs = parser.parse_args().runs
    wall, cpu = median_of(LAZY, runs)
    eager_wall, eager_cpu = median_of(EAGER, runs)
    print(f"ordertrail --help, median of {runs} runs: {wall:.3f} s wall, {cpu:.3f} s CPU; "
          f"every command imported first (before): {eager_wall:.3f} s wall, {eager_cpu:.3f} s "
          f"CPU; ratio {eager_cpu / cpu:.1f}x CPU. Heavy libraries imported: "
          f"{', '.join(imported_heavy()) or 'none'}")


if __name__ == "__main__":
    main()
