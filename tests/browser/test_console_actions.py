"""A person settles the attention list in a real browser: choose a Planviewer parcel,
reconcile (found, not created), resubmit with another card, cancel; each action shows its
result and is in ``ordertrail history`` as the person's. And a progress bar moves while the
sync engine advances a Planviewer job, without a reload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from ordertrail.adapters.planviewer.simulator import Plan, PlanviewerSim
from ordertrail.adapters.store import open_tracker
from ordertrail.domain import commands as c
from tests.browser.service import TOKEN, replaced, service_table, serving
from tests.integration.sims import Sims, ordertrail, running

Setup = tuple[str, Path, dict[str, str], dict[str, UUID]]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    work = tmp_path_factory.mktemp("console-act")
    url = f"sqlite:///{work / 'o.db'}"
    sims = Sims(planviewer=PlanviewerSim(daily_cap=100, plans={
        "int-q": Plan(steps=3, wait_at=1), "int-live": Plan(steps=40)}))
    with running(sims):
        tracker = open_tracker(url)
        ids = {name: tracker.request_order("planviewer", {"intention_uuid": intention, "product": "p"},
                                           name)
               for name, intention in (("choose", "int-q"), ("live", "int-live"))}
        tracker.close()
        config = work / "ordertrail.toml"  # Planviewer only: the sync leaves the others alone
        config.write_text(f"""
[store]
url = "{url}"

[results]
dir = "results"

