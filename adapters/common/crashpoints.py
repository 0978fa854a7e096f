"""Named points where a crash test may kill this process (inert unless asked).

With ``ORDERTRAIL_CRASH_AT="<name>:<n>"`` in the environment, the n-th time the
process reaches point ``<name>`` it SIGKILLs itself, as a power cut would. The
crash tests use this to stop ``ordertrail sync`` exactly between a vendor's
answer and its record, mid-download, and so on, and ``ordertrail projections
run`` between writing a batch's rows and committing them.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_hits: Counter[str] = Counter()


def crash_point(name: str) -> None:
    wanted = os.environ.get("ORDERTRAIL_CRASH_AT")
    if not wanted:
        return
    point, _, count = wanted.partition(":")
    if point != name:
        return
    _hits[name] += 1
    if _hits[name] >= int(count or "1"):
        os.kill(os.getpid(), signal.SIGKILL)
