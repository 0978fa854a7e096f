"""Every benchmark script still runs: each at its smallest size, as a child process, against
the real stores. A benchmark that rots (an API it calls renamed, say) fails here instead of on
the day someone measures with it. Figures are printed, never asserted: only that each run
ends well and prints its ratio."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

SMALLEST = {
    "ledger.py": ["--orders", "50", "--stores", "sqlite,postgres"],
    "sync_throughput.py": ["--orders", "100", "--rounds", "1", "--store", "sqlite"],
    "ppw_receiver.py": ["--quick", "--rounds", "1"],
    "projections.py": ["--orders", "100", "--baseline-events", "50"],
    "scale.py": ["--stores", "sqlite", "--sizes", "200", "--events", "2000", "--rounds", "1"],
    "scale_split.py": ["--orders", "200", "--passes", "1"],
    "cli_start.py": ["--runs", "1"],
    "packed_orders.py": ["--orders", "50", "--repeat", "1"],
    "gil_sharing.py": ["--orders", "100", "--rounds", "1"],
    "quiet_pass.py": ["--sizes", "200", "--rounds", "1", "--store", "postgres"],
    "request_layers.py": ["--orders", "100", "--rounds", "1"],
}


NOT_RUN = {
    "histories.py": "a helper the others share",
    "simulators_server.py": "a helper the others share",
    "scale_profile.py": "samples a pass with py-spy, which is not a dependency and needs ptrace",
}


def test_every_benchmark_script_is_listed_here() -> None:
    scripts = {p.name for p in BENCH.glob("*.py")} - set(NOT_RUN)
    assert scripts == set(SMALLEST), "give each benchmark its smallest arguments in SMALLEST"


@pytest.mark.parametrize("script", sorted(SMALLEST))
def test_each_benchmark_runs_at_its_smallest_size(script: str, postgres_dsn: str) -> None:
    env = {**os.environ, "ORDERTRAIL_BENCH_POSTGRES": postgres_dsn,
           "ORDERTRAIL_TEST_POSTGRES": postgres_dsn}
    done = subprocess.run([sys.executable, str(BENCH / script), *SMALLEST[script]], cwd=BENCH,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "ratio" in done.stdout.lower(), done.stdout[-2000:]
