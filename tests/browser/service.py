"""A real ``ordertrail serve`` for the console's tests, with a login token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.integration.sims import ROOT

TOKEN = "console-test-token-0123456789"


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


def replaced(browser: Any, old: Any, seconds: float = 15) -> None:
    """Wait until the page whose ``<html>`` element is ``old`` has given way to the next one.

    Asked about a node of the page being left, chromedriver sometimes answers "Node with given
    id does not belong to the document" instead of a stale element reference (Selenium's
    ``staleness_of`` lets that escape): it means the same, the old page is gone."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def gone(_: Any) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
        return False

    WebDriverWait(browser, seconds).until(gone)
