"""Every documented Planviewer outcome, over loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker
from tests.adapters.planviewer.harness import NOW, Driver, drive


def test_a_job_runs_to_completion_and_its_report_is_retrieved(tracker: Tracker,
                                                              tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = d.request("i-happy")
        await d.submit(oid)
        for _ in range(5):
            await d.poll(oid)
        await d.retrieve(oid)
        assert d.types(oid) == [
            "OrderRequested", "SubmissionAttempted", "OrderPlaced",
            "StatusChanged",  # initial
            "StatusChanged", "ProgressReported",  # in_progress 1/3
            "ProgressReported",  # 2/3
            "StatusChanged", "ResultAvailable",  # finished (the repeat poll adds nothing)
            "ResultRetrieved",
        ]
        view = d.tracker.get_order(oid)
        assert view.state is State.COMPLETED
        retrieved = d.tracker.history(oid)[-1]
        assert retrieved.type == "ResultRetrieved"
        assert retrieved.fields["file_name"].startswith("Bestemmingsplan")
        assert (tmp_path / "results" / str(oid) / retrieved.fields["file_name"]).is_file()
        assert d.sim.jobs_per_intention["i-happy"] == 1

    drive(tracker, tmp_path, scenario, PlanviewerSim(plans={"i-happy": Plan(steps=3)}))


def test_progress_and_states_follow_the_vendor_exactly(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = d.request("i-steps")
        await d.submit(oid)
        await d.poll(oid)  # initial
        assert d.tracker.get_order(oid).state is State.PLACED
        await d.poll(oid)  # in_progress 1/3
        view = d.tracker.get_order(oid)
        assert view.state is State.IN_PROGRESS and (view.progress_current, view.progress_total) == (1, 3)
        await d.poll(oid)
        await d.poll(oid)  # finished
        assert d.tracker.get_order(oid).state is State.DELIVERED

    drive(tracker, tmp_path, scenario, PlanviewerSim(plans={"i-steps": Plan(steps=3)}))


def test_waiting_for_user_then_a_location_choice_resumes_the_job(tracker: Tracker,
                                                                 tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = d.request("i-kik")
        await d.submit(oid)
        for _ in range(3):
            await d.poll(oid)
        view = d.tracker.get_order(oid)
        assert view.state is State.WAITING_FOR_USER
        assert view.waiting and [ch["key"] for ch in view.waiting["choices"]] == ["1", "2"]
        await d.poll(oid)  # polls repeat: nothing new
        assert d.tracker.get_order(oid).version == view.version
        d.tracker.execute(await d.adapter.select_location(view, "2"))
        for _ in range(3):
            await d.poll(oid)
        assert d.tracker.get_order(oid).state is State.DELIVERED
        assert d.sim.jobs[view.vendor_ref].selected == [2]
        assert "UserInputProvided" in d.types(oid)

    drive(tracker, tmp_path, scenario, PlanviewerSim(plans={"i-kik": Plan(steps=3, wait_at=1)}))


def test_a_job_that_errors_fails_the_order(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = d.request("i-err")
        await d.submit(oid)
        for _ in range(3):
            await d.poll(oid)
        assert d.tracker.get_order(oid).state is State.FAILED
        assert d.types(oid)[-1] == "Failed"

    drive(tracker, tmp_path, scenario, PlanviewerSim(plans={"i-err": Plan(steps=3, error_at=1)}))


def test_an_unknown_status_is_recorded_and_changes_nothing(tracker: Tracker,
                                                           tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = d.request("i-odd")
        await d.submit(oid)
        await d.poll(oid)
        await d.poll(oid)
        last = d.tracker.history(oid)[-1]
        assert last.fields["raw_status"] == "paused" and last.to_state is State.PLACED
        assert "unknown raw status" in last.fields["anomaly"]

    drive(tracker, tmp_path, scenario, PlanviewerSim(plans={"i-odd": Plan(unknown_status="paused")}))


@pytest.mark.parametrize(
    ("setup", "state", "last_type", "field", "value"),
    [
        ("invalid", State.REJECTED, "OrderRejected", "reason_code", "invalid_intention"),
        ("payment", State.PAYMENT_DECLINED, "PaymentDeclined", "reason_code",
         "payment_on_account_disabled"),
        ("cap", State.REQUESTED, "SubmissionFailed", "vendor_code", "daily_cap"),
        ("auth", State.REQUESTED, "SubmissionFailed", "classification", "needs_reauth"),
    ],
)
def test_each_jobs_order_error_maps_to_its_state(tracker: Tracker, tmp_path: Path, setup: str,
                                                 state: State, last_type: str, field: str,
                                                 value: str) -> None:
    sim = PlanviewerSim(invalid_intentions={"i-x"} if setup == "invalid" else set(),
                        payment_required=setup == "payment", daily_cap=0 if setup == "cap" else 10)

    async def scenario(d: Driver) -> None:
        oid = d.request("i-x")
        await d.submit(oid)
        view = d.tracker.get_order(oid)
        assert view.state is state
        last = d.tracker.history(oid)[-1]
        assert last.type == last_type and last.fields[field] == value
        if setup == "cap":
            assert last.fields["retry_not_before"] is not None
        assert d.sim.jobs_per_intention["i-x"] == 0

    drive(tracker, tmp_path, scenario, sim, secret="wrong" if setup == "auth" else None)


def test_a_lost_answer_leaves_the_order_uncertain_and_is_never_retried(tracker: Tracker,
                                                                        tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = d.request("i-lost")
        await d.submit(oid)
        view = d.tracker.get_order(oid)
        assert view.state is State.SUBMISSION_UNCERTAIN
        assert await d.adapter.reconcile(view, NOW()) == []
        assert d.sim.jobs_per_intention["i-lost"] == 1

    drive(tracker, tmp_path, scenario, PlanviewerSim(drop_next_orders=1))


def test_a_5xx_burst_on_status_is_retried(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        oid = d.request("i-busy")
        await d.submit(oid)
        d.sim.status_failures = 2
        await d.poll(oid)
        assert d.tracker.get_order(oid).last_raw_status == "initial"

    drive(tracker, tmp_path, scenario)


def test_polls_are_batched_into_one_status_request(tracker: Tracker, tmp_path: Path) -> None:
    async def scenario(d: Driver) -> None:
        ids = [d.request(f"i-b{i}") for i in range(5)]
        for oid in ids:
            await d.submit(oid)
        before = sum(n for k, n in d.sim.requests.items() if " jobs/" in k)
        await d.poll(*ids)
        assert sum(n for k, n in d.sim.requests.items() if " jobs/" in k) - before == 1
        assert all(d.tracker.get_order(o).last_raw_status == "initial" for o in ids)

    drive(tracker, tmp_path, scenario)


def test_the_access_key_secret_never_reaches_events_logs_or_reprs(
    tracker: Tracker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "pv-secret-8c1f2e"

    async def scenario(d: Driver) -> str:
        oid = d.request("i-s")
        await d.submit(oid)
        for _ in range(5):
            await d.poll(oid)
        await d.retrieve(oid)
        stored = json.dumps([[e.fields, e.raw] for e in d.tracker.history(oid)], default=str)
        assert secret not in stored
        return repr(d.adapter.client)

    shown = drive(tracker, tmp_path, scenario, PlanviewerSim(secret=secret), secret=secret)
    assert secret not in shown and secret not in caplog.text


def test_a_poll_keeps_what_planviewer_sent_for_each_job_verbatim(tracker: Tracker,
                                                                 tmp_path: Path) -> None:
    """Each job's raw fragment is that job's element of the jobs/status answer, as sent: fields
    the documentation does not name survive for the audit trail, and the job still decodes."""
    sim = PlanviewerSim(plans={"i-raw": Plan(steps=3)},
                        extra_status_fields={"eta": "2026-12-03T12:00:00Z", "queue": {"pos": 2}})

    async def scenario(d: Driver) -> list[object]:
        oid = d.request("i-raw")
        await d.submit(oid)
        await d.poll(oid)
        await d.poll(oid)
        return [e.raw for e in d.tracker.history(oid) if e.source == "poll"]

    polled = drive(tracker, tmp_path, scenario, sim)
    assert polled and all(isinstance(raw, dict) for raw in polled)
    first = polled[0]
    assert isinstance(first, dict)
    assert first["eta"] == "2026-12-03T12:00:00Z" and first["queue"] == {"pos": 2}
    assert first["progress"]["total"] == 3 and first["status"] in ("initial", "in_progress")
