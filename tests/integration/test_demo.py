"""``ordertrail demo`` as a newcomer runs it: a real process, twice, in one working directory."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from ordertrail.adapters.cli.demo import MAX_PASSES
from ordertrail.adapters.ivcap.simulator import IvcapSim
from ordertrail.adapters.planomatic.simulator import PlanomaticSim
from ordertrail.adapters.planviewer.simulator import PlanviewerSim
from ordertrail.adapters.ppw.config import sha1_hex
from ordertrail.adapters.ppw.demo import PASSWORD as PPW_PASSWORD
from ordertrail.adapters.store import open_tracker
from tests.integration.sims import ROOT


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ordertrail.adapters.cli", *args], cwd=cwd,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=180, check=False)


def secrets() -> list[str]:
    pv, po = PlanviewerSim(), PlanomaticSim()
    basic = base64.b64encode(f"{pv.key_id}:{pv.secret}".encode()).decode()
    return [pv.secret, basic, IvcapSim().token, *po.tokens, po.password, PPW_PASSWORD,
            sha1_hex(PPW_PASSWORD)]


def test_the_demo_settles_forty_orders_and_its_tables_agree_with_the_ledger(tmp_path: Path) -> None:
    first = run("demo", "--log-level", "debug", cwd=tmp_path)  # the secret scan covers the logs
    assert first.returncode == 0, first.stderr[-3000:]
    opens = "cd ordertrail-demo && ordertrail --store sqlite:///ordertrail.db serve"
    assert f"Open the console on this store: {opens}" in first.stdout  # make demo ends with it
    again = run("--json", "demo", cwd=tmp_path)  # safe to run again: same result
    assert again.returncode == 0, again.stderr[-3000:]
    summary = json.loads(again.stdout)
    assert summary["console"] == opens
    result = summary["result"]
    assert result["orders"] >= 38 and result["doubled"] == []
    assert result["seconds"] < 60
    assert result["passes"] < MAX_PASSES, "the demo ran out of passes before its orders settled"
    states = result["states"]
    for needed in ("COMPLETED", "WAITING_FOR_USER", "PAYMENT_DECLINED", "REJECTED",
                   "SUBMISSION_UNCERTAIN"):
        assert states.get(needed), f"the demo shows no {needed} order: {states}"
    workdir = tmp_path / "ordertrail-demo"
    tracker = open_tracker(f"sqlite:///{workdir / 'ordertrail.db'}")
    try:
        ledger = {str(i): tracker.get_order(i).state.value for i in tracker.order_ids()}
    finally:
        tracker.close()
    printed = {row["order_id"]: row["state"] for row in summary["orders"]}
    assert printed == ledger
    assert Counter(ledger.values()) == Counter(states)
    kinds = {item["kind"] for item in summary["attention"]}
    assert {"WAITING_FOR_USER", "PAYMENT_DECLINED", "SUBMISSION_UNCERTAIN"} <= kinds
    capped = [r for r in summary["report"] if r["vendor"] == "planviewer" and r["day"] == "total"]
    assert capped and capped[0]["counts"]["placed_against_cap"] >= 1
    assert (workdir / "report.html").read_text().lower().startswith("<!doctype html>")
    assert any((workdir / "results").rglob("*.pdf"))
    store = ("--store", f"sqlite:///{workdir / 'ordertrail.db'}")
    for command in (("projections", "verify"), ("projections", "rebuild"),
                    ("projections", "verify"), ("migrate",), ("watch", "--once"),
                    ("report", "--html", str(tmp_path / "r.html")), ("history", next(iter(ledger)))):
        done = run(*store, *command, cwd=tmp_path)
        assert done.returncode == 0, (command, done.stdout + done.stderr)
    waiting = json.loads(run(*store, "--json", "status", "--needs-attention", cwd=tmp_path).stdout)
    assert {r["state"] for r in waiting} >= {"WAITING_FOR_USER", "PAYMENT_DECLINED"}
    assert all(r["needs_person"] for r in waiting)

    # No credential anywhere: output, store, outbox, results, report.
    haystacks = {"stdout": first.stdout + again.stdout, "stderr": first.stderr + again.stderr}
    for path in workdir.rglob("*"):
        if path.is_file():
            haystacks[str(path.relative_to(workdir))] = path.read_bytes().decode("latin-1")
    for secret in secrets():
        leaks = [where for where, text in haystacks.items() if secret in text]
        assert not leaks, f"a credential ({len(secret)} chars) leaked into {leaks}"


def test_the_demo_refuses_to_empty_a_directory_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "ordertrail-demo"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    done = run("demo", cwd=tmp_path)
    assert done.returncode == 1 and "not an ordertrail demo directory" in done.stderr
    assert (precious / "thesis.tex").read_text() == "years of work"
