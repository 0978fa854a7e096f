"""vendor_health, the read model added through the registry: folded once per event, kept by
rebuild, checked by verify, and answering per vendor over the last hour and day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ordertrail.adapters.cli.main import run
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner, ReadModels
from ordertrail.projections.replay import verify
from ordertrail.projections.vendor_health.table import TABLE
from tests.projections.conftest import populate

EXPECTED_PER_20 = {
    "planviewer": {"placed": 6, "status": 4, "retrieved": 2, "failed:needs_reauth": 2,
                   "failed:retryable": 2},
    "planomatic": {"declined": 2, "placed": 2},
    "ivcap": {"outcome_unknown": 2, "rejected": 2},
    "ppw": {"submitted": 2, "placed": 2},
}
"""What 20 orders of tests/projections/conftest.py's scenarios record, by vendor and outcome."""


def test_each_vendor_answer_is_counted_once_by_outcome_over_the_last_hour_and_day(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels
) -> None:
    populate(tracker, 20)
    runner.catch_up()
    runner.catch_up()  # nothing new: nothing counted twice
    health = {h.vendor: h for h in models.vendor_health()}
    assert {v: h.last_day for v, h in health.items()} == EXPECTED_PER_20
    assert {v: h.last_hour for v, h in health.items()} == EXPECTED_PER_20
    assert health["ppw"].submitted_today == 2
    assert health["planviewer"].failures_last_day == {"failed:needs_reauth": 2,
                                                     "failed:retryable": 2}
    assert health["ivcap"].oldest_open_since is not None  # the uncertain ones stay open
    assert health["planviewer"].last_success_at is None  # no connector noted a success
    later = {h.vendor: h for h in models.vendor_health(datetime.now(UTC) + timedelta(days=2))}
    assert all(not h.last_day and not h.submitted_today for h in later.values())


def test_verify_checks_it_and_a_rebuild_refolds_it_the_same(
    tracker: Tracker, runner: ProjectionRunner, models: ReadModels
) -> None:
    populate(tracker, 30)
    runner.catch_up()
    with models.engine.connect() as conn:
        before = sorted(tuple(r) for r in conn.execute(sa.select(TABLE)))
    assert verify(tracker, models) == []
    runner.rebuild()
    with models.engine.connect() as conn:
        assert sorted(tuple(r) for r in conn.execute(sa.select(TABLE))) == before
    with models.engine.begin() as conn:
        conn.execute(sa.update(TABLE).where(TABLE.c.outcome == "declined").values(count=99))
    wrong = [m for m in verify(tracker, models) if m.model == "vendor_health"]
    assert len(wrong) == 1 and "planomatic" in wrong[0].what and "declined" in wrong[0].what


def test_report_shows_it_in_text_and_json(
    tracker: Tracker, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    populate(tracker, 20)
    assert run(["--store", store_url, "--json", "report"]) == 0
    shown = {h["vendor"]: h for h in json.loads(capsys.readouterr().out)["vendor_health"]}
    assert shown["planomatic"]["last_day"] == EXPECTED_PER_20["planomatic"]
    assert run(["--store", store_url, "report"]) == 0
    text = capsys.readouterr().out
    assert "vendor health" in text and "declined" in text
