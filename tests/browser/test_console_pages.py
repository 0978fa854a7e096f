"""The console in a real browser, on the store ``ordertrail demo`` leaves behind: log in,
filter and search the orders, open one and walk its timeline, and every page fits at 420 px
and at 1400 px."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.service import TOKEN, replaced, service_table, serving
from tests.integration.sims import ROOT

SCREENSHOT = os.environ.get("ORDERTRAIL_CONSOLE_SCREENSHOT")
"""Where to keep the 1400 px screenshot of the orders page (the README's docs/console.png)."""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("console-demo")
    done = subprocess.run([sys.executable, "-m", "ordertrail.adapters.cli", "demo", "--dir",
                           str(work / "demo")], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    config = work / "ordertrail.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{(work / 'demo' / 'ordertrail.db').as_posix()}"

[results]
dir = "demo/results"
{service_table()}""", encoding="utf-8")
    with serving(config, {"TEST_CONSOLE_TOKEN": TOKEN}) as url:
        yield url


def login(browser: Any, base: str) -> None:
    browser.get(base + "/")
    if "/login" in browser.current_url:
        browser.find_element(By.NAME, "token").send_keys(TOKEN)
        browser.find_element(By.CSS_SELECTOR, "form.login button").click()
        WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "table.orders")))


def submit(browser: Any, selector: str = "form.filters button") -> None:
    """Click and wait for the next page (old elements go stale)."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, selector).click()
    replaced(browser, old, 10)


def rows(browser: Any) -> list[list[str]]:
    return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in browser.find_elements(By.CSS_SELECTOR, "table.orders tbody tr[data-order]")]


def test_a_person_logs_in_with_the_token_and_gets_a_strict_httponly_session(browser: Any, base: str) -> None:
    browser.delete_all_cookies()
    browser.get(base + "/attention")
    assert "/login" in browser.current_url  # no session: sent to the login (303)
    browser.find_element(By.NAME, "token").send_keys("not-the-token-at-all")
    submit(browser, "form.login button")  # the login page again, saying why
    assert "That is not the token" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    browser.find_element(By.NAME, "token").send_keys(TOKEN)
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(browser, 10).until(ec.url_contains("/attention"))  # back where they were going
    cookie = browser.get_cookie("ordertrail_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert TOKEN not in browser.page_source
    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    browser.get(base + "/")
    assert "/login" in browser.current_url  # logged out: the session is gone server-side
    login(browser, base)


def test_the_orders_filter_by_vendor_state_and_person_and_search_by_key(browser: Any, base: str) -> None:
    login(browser, base)
    total = browser.find_element(By.ID, "total").text
    assert total.startswith("40 orders") or int(total.split()[0]) >= 38
    Select(browser.find_element(By.NAME, "vendor")).select_by_visible_text("ivcap")
    submit(browser)
    shown = rows(browser)
    assert len(shown) == 13 and {r[1] for r in shown} == {"ivcap"}
    assert browser.find_element(By.ID, "total").text.startswith("13 orders")

    browser.get(base + "/")
    browser.find_element(By.NAME, "person").click()
    submit(browser)
    badges = browser.find_elements(By.CSS_SELECTOR, "table.orders [data-state]")
    assert badges and all("m-person" in b.get_attribute("class") for b in badges)

    browser.get(base + "/")
    Select(browser.find_element(By.NAME, "state")).select_by_visible_text("COMPLETED")
    submit(browser)
    assert {r[2] for r in rows(browser)} == {"COMPLETED"}

    browser.get(base + "/")
    browser.find_element(By.NAME, "q").send_keys("pv-03")
    submit(browser)
    (only,) = rows(browser)
    assert only[5] == "pv-03" and only[1] == "planviewer"
    prefix = only[0]  # an id prefix finds the same order
    browser.get(base + f"/?q={prefix}")
    assert [r[5] for r in rows(browser)] == ["pv-03"]

    browser.get(base + "/?sort=state&dir=asc&per_page=25")
    states = [r[2] for r in rows(browser)]
    lifecycle = ["REQUESTED", "SUBMISSION_UNCERTAIN", "PAYMENT_DECLINED", "PLACED", "IN_PROGRESS",
                 "WAITING_FOR_USER", "DELIVERED", "COMPLETED", "REJECTED", "FAILED", "CANCELLED"]
    assert states == sorted(states, key=lifecycle.index) and len(states) == 25
    submit(browser, "a[rel=next]")
    assert "page 2 of 2" in browser.find_element(By.CSS_SELECTOR, ".pager").text


def test_an_order_shows_its_results_and_its_timeline_version_by_version(browser: Any, base: str) -> None:
    login(browser, base)
    browser.get(base + "/?vendor=planviewer&state=COMPLETED")
    submit(browser, "table.orders a.id")
    events = browser.find_elements(By.CSS_SELECTOR, ".timeline .event")
    assert len(events) >= 5
    assert "UTC" in events[0].find_element(By.TAG_NAME, "time").text
    assert events[0].find_element(By.CSS_SELECTOR, "strong").text == "OrderRequested"
    link = browser.find_element(By.CSS_SELECTOR, ".files a")
    href = link.get_attribute("href")
    assert "/files/" in href and link.get_attribute("download") is not None
    raw = browser.find_elements(By.CSS_SELECTOR, ".timeline details")
    assert raw and not raw[0].find_element(By.TAG_NAME, "pre").is_displayed()
    raw[0].find_element(By.TAG_NAME, "summary").click()
    assert raw[0].find_element(By.TAG_NAME, "pre").is_displayed()  # the vendor's fragment, on demand
    submit(browser, ".versions a")  # as of version 1
    assert "As of version 1 of" in browser.find_element(By.CSS_SELECTOR, ".asof").text
    assert browser.find_element(By.CSS_SELECTOR, ".summary [data-state]").text == "REQUESTED"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".timeline .event.later")) == len(events) - 1


def test_the_report_draws_outcomes_trends_and_vendor_health(browser: Any, base: str) -> None:
    login(browser, base)
    browser.get(base + "/report?days=7")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 3
    bars = charts[0].find_elements(By.CSS_SELECTOR, "rect.m-done")
    titles = {b.get_attribute("textContent").split(":")[0] for b in bars}
    assert "ivcap completed" in titles  # completed bars have the "done" colour
    assert len(charts[1].find_elements(By.TAG_NAME, "polyline")) == 4  # one trend line per vendor
    health = [tr.find_element(By.TAG_NAME, "td").text
              for tr in browser.find_elements(By.CSS_SELECTOR, "table.health tbody tr")]
    assert set(health) == {"planviewer", "ivcap", "planomatic", "ppw"}


@pytest.mark.parametrize("width", [420, 1400])
def test_every_page_fits_the_window_at_420_and_1400_px(browser: Any, base: str, width: int,
                                                       tmp_path: Path) -> None:
    login(browser, base)
    browser.set_window_size(width, 1000)
    try:
        browser.get(base + "/?vendor=planviewer&state=COMPLETED")
        order = browser.find_element(By.CSS_SELECTOR, "table.orders a.id").get_attribute("href")
        for page in ("/", order, "/attention", "/report?days=7"):
            browser.get(page if page.startswith("http") else base + page)
            inner = browser.execute_script("return window.innerWidth")
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= inner, f"{page} at {width} px: {scroll} px wide, cut off"
            browser.save_screenshot(str(tmp_path / f"{width}-{len(page)}.png"))
        if SCREENSHOT and width == 1400:
            browser.set_window_size(1400, 760)
            browser.get(base + "/attention")
            browser.save_screenshot(SCREENSHOT)
    finally:
        browser.set_window_size(1400, 1000)
