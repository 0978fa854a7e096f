"""Stored history keeps opening: a store written by older code replays under today's code."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ordertrail.adapters.store import open_tracker

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "legacy_store"


@pytest.fixture
def legacy_store(tmp_path: Path) -> Path:
    shutil.copy(LEGACY / "ordertrail.db", tmp_path / "ordertrail.db")
    return tmp_path / "ordertrail.db"


def _as_seen(view: Any) -> dict[str, Any]:
    return {"vendor": view.vendor, "state": view.state.value, "version": view.version,
            "vendor_ref": view.vendor_ref, "attention": view.attention,
            "progress": [view.progress_current, view.progress_total],
            "results_retrieved": sorted(view.results_retrieved)}


@pytest.mark.parametrize("snapshots", [True, False], ids=["from snapshots", "from events only"])
def test_every_order_of_the_old_store_replays_to_the_state_the_old_code_saw(
    legacy_store: Path, snapshots: bool
) -> None:
    expected = json.loads((LEGACY / "expected.json").read_text())
    tracker = open_tracker(f"sqlite:///{legacy_store}")
    try:
        if not snapshots:
            tracker.repository.snapshot_store = None
        ids = [str(i) for i in tracker.order_ids()]
        assert sorted(ids) == sorted(expected)
        seen = {oid: _as_seen(tracker.get_order(oid)) for oid in ids}
        histories = {oid: tracker.history(oid) for oid in ids}
    finally:
        tracker.close()
    assert seen == expected
    kinds = {event.type for events in histories.values() for event in events}
    assert len(kinds) == 21, "the fixture holds every event type of the old code"


def test_the_old_read_models_verify_against_a_replay_with_todays_code(legacy_store: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ordertrail", "--store", f"sqlite:///{legacy_store}",
         "projections", "verify"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
