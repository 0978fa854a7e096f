"""The layout rules of the design card, enforced by walking imports."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("domain", "adapters", "projections", "migrations")
"""The design's top-level folders: they install as ``ordertrail.<folder>``."""
FORBIDDEN_IN_DOMAIN = ("ordertrail.adapters", "ordertrail.projections", "aiohttp", "sqlalchemy",
                       "psycopg", "msgspec")
VENDORS = ("planviewer", "ivcap", "ppw", "planomatic")
SOURCES = sorted(p for folder in (*FOLDERS, "ordertrail", "tests", "bench")
                 for p in (ROOT / folder).rglob("*.py"))


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_module_imports_a_folder_by_its_bare_name(path: Path) -> None:
    """Two names for one module would register every event topic twice."""
    bare = {n for n in imports_of(path) if n.split(".")[0] in FOLDERS}
    assert not bare, f"{_rel(path)} imports {sorted(bare)}: use ordertrail.<name>"


def test_every_package_folder_is_installed_as_part_of_ordertrail() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {"ordertrail"} | {
        "ordertrail." + ".".join(init.parent.relative_to(ROOT).parts)
        for folder in FOLDERS for init in (ROOT / folder).rglob("__init__.py")
    }
    assert found == listed, f"pyproject.toml packages: missing {sorted(found - listed)}, " \
                            f"stale {sorted(listed - found)}"
    assert config["package-dir"] == {"ordertrail": "ordertrail",
                                     **{f"ordertrail.{f}": f for f in FOLDERS}}


@pytest.mark.parametrize("path", sorted((ROOT / "domain").rglob("*.py")), ids=_rel)
def test_the_domain_imports_only_the_standard_library_and_eventsourcing(path: Path) -> None:
    bad = {n for n in imports_of(path) if n.startswith(FORBIDDEN_IN_DOMAIN)}
    assert not bad, f"{_rel(path)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sorted((ROOT / "projections").rglob("*.py")), ids=_rel)
def test_projections_do_not_import_vendor_adapters(path: Path) -> None:
    vendors = tuple(f"ordertrail.adapters.{v}" for v in VENDORS)
    bad = {n for n in imports_of(path) if n.startswith(vendors)}
    assert not bad, f"{_rel(path)} imports {sorted(bad)}"


def test_vendor_packages_do_not_import_each_other() -> None:
    for vendor in VENDORS:
        for path in (ROOT / "adapters" / vendor).rglob("*.py"):
            others = tuple(f"ordertrail.adapters.{v}" for v in VENDORS if v != vendor)
            bad = {n for n in imports_of(path) if n.startswith(others)}
            assert not bad, f"{_rel(path)} imports {sorted(bad)}"


LAYERS: tuple[tuple[str, ...], ...] = (
    ("domain",),
    ("adapters.common",),
    ("adapters.store",),
    ("adapters.planviewer", "adapters.ivcap", "adapters.planomatic", "adapters.ppw",
     "adapters.sync", "projections"),
    ("migrations",),
    ("adapters.registry",),
    ("adapters.config", "adapters.alerts", "adapters.observability"),
    ("adapters.wiring",),
    ("adapters.actions",),
    ("adapters.service",),
    ("adapters.cli",),
    ("ordertrail",),
)
"""Who may import whom, lowest first: a module imports its own part and the layers below it,
never a layer above, and never a sibling in its own layer (the vendors, the sync engine and the
read models know nothing of each other). The registry, the one module that lists the vendors,
sits just above them so configuration, alerts and everything above may ask it."""


def _part(module: str) -> str:
    """The layer part of ``ordertrail.x.y...`` (``adapters.<package>`` inside adapters)."""
    names = module.split(".")[1:]
    if not names:
        return "ordertrail"
    return ".".join(names[:2]) if names[0] == "adapters" and len(names) > 1 else names[0]


def _rank(part: str) -> int:
    for rank, layer in enumerate(LAYERS):
        if part in layer:
            return rank
    raise AssertionError(f"{part} is in no layer of LAYERS: place it there")


@pytest.mark.parametrize(
    "path", [p for p in SOURCES if p.relative_to(ROOT).parts[0] in FOLDERS], ids=_rel)
def test_imports_go_down_the_layers_only(path: Path) -> None:
    """domain < common < store < vendors, sync, projections < registry < configuration,
    alerts, observability < wiring < actions < service < CLI: a back-edge is a build failure."""
    module = ".".join(("ordertrail", *path.relative_to(ROOT).with_suffix("").parts))
    own = _part(module)
    wrong = sorted(
        name for name in imports_of(path)
        if name.startswith("ordertrail.") and _part(name) != own
        and _rank(_part(name)) >= _rank(own)
    )
    assert not wrong, f"{_rel(path)} ({own}) imports {wrong}: not below it in LAYERS"


def _code_words(path: Path) -> set[str]:
    """The names, imported modules and string constants of ``path``'s code (docstrings and
    comments left out: they may cite a vendor's spec)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree)  # a string as a statement
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, ast.alias):
            words.add(node.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            words.add(node.module)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings):
            words.add(node.value)
    return words


NEUTRAL = sorted(
    p for folder in ("domain", "adapters", "projections", "migrations", "ordertrail")
    for p in (ROOT / folder).rglob("*.py")
    if not (folder == "adapters" and p.relative_to(ROOT / "adapters").parts[0] in VENDORS)
    and p != ROOT / "adapters" / "registry.py")


@pytest.mark.parametrize("path", NEUTRAL, ids=_rel)
def test_no_code_outside_a_vendors_folder_and_the_registry_names_a_vendor(path: Path) -> None:
    """A vendor is one folder and one registry line: the rest asks the registry."""
    named = sorted(w for w in _code_words(path) if any(v in w.lower() for v in VENDORS))
    assert not named, f"{_rel(path)} names a vendor: {named}"


def _state_sets(path: Path) -> list[int]:
    """Lines of ``path`` that write a set of ``State`` members by hand (a set of one, or a
    tuple or list of two or more)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Set | ast.Tuple | ast.List):
            continue
        members = sum(isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name)
                      and e.value.id in {"State", "S"} for e in node.elts)
        if members >= (1 if isinstance(node, ast.Set) else 2):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    "path", [p for p in SOURCES if p.relative_to(ROOT).parts[0] in FOLDERS
             and _rel(p) not in ("domain/state_machine.py", "domain/states.py")], ids=_rel)
def test_sets_of_states_come_from_the_lifecycle_table(path: Path) -> None:
    """The sync engine, the vendors, the CLI and the read models ask the table
    (``states_allowing``, ``POLLED_STATES``...) instead of listing states again."""
    assert not _state_sets(path), f"{_rel(path)} lists states by hand at {_state_sets(path)}"


def test_no_file_names_a_path_of_the_machine_it_was_written_on() -> None:
    """Paths outside the checkout (``<parent of the checkout>/...``, a home folder) would not
    exist on a user's machine: commands and docs name paths relative to the repository."""
    outside = {str(ROOT.parent) + "/", str(Path.home()) + "/"}
    found = []
    for path in sorted(p for p in ROOT.rglob("*") if p.is_file()):
        rel = path.relative_to(ROOT)
        if rel.parts[0].startswith(".") or path.suffix in {".db", ".png", ".pyc"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [f"{rel}: {where}" for where in outside if where in text]
    assert not found, found
