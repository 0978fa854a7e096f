"""An order past its state's age limit shows its age and the limit everywhere a person looks:
``ordertrail attention``, ``/api/attention`` of a real ``ordertrail serve``, and
``ordertrail report`` (text and ``--html``), with the limit taken from ``[alerts.stuck_after]``."""

from __future__ import annotations

import json
from pathlib import Path

from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from tests.integration.sims import ordertrail
from tests.integration.watching import Running, get_json


def test_a_stuck_order_shows_its_age_and_its_configured_limit(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    tracker = open_tracker(store_url)
    slow = tracker.request_order("ivcap", {}, "slow")
    tracker.run(c.Place(order_id=slow, vendor_ref="iv-1", vendor_ref_kind="ivcap.order_id"))
    fresh = tracker.request_order("planviewer", {}, "fresh")
    tracker.close()
    config = tmp_path / "ordertrail.toml"
    config.write_text(f"""
[store]
url = "{store_url}"

[service]
port = 0

[alerts.stuck_after]
REQUESTED = 3600

[alerts.stuck_after.ivcap]
PLACED = 0
""", encoding="utf-8")

    wide = {"COLUMNS": "250"}  # the tables wrap to the terminal's width
    listed = ordertrail(config, "attention", env=wide)
    assert listed.returncode == 0, listed.stderr
    assert "STUCK" in listed.stdout and "longer than its limit of 0s" in listed.stdout
    items = json.loads(ordertrail(config, "--json", "attention").stdout)
    (stuck,) = [i for i in items if i["kind"] == "STUCK"]
    assert stuck["order_id"] == str(slow) and stuck["ref"] == "PLACED"
    assert stuck["limit_seconds"] == 0 and stuck["age_seconds"] >= 0
    assert all(i["order_id"] != str(fresh) for i in items)  # within its hour

    report = ordertrail(config, "report", "--html", str(tmp_path / "report.html"), env=wide)
    assert report.returncode == 0, report.stderr
    assert "stuck orders (1)" in report.stdout and str(slow) in report.stdout
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Stuck orders" in html and str(slow) in html and "PLACED" in html

    serve = Running(config, "serve")
    try:
        base = serve.url("listening on")
        status, answer = get_json(f"{base}/api/attention")
    finally:
        assert serve.stop() == 0
    assert status == 200
    (api_stuck,) = [i for i in answer["attention"] if i["kind"] == "STUCK"]
    assert api_stuck["order_id"] == str(slow) and api_stuck["limit_seconds"] == 0
    assert api_stuck["age_seconds"] >= 0 and "limit of 0s" in api_stuck["reason"]
