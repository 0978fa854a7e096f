"""The vendors ordertrail knows: one tuple of plugins, and the one way to add another.

Everything that needs "which vendors are there" (configuration, wiring, the command line, the
service, the console, the alerts, the demo) asks here; only this module names the vendors.
An embedder (or a test) with a vendor of its own calls ``register(plugin)``, or uses
``registered(plugin)`` to have it for a ``with`` block only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ordertrail.adapters.common.plugin import VendorPlugin
from ordertrail.adapters.ivcap import PLUGIN as IVCAP
from ordertrail.adapters.planomatic import PLUGIN as PLANOMATIC
from ordertrail.adapters.planviewer import PLUGIN as PLANVIEWER
from ordertrail.adapters.ppw import PLUGIN as PPW
from ordertrail.domain.errors import UnknownVendorError
from ordertrail.domain.vendors import Vendor

VENDORS: tuple[VendorPlugin, ...] = (PLANVIEWER, PPW, IVCAP, PLANOMATIC)
"""The vendors that ship with ordertrail, in the order they are listed to people."""
_added: list[VendorPlugin] = []


def plugins() -> tuple[VendorPlugin, ...]:
    """Every registered vendor: the shipped ones, then those ``register`` added."""
    return (*VENDORS, *_added)


def names() -> tuple[str, ...]:
    return tuple(p.name for p in plugins())


def find(name: str) -> VendorPlugin | None:
    """The plugin called ``name`` (exactly), or None."""
    return next((p for p in plugins() if p.name == name), None)


def plugin(name: str) -> VendorPlugin:
    """The plugin called ``name`` (any case, spaces trimmed); UnknownVendorError naming the
    registered vendors when there is none."""
    found = find(name) or find(Vendor.parse(name, known=names()))
    if found is None:
        raise UnknownVendorError(name, names())
    return found


def known(name: str) -> str:
    """``name`` as its vendor's registered name; UnknownVendorError when none is called so."""
    return plugin(name).name


def register(extra: VendorPlugin) -> None:
    """Add a vendor (an embedder's own); ValueError when its name is taken or malformed."""
    Vendor.parse(extra.name)
    if extra.name != extra.name.strip().lower() or find(extra.name) is not None:
        raise ValueError(f"a vendor called {extra.name!r} is already registered or the name "
                         "is not a lowercase identifier")
    _added.append(extra)


def unregister(name: str) -> None:
    """Remove a vendor ``register`` added (the shipped ones stay)."""
    _added[:] = [p for p in _added if p.name != name]


@contextmanager
def registered(extra: VendorPlugin) -> Iterator[VendorPlugin]:
    """``extra`` registered for the ``with`` block only."""
    register(extra)
    try:
        yield extra
    finally:
        unregister(extra.name)
