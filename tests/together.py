"""Start the same Python snippet in several real processes at once and require all succeed."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT


def all_succeed_together(script: str, *args: str, count: int = 4) -> None:
    """Run ``python -c script *args`` ``count`` times at once; fail with each one's last error
    line unless every process exits 0."""
    processes = [
        subprocess.Popen([sys.executable, "-c", script, *args], cwd=REPO_ROOT,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    codes = [p.returncode for p in processes]
    assert codes == [0] * count, [e.strip().splitlines()[-1:] for e in errors]
