"""Process-wide settings for ordertrail's commands, long-running ones above all (sync, serve).

The cyclic garbage collector is told to look less often: the tracker holds many
orders in memory and a sync pass replaces every order that changed, yet orders, events
and views form no reference cycles, so with CPython's defaults most of the collector's
frequent passes over a large heap find nothing (bench/README.md has the measurements).
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_EVERY = 200_000
"""New container objects between two collections of the young generation (CPython: 700).

More than a batch of commands, or a chunk of a sync pass, leaves alive at once (a few tens of
thousands of commands, events, outcomes and views): a pass over orders already held then runs
no young collection, where each would have gone over what the batch holds only to find it
alive."""
MIDDLE_COLLECTION_EVERY = 20
"""Young collections between two of the middle generation (CPython: 10)."""


def tune_garbage_collector() -> tuple[int, int, int]:
    """Collect less often, as above; thresholds already higher are kept. Returns the new ones.

    The ``ordertrail`` command calls this first. A program that embeds the tracker and the
    sync engine and runs them for long should call it once too, at start-up.
    """
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_COLLECTION_EVERY), max(middle, MIDDLE_COLLECTION_EVERY), old)
    return gc.get_threshold()
