"""The layout rules of the design card, enforced by walking imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_DOMAIN = ("adapters", "projections", "aiohttp", "sqlalchemy", "psycopg", "msgspec")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "domain").rglob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library_and_eventsourcing(path: Path) -> None:
    bad = {n for n in imports_of(path) if n.split(".")[0] in FORBIDDEN_IN_DOMAIN}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sorted((ROOT / "projections").rglob("*.py")), ids=lambda p: p.name)
def test_projections_do_not_import_vendor_adapters(path: Path) -> None:
    vendors = ("adapters.planviewer", "adapters.ivcap", "adapters.ppw", "adapters.planomatic")
    bad = {n for n in imports_of(path) if n.startswith(vendors)}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_vendor_packages_do_not_import_each_other() -> None:
    vendors = ("planviewer", "ivcap", "ppw", "planomatic")
    for vendor in vendors:
        for path in (ROOT / "adapters" / vendor).rglob("*.py"):
            others = tuple(f"adapters.{v}" for v in vendors if v != vendor)
            bad = {n for n in imports_of(path) if n.startswith(others)}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
