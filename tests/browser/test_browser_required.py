"""Without Chromium the console's browser tests skip on a developer machine, and under
CI=true they fail: a CI run never passes by skipping them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.integration.sims import ROOT

ONE_TEST = ("tests/browser/test_console_pages.py::"
            "test_a_person_logs_in_with_the_token_and_gets_a_strict_httponly_session")


def run_without_browser(ci: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": ci, "ORDERTRAIL_CHROMIUM": "/nonexistent/chromium"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p",
                           "no:cacheprovider", "-rs", ONE_TEST], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("ci", "outcome"), [("true", "1 error"), ("", "1 skipped")])
def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(ci: str, outcome: str) -> None:
    done = run_without_browser(ci)
    assert outcome in done.stdout, done.stdout[-2000:]
    assert "/nonexistent/chromium missing" in done.stdout
    assert (done.returncode != 0) == (ci == "true")
