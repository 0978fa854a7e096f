"""A person acts on the attention list from the CLI: reconcile, resubmit, cancel."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from tests.integration.test_cli_errors import assert_one_line_error, ordertrail


def store_with(tmp_path: Path) -> tuple[str, dict[str, UUID]]:
    url = f"sqlite:///{tmp_path / 'o.db'}"
    tracker = open_tracker(url)
    ids = {name: tracker.request_order("planomatic", {"payment_method_id": 1}, name)
           for name in ("declined", "uncertain", "gone", "done", "fresh")}
    for name in ("declined", "uncertain", "gone", "done"):
        tracker.run(c.AttemptSubmission(order_id=ids[name], channel="pay_and_submit"))
    tracker.run(c.DeclinePayment(order_id=ids["declined"], reason_code="card_expired"))
    for name in ("uncertain", "gone"):
        tracker.run(c.MarkOutcomeUnknown(order_id=ids[name], reason="application_crash"))
    tracker.execute([c.AcceptPayment(order_id=ids["done"]),
                     c.Place(order_id=ids["done"], vendor_ref="PO-1",
                             vendor_ref_kind="planomatic.order_id"),
                     c.ChangeStatus(order_id=ids["done"], raw_status="Delivered",
                                    normalized=State.DELIVERED),
                     c.ChangeStatus(order_id=ids["done"], raw_status="Complete",
                                    normalized=State.COMPLETED)])
    assert tracker.get_order(ids["done"]).state is State.COMPLETED
    tracker.close()
    return url, ids


def state(url: str, order_id: UUID) -> State:
    tracker = open_tracker(url)
    try:
        return tracker.get_order(order_id).state
    finally:
        tracker.close()


def test_a_person_settles_each_attention_item_and_the_ledger_shows_who(tmp_path: Path) -> None:
    url, ids = store_with(tmp_path)
    store = ("--store", url)
    steps = [
        (("resubmit", str(ids["declined"]), "--field", "payment_method_id=702"), "declined",
         State.REQUESTED),
        (("reconcile", str(ids["uncertain"]), "--found", "PO-77"), "uncertain", State.PLACED),
        (("reconcile", str(ids["gone"]), "--not-created"), "gone", State.REQUESTED),
        (("cancel", str(ids["fresh"]), "--reason", "not needed"), "fresh", State.CANCELLED),
    ]
    for args, name, expected in steps:
        done = ordertrail(*store, *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert state(url, ids[name]) is expected
    history = json.loads(ordertrail(*store, "--json", "history", str(ids["declined"]),
                                    cwd=tmp_path).stdout)
    resubmitted = history[-1] if isinstance(history, list) else history["events"][-1]
    assert resubmitted["type"] == "OrderResubmitted" and resubmitted["source"] == "human"


def test_a_refused_transition_is_one_line_and_records_nothing(tmp_path: Path) -> None:
    url, ids = store_with(tmp_path)
    tracker = open_tracker(url)
    before = tracker.get_order(ids["done"]).version
    tracker.close()
    done = ordertrail("--store", url, "reconcile", str(ids["done"]), "--found", "X", cwd=tmp_path)
    assert_one_line_error(done, str(ids["done"]), "COMPLETED", "refuses")
    assert done.returncode == 1
    cancel = ordertrail("--store", url, "cancel", str(ids["done"]), cwd=tmp_path)
    assert_one_line_error(cancel, "COMPLETED")
    tracker = open_tracker(url)
    assert tracker.get_order(ids["done"]).version == before
    tracker.close()


def test_a_person_answers_planviewer_s_parcel_question_and_the_job_goes_on(tmp_path: Path) -> None:
    from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim
    from tests.integration.sims import Sims, running, write_config

    url = f"sqlite:///{tmp_path / 'o.db'}"
    tracker = open_tracker(url)
    oid = tracker.request_order("planviewer", {"intention_uuid": "int-q", "product": "p"}, "q")
    tracker.close()
    sims = Sims(planviewer=PlanviewerSim(daily_cap=100, plans={"int-q": Plan(steps=3, wait_at=1)}))
    with running(sims):
        config = tmp_path / "ordertrail.toml"
        env = write_config(config, sims, url, tmp_path / "results")
        cfg = ("--config", str(config))
        for _ in range(4):
            if state(url, oid) is State.WAITING_FOR_USER:
                break
            assert ordertrail(*cfg, "sync", "--once", cwd=tmp_path, env=env).returncode == 0
        assert state(url, oid) is State.WAITING_FOR_USER
        asked = ordertrail(*cfg, "choose", str(oid), cwd=tmp_path, env=env)
        assert asked.returncode == 0 and "2: Kerkstraat 1 (perceel A 1235)" in asked.stdout
        wrong = ordertrail(*cfg, "choose", str(oid), "9", cwd=tmp_path, env=env)
        assert wrong.returncode == 2 and "not one of the offered choices" in wrong.stderr
        answered = ordertrail(*cfg, "choose", str(oid), "2", cwd=tmp_path, env=env)
        assert answered.returncode == 0, answered.stderr
        for _ in range(6):
            assert ordertrail(*cfg, "sync", "--once", cwd=tmp_path, env=env).returncode == 0
    assert state(url, oid) is State.COMPLETED
    tracker = open_tracker(url)
    types = [e.type for e in tracker.history(oid)]
    tracker.close()
    assert "UserInputProvided" in types
