"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by
Selenium, one per test module.

Nothing downloads a browser: Selenium is pointed at the system's binaries, so Selenium
Manager never runs. Without them the tests skip on a developer machine and fail under
CI=true (``.ci/run`` installs them).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
"""Under CI a missing browser fails the run instead of skipping."""

CHROMIUM = os.environ.get("ORDERTRAIL_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ORDERTRAIL_CHROMEDRIVER", "/usr/bin/chromedriver")


def _missing() -> str | None:
    absent = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.path.isfile(p) or shutil.which(p))]
    if absent:
        return f"no browser for the console tests: {', '.join(absent)} missing " \
               "(apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    problem = _missing()
    if problem is not None:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,1000", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    # An explicit driver and browser binary: Selenium Manager is never asked to fetch one.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
