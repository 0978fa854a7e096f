"""ordertrail installs as one package: what the wheel holds, its public API, and the README's
embedding example run from a real (not editable) install in a fresh virtual environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def test_import_ordertrail_is_cheap_and_gives_the_public_api() -> None:
    code = ("import sys, ordertrail; heavy = [m for m in ('eventsourcing', 'aiohttp', 'sqlalchemy')"
            " if m in sys.modules]; print(heavy, sorted(ordertrail.__all__))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd="/")
    heavy, names = done.stdout.split("] ", 1)
    assert heavy == "["  # nothing heavy is imported until a name is used
    for name in ("open_tracker", "Tracker", "OrderView", "State", "commands",
                 "TransitionRefused", "OrdertrailError"):
        assert f"'{name}'" in names
    import ordertrail

    assert all(getattr(ordertrail, name) is not None for name in ordertrail.__all__)


def test_python_m_ordertrail_runs_the_command_line_and_knows_its_version() -> None:
    done = subprocess.run([sys.executable, "-m", "ordertrail", "--version"], capture_output=True,
                          text=True, check=True)
    assert re.fullmatch(r"ordertrail, version \d+\.\d+\.\d+\n", done.stdout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (found,) = out.glob("ordertrail-*.whl")
    return found


def test_the_wheel_holds_one_import_package_and_its_licence(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"ordertrail"}
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    for folder in ("domain", "adapters", "projections", "migrations"):
        assert f"ordertrail/{folder}/__init__.py" in names
    assert "ordertrail/py.typed" in names and "ordertrail/migrations/script.py.mako" in names
    console = "ordertrail/adapters/service/console"
    for page in ("base", "login", "orders", "order", "attention", "report"):
        assert f"{console}/templates/{page}.html" in names  # the console's pages ship with it
    assert f"{console}/static/console.css" in names and f"{console}/static/live.js" in names


@pytest.mark.slow
def test_the_readme_example_runs_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    """A fresh virtual environment, the wheel installed (not editable), the README's embedding
    example run as written from a folder that is not the checkout."""
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                             capture_output=True, text=True, timeout=900)
    if install.returncode != 0:
        message = f"installing the wheel's dependencies failed: {install.stderr[-500:]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", readme, re.S)[:1]
    script = tmp_path / "example.py"
    script.write_text(example, encoding="utf-8")
    done = subprocess.run([str(python), str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={"PATH": os.environ.get("PATH", "")})
    assert done.returncode == 0, done.stderr
    where = subprocess.run([str(python), "-c", "import ordertrail; print(ordertrail.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(env_dir) in where
