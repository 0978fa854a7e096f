"""Where a sync pass's time goes: one pass at each size under py-spy, summarised.

For each size, the orders are seeded as ``bench/scale.py`` seeds them, then a fresh process
runs one pass (no bare loop) under ``py-spy record`` (all threads: the store work runs in
worker threads); the samples of imports and of opening the store, and those of a thread
waiting (a worker for work, the event loop on its sockets), do not count. Printed per size:
the functions with the most samples, by their own samples (self) and with what they call
(total), as a share of the pass's samples, and the share of a few stages.

    python bench/scale_profile.py [--sizes 10000,100000] [--store sqlite|postgres] [--out DIR]

py-spy is not a dependency: ``pip install py-spy`` into the venv first.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale import PASS_ONLY, seeded  # noqa: E402  (the scale benchmark's seeding and stores)

STAGES = {
    "list open orders (store)": ("open_order_chunks", "open_orders"),
    "record commands (store)": ("execute",),
    "vendor calls: the adapters (requests, decoding, translation)": ("_guarded",),
}
"""A stage: a sample whose stack holds one of these functions counts toward it (first match)."""


def in_pass(frames: list[str]) -> bool:
    """A sample of the pass (the child runs no bare loop): anything but importing and opening
    the store before it."""
    return not any(bare(f) in SETUP for f in frames)


SETUP = {"_find_and_load", "open_tracker", "close"}


def function(frame: str) -> str:
    """``Class.method (path/file.py:line)`` -> ``Class.method file.py``."""
    name, _, where = frame.partition(" (")
    return f"{name} {where.split(':')[0].split('/')[-1]}" if where else name


def bare(frame: str) -> str:
    """``Class.method file:line`` -> ``method``."""
    return frame.split(" ")[0].rsplit(".", 1)[-1]


def summarise(raw: Path, top: int) -> dict[str, object]:
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    stages: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [function(f) for f in stack.split(";")[1:]]
        if not frames or not in_pass(frames):
            continue
        n = int(count)
        if bare(frames[-1]) in IDLE:
            continue
        samples += n
        own[frames[-1]] += n
        for name in set(frames):
            total[name] += n
        for stage, names in STAGES.items():
            if any(bare(f) in names for f in frames):
                stages[stage] += n
                break
        else:
            stages["other: the event loop (aiohttp, sockets), the engine"] += n
    share = {k: round(100 * v / max(samples, 1), 1) for k, v in stages.items()}
    return {"samples": samples, "stages": share,
            "self": [(k, round(100 * v / samples, 1)) for k, v in own.most_common(top)],
            "total": [(k, round(100 * v / samples, 1)) for k, v in total.most_common(top * 3)
                      if bare(k) not in PLUMBING][:top]}


IDLE = {"_worker", "wait", "select", "get"}
"""A sample whose innermost frame is one of these waits (a worker thread for work, the event
loop for sockets): not counted."""
PLUMBING = {"run", "_run", "_worker", "run_once", "<module>", "_bootstrap", "_bootstrap_inner",
            "run_forever", "_run_once", "run_until_complete", "pass_child", "ours"}
"""Frames every sample of the pass has: left out of the ``total`` list."""


def profile(kind: str, size: int, out: Path, top: int) -> dict[str, object]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with seeded(kind, size) as run:
        raw = out / f"pass-{kind}-{size}.txt"
        done = subprocess.run(
            [spy, "record", "--format", "raw", "--rate", "100", "--threads", "-o", str(raw),
             "--", sys.executable, str(HERE / "scale.py"), "--pass-child", run.url,
             run.sims_json, str(run.refs), "1", str(run.folder)], capture_output=True,
            text=True, check=False, env={**os.environ, PASS_ONLY: "1"})
        if done.returncode != 0:
            raise SystemExit(f"py-spy failed: {done.stderr.strip()[-2000:]}")
        result = json.loads(next(line for line in reversed(done.stdout.splitlines())
                                 if line.startswith("{")))
    return {"pass_s": result["passes"][0], **summarise(raw, top)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--store", default="sqlite")
    parser.add_argument("--out", default=tempfile.gettempdir())
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--again", action="store_true",
                        help="summarise the raw profiles already in --out")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        if args.again:
            raw = Path(args.out) / f"pass-{args.store}-{size}.txt"
            r = {"pass_s": float("nan"), **summarise(raw, args.top)}
        else:
            r = profile(args.store, size, Path(args.out), args.top)
        print(f"\n{args.store} {size:,} open orders: pass {r['pass_s']:.1f} s, "
              f"{r['samples']} samples in the pass")
        print("  stages: " + ", ".join(f"{k} {v}%" for k, v in
                                        sorted(r["stages"].items(), key=lambda kv: -kv[1])))  # type: ignore[attr-defined]
        print("  self:   " + "; ".join(f"{k} {v}%" for k, v in r["self"]))  # type: ignore[attr-defined]
        print("  total:  " + "; ".join(f"{k} {v}%" for k, v in r["total"]), flush=True)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
