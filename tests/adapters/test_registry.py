"""The vendor registry: one tuple of plugins, each one complete, light to import, and the
one door for a vendor of an embedder's own."""

from __future__ import annotations

import subprocess
import sys

import msgspec
import pytest

from ordertrail.adapters import registry
from ordertrail.adapters.common.plugin import PluginBase
from ordertrail.domain.errors import UnknownVendorError
from ordertrail.domain.state_machine import State


@pytest.mark.parametrize("plugin", registry.VENDORS, ids=lambda p: p.name)
def test_every_shipped_plugin_declares_what_the_rest_of_ordertrail_asks_of_it(
        plugin: registry.VendorPlugin) -> None:
    assert plugin.name.isidentifier() and plugin.name == plugin.name.lower()
    assert plugin.ref_kind.startswith(f"{plugin.name}.")
    assert issubclass(plugin.table(), msgspec.Struct)
    assert {State(s) for s in plugin.stuck_after}  # every key is a state
    assert plugin.colour.startswith("#") and len(plugin.colour) == 7
    demo = plugin.demo()
    assert demo is not None and demo.orders()


def test_the_registry_lists_each_vendor_once_and_names_them_when_one_is_unknown() -> None:
    assert registry.names() == ("planviewer", "ppw", "ivcap", "planomatic")
    assert registry.plugin(" IVCAP ").name == "ivcap"
    with pytest.raises(UnknownVendorError, match=r"'acme' \(known: planviewer, ppw, ivcap, "
                                                 r"planomatic\)"):
        registry.plugin("acme")


def test_an_embedder_registers_a_vendor_for_a_block_and_cannot_take_a_name_twice() -> None:
    extra = PluginBase(name="extra", title="Extra", ref_kind="extra.id")
    with registry.registered(extra):
        assert registry.plugin("extra") is extra and registry.names()[-1] == "extra"
        with pytest.raises(ValueError, match="already registered"):
            registry.register(PluginBase(name="extra", title="Again", ref_kind="extra.id"))
    assert registry.find("extra") is None
    with pytest.raises(ValueError, match="already registered"):
        registry.register(PluginBase(name="ppw", title="PPW again", ref_kind="ppw.x"))
    with pytest.raises(UnknownVendorError):
        registry.register(PluginBase(name="not a name", title="Bad", ref_kind="x"))


def test_importing_the_registry_imports_no_heavy_library() -> None:
    code = ("import sys; import ordertrail.adapters.registry as r; r.names(); "
            "print([m for m in ('aiohttp', 'msgspec', 'eventsourcing', 'sqlalchemy', 'rich') "
            "if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
