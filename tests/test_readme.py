"""The README's code examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_a_library_example() -> None:
    assert python_blocks()


def test_every_python_example_in_the_readme_runs() -> None:
    for block in python_blocks():
        exec(compile(block, str(README), "exec"), {})
