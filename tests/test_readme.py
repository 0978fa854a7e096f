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


def test_the_readme_configuration_example_is_accepted_by_the_strict_loader(tmp_path: Path) -> None:
    from ordertrail.adapters.config import load_config

    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        file = tmp_path / "ordertrail.toml"
        file.write_text(block, encoding="utf-8")
        config = load_config(file)
        assert set(config.vendors) == {"planviewer", "ivcap", "planomatic", "ppw"}


def test_every_command_the_readme_lists_exists() -> None:
    from ordertrail.adapters.cli.main import all_commands

    listed = set(re.findall(r"`ordertrail ([a-z]+)", README.read_text(encoding="utf-8")))
    assert listed - set(all_commands()) == set()  # each vendor's own commands included