[vendors.planviewer]
base_url = "{sims.urls['planviewer']}"
access_key_id_env = "TEST_PV_KEY"
access_key_secret_env = "TEST_PV_SECRET"
daily_cap = 100
poll_interval_seconds = 0
{service_table()}""", encoding="utf-8")
        env = {"TEST_PV_KEY": sims.planviewer.key_id, "TEST_PV_SECRET": sims.planviewer.secret,
               "TEST_CONSOLE_TOKEN": TOKEN}
        for _ in range(3):
            done = ordertrail(config, "sync", "--once", env=env)
            assert done.returncode == 0, done.stderr
        tracker = open_tracker(url)
        assert tracker.get_order(ids["choose"]).state.value == "WAITING_FOR_USER"
        for name in ("declined", "found", "gone", "fresh", "placed"):
            ids[name] = tracker.request_order("planomatic", {"payment_method_id": 1}, name)
        for name in ("declined", "found", "gone"):
            tracker.run(c.AttemptSubmission(order_id=ids[name], channel="pay_and_submit"))
        tracker.run(c.DeclinePayment(order_id=ids["declined"], reason_code="card_expired"))
        tracker.execute([c.AttemptSubmission(order_id=ids["placed"], channel="pay_and_submit"),
                         c.AcceptPayment(order_id=ids["placed"]),
                         c.Place(order_id=ids["placed"], vendor_ref="PO-5",
                                 vendor_ref_kind="planomatic.order_id")])
        for name in ("found", "gone"):
            tracker.run(c.MarkOutcomeUnknown(order_id=ids[name], reason="application_crash"))
        tracker.close()
        with serving(config, env) as base:
            yield base, config, env, ids


def login(browser: Any, base: str) -> None:
    browser.get(base + "/attention")
    if "/login" in browser.current_url:
        browser.find_element(By.NAME, "token").send_keys(TOKEN)
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        replaced(browser, old, 10)
        assert browser.current_url.endswith("/attention")


def item(browser: Any, order_id: UUID) -> Any:
    return browser.find_element(By.CSS_SELECTOR, f'.queue [data-order="{order_id}"]')


def act(browser: Any, form: Any) -> str:
    old = browser.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    replaced(browser, old, 15)
    errors = browser.find_elements(By.CSS_SELECTOR, ".error")
    assert not errors, errors[0].text
    return str(browser.find_element(By.CSS_SELECTOR, ".note").text)


def last_event(setup: Setup, order_id: UUID) -> dict[str, Any]:
    _, config, env, _ = setup
    done = ordertrail(config, "--json", "history", str(order_id), env=env)
    assert done.returncode == 0, done.stderr
    history = json.loads(done.stdout)
    events = history if isinstance(history, list) else history["events"]
    return dict(events[-1])


def state_on_order_page(browser: Any, base: str, order_id: UUID) -> str:
    browser.get(f"{base}/orders/{order_id}")
    return str(browser.find_element(By.CSS_SELECTOR, ".summary [data-state]").text)


def offered(browser: Any, order_id: UUID) -> set[str]:
    forms = item(browser, order_id).find_elements(By.CSS_SELECTOR, "form.act")
    return {f.get_attribute("class").split()[1] for f in forms}


def test_a_person_chooses_planviewer_s_parcel_from_the_listed_options(browser: Any, setup: Setup) -> None:
    base, _, _, ids = setup
    login(browser, base)
    assert offered(browser, ids["choose"]) == {"act-choose", "act-cancel"}
    form = item(browser, ids["choose"]).find_element(By.CSS_SELECTOR, "form.act-choose")
    labels = [label.text for label in form.find_elements(By.TAG_NAME, "label")]
    assert "2: Kerkstraat 1 (perceel A 1235)" in labels
    form.find_element(By.CSS_SELECTOR, "input[value='2']").click()
    assert "answered 2" in act(browser, form)
    event = last_event(setup, ids["choose"])
    assert event["type"] == "UserInputProvided" and event["source"] == "human"
    _, config, env, _ = setup
    assert ordertrail(config, "sync", "--once", env=env).returncode == 0  # the job goes on
    assert state_on_order_page(browser, base, ids["choose"]) in ("IN_PROGRESS", "DELIVERED", "COMPLETED")


def test_a_person_reconciles_one_found_at_the_vendor_and_one_not_created(browser: Any, setup: Setup) -> None:
    base, _, _, ids = setup
    login(browser, base)
    assert offered(browser, ids["found"]) == {"act-found", "act-not-created", "act-cancel"}
    form = item(browser, ids["found"]).find_element(By.CSS_SELECTOR, "form.act-found")
    form.find_element(By.NAME, "vendor_ref").send_keys("PO-77")
    assert "PLACED" in act(browser, form)
    assert last_event(setup, ids["found"])["source"] == "human"
    assert state_on_order_page(browser, base, ids["found"]) == "PLACED"
    login(browser, base)
    form = item(browser, ids["gone"]).find_element(By.CSS_SELECTOR, "form.act-not-created")
    assert "REQUESTED" in act(browser, form)
    event = last_event(setup, ids["gone"])
    assert event["type"] == "SubmissionFailed" and event["source"] == "human"
    assert not browser.find_elements(By.CSS_SELECTOR, f'.queue [data-order="{ids["gone"]}"]')


def test_a_person_resubmits_a_declined_order_with_another_card(browser: Any, setup: Setup) -> None:
    base, _, _, ids = setup
    login(browser, base)
    assert offered(browser, ids["declined"]) == {"act-resubmit", "act-cancel"}
    form = item(browser, ids["declined"]).find_element(By.CSS_SELECTOR, "form.act-resubmit")
    form.find_element(By.NAME, "value").send_keys("702")
    assert "payment_method_id changed" in act(browser, form)
    event = last_event(setup, ids["declined"])
    assert event["type"] == "OrderResubmitted" and event["source"] == "human"
    assert state_on_order_page(browser, base, ids["declined"]) == "REQUESTED"
    request = browser.find_element(By.CSS_SELECTOR, "pre.request").text
    assert json.loads(request)["payment_method_id"] == 702


def test_a_person_cancels_an_order_from_its_page(browser: Any, setup: Setup) -> None:
    base, _, _, ids = setup
    login(browser, base)
    browser.get(f"{base}/orders/{ids['fresh']}")
    form = browser.find_element(By.CSS_SELECTOR, "form.act-cancel")
    form.find_element(By.NAME, "reason").send_keys("not needed")
    assert act(browser, form) == "cancelled"
    assert browser.find_element(By.CSS_SELECTOR, ".summary [data-state]").text == "CANCELLED"
    assert not browser.find_elements(By.CSS_SELECTOR, "form.act")  # nothing left to do
    event = last_event(setup, ids["fresh"])
    assert event["type"] == "Cancelled" and event["source"] == "human"


def test_a_placed_order_is_cancelled_at_the_vendor_then_confirmed(browser: Any, setup: Setup) -> None:
    base, _, _, ids = setup
    login(browser, base)
    browser.get(f"{base}/orders/{ids['placed']}")
    assert "has no cancel route" in act(browser, browser.find_element(By.CSS_SELECTOR, "form.act-cancel"))
    assert last_event(setup, ids["placed"])["type"] == "CancellationRequested"
    assert not browser.find_elements(By.CSS_SELECTOR, "form.act-cancel")  # asked once
    assert act(browser, browser.find_element(By.CSS_SELECTOR, "form.act-confirm-cancel")) == "cancelled"
    assert browser.find_element(By.CSS_SELECTOR, ".summary [data-state]").text == "CANCELLED"
    event = last_event(setup, ids["placed"])
    assert event["type"] == "Cancelled" and event["source"] == "human"


def test_a_progress_bar_moves_while_the_sync_advances_the_job(browser: Any, setup: Setup) -> None:
    base, config, env, ids = setup
    login(browser, base)
    browser.get(f"{base}/orders/{ids['live']}")
    browser.execute_script("window.stillThisPage = true")
    bar = browser.find_element(By.CSS_SELECTOR, ".summary progress")
    before = int(bar.get_attribute("value"))
    assert int(bar.get_attribute("max")) == 40
    for _ in range(2):
        assert ordertrail(config, "sync", "--once", env=env).returncode == 0
    WebDriverWait(browser, 10).until(lambda b: int(bar.get_attribute("value")) >= before + 2)
    assert browser.execute_script("return window.stillThisPage") is True  # no reload
    assert browser.find_element(By.CSS_SELECTOR, ".changed").is_displayed()


def test_a_form_without_the_session_s_csrf_token_changes_nothing(browser: Any, setup: Setup) -> None:
    base, _, _, ids = setup
    login(browser, base)
    browser.get(f"{base}/orders/{ids['live']}")
    browser.execute_script("document.querySelector('form.act-cancel input[name=csrf]').value = 'forged'")
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "form.act-cancel button").click()
    replaced(browser, old, 10)
    assert "CSRF" in browser.find_element(By.TAG_NAME, "body").text
    assert last_event(setup, ids["live"])["type"] != "CancellationRequested"
