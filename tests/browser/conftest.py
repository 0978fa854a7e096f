"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driven by
Selenium, and a real ``ordertrail serve`` for it to look at.

Nothing downloads a browser: Selenium is pointed at the system's binaries, so Selenium
Manager never runs. Without them the tests skip on a developer machine and fail under
CI=true (``.ci/run`` installs them).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.integration.sims import ROOT

CHROMIUM = os.environ.get("ORDERTRAIL_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ORDERTRAIL_CHROMEDRIVER", "/usr/bin/chromedriver")
TOKEN = "console-test-token-0123456789"


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
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def serving(config: Path, env: dict[str, str]) -> Iterator[str]:
    """``ordertrail serve`` in a child process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ordertrail.adapters.cli", "--config", str(config), "serve"],
        cwd=ROOT, env={**os.environ, **env}, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith("listening on "), line + process.stderr.read()
        yield line.split()[-1]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def service_table(port: int = 0) -> str:
    return f"""
[service]
host = "127.0.0.1"
port = {port}
api_token_env = "TEST_CONSOLE_TOKEN"
"""
