"""A vendor added from outside: the toy vendor of ``toy_vendor.py`` is registered, configured,
ordered from with ``ordertrail place`` and driven by ``ordertrail sync`` to COMPLETED with its
result on disk, over real HTTP on loopback and a real SQLite store; nothing outside ``tests/``
names it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ordertrail.adapters import registry
from ordertrail.adapters.cli.main import run
from ordertrail.adapters.store import open_tracker
from ordertrail.domain.errors import UnknownVendorError
from tests.integration import toy_vendor
from tests.integration.toy_vendor import RESULT, TOKEN, ToySim, serving


@pytest.fixture
def toy() -> Iterator[registry.VendorPlugin]:
    with registry.registered(toy_vendor.PLUGIN) as plugin:
        yield plugin


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, ToySim]]:
    monkeypatch.setenv("TOY_TOKEN", TOKEN)
    sim = ToySim()
    with serving(sim) as url:
        file = tmp_path / "ordertrail.toml"
        file.write_text(f'[store]\nurl = "sqlite:///{(tmp_path / "o.db").as_posix()}"\n'
                        f'[results]\ndir = "results"\n'
                        f'[vendors.toy]\nbase_url = "{url}"\ntoken_env = "TOY_TOKEN"\n',
                        encoding="utf-8")
        yield file, sim


def ordertrail(config: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run(["--config", str(config), *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out + out.err


def test_a_registered_fifth_vendor_goes_from_place_through_sync_to_completed_with_its_result(
    toy: registry.VendorPlugin, config: tuple[Path, ToySim], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file, sim = config
    code, said = ordertrail(file, "--json", "place", "toy", "--key", "t-1", "--field",
                            "item=widget", capsys=capsys)
    assert code == 0, said
    order_id = json.loads(said)["order_id"]
    for _ in range(5):
        code, said = ordertrail(file, "sync", capsys=capsys)
        assert code == 0, said
        shown = ordertrail(file, "--json", "show", order_id, capsys=capsys)[1]
        if json.loads(shown)["state"] == "COMPLETED":
            break
    view = json.loads(shown)
    assert view["state"] == "COMPLETED", view
    assert view["vendor"] == "toy" and view["vendor_ref"] == "toy-1"
    assert sim.created_per_name == {order_id: 1}  # submitted once, at most once
    files = [p for p in (tmp_path / "results").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in files] == [RESULT]
    tracker = open_tracker(f"sqlite:///{tmp_path / 'o.db'}")
    try:
        history = [e.type for e in tracker.history(tracker.get_order(order_id).id)]
    finally:
        tracker.close()
    assert history[0] == "OrderRequested" and history[-1] == "ResultRetrieved"


def test_the_fifth_vendors_own_check_refuses_a_request_it_would_refuse(
    toy: registry.VendorPlugin, config: tuple[Path, ToySim], capsys: pytest.CaptureFixture[str],
) -> None:
    code, said = ordertrail(config[0], "place", "toy", "--field", "colour=red", capsys=capsys)
    assert code == 2 and "toy would refuse this request: item" in said


def test_an_unregistered_vendor_is_refused_naming_the_registered_ones(
    toy: registry.VendorPlugin,
) -> None:
    assert "toy" in registry.names()
    with pytest.raises(UnknownVendorError, match=r"'acme' \(known: planviewer, .*toy\)"):
        registry.plugin("acme")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(toy)


def test_without_registering_it_the_toy_table_is_an_unknown_vendor(
    config: tuple[Path, ToySim], capsys: pytest.CaptureFixture[str],
) -> None:
    assert "toy" not in registry.names()
    code, said = ordertrail(config[0], "place", "toy", "--field", "item=x", capsys=capsys)
    assert code == 1 and "unknown vendor 'toy' (known: planviewer, ppw, ivcap, planomatic)" in said
    code, said = ordertrail(config[0], "config", "check", capsys=capsys)
    assert code == 2 and "unknown vendor table [vendors.toy]" in said
