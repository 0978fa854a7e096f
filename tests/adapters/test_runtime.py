"""The ordertrail command collects garbage less often than CPython's defaults (see
``ordertrail.adapters.common.runtime``), and never less often than a program asked for itself."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from ordertrail.adapters.cli.main import run
from ordertrail.adapters.common.runtime import (
    MIDDLE_COLLECTION_EVERY,
    YOUNG_COLLECTION_EVERY,
    tune_garbage_collector,
)


@pytest.fixture(autouse=True)
def restore_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's defaults, whatever the test run set
    yield
    gc.set_threshold(*before)


def test_the_defaults_are_raised() -> None:
    assert tune_garbage_collector() == (YOUNG_COLLECTION_EVERY, MIDDLE_COLLECTION_EVERY, 10)
    assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, MIDDLE_COLLECTION_EVERY, 10)
    assert gc.isenabled()


def test_higher_thresholds_set_by_the_program_are_kept() -> None:
    gc.set_threshold(500_000, 50, 30)
    assert tune_garbage_collector() == (500_000, 50, 30)


def test_every_ordertrail_command_runs_with_the_tuned_collector(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'e.db'}"
    assert run(["--store", store, "migrate"]) == 0
    assert run(["--store", store, "status"]) == 0
    assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, MIDDLE_COLLECTION_EVERY, 10)
