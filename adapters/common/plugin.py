"""What a vendor is to the rest of ordertrail: one plugin object with a few named hooks.

Each vendor package exports one (``PLUGIN``); ``ordertrail.adapters.registry`` lists them in
one tuple, and configuration, wiring, the sync engine, the command line, the service, the
console, the alerts and the demo ask the registry instead of naming a vendor. A plugin's
module stays light to import (``ordertrail --help`` lists vendor commands without importing
aiohttp or msgspec): its hooks import the vendor's client, wire types and tables when called.

``PluginBase`` gives every optional hook its "this vendor has none" answer, so a plugin only
writes the hooks its vendor has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

if TYPE_CHECKING:
    import aiohttp
    import msgspec
    from aiohttp import web

    from ordertrail.adapters.common.polled import PolledVendor
    from ordertrail.domain.commands import AnyCommand
    from ordertrail.domain.tracker import Tracker
    from ordertrail.domain.views import OrderView


@dataclass(frozen=True)
class VendorSettings:
    """What a plugin builds its client, adapter or receiver from: its decoded
    ``[vendors.<name>]`` table and the parts of the rest of the configuration it may use."""

    name: str
    table: Any
    """The decoded table, an instance of ``plugin.table()`` (None when not configured: only
    ``cancel`` and the vendor's own commands are called then)."""
    secret: Callable[[str], str]
    """The value of the variable a ``*_env`` key of the table names (a ConfigError naming the
    file, table and variable when unset or malformed)."""
    source: str = "(defaults)"
    """The configuration file, for messages."""
    concurrency: int | None = None
    """``[sync] concurrency``: requests in flight per vendor (None: the adapter's own)."""
    store_url: str = ""
    results_dir: Path = Path("results")
    max_body_bytes: int = 1024 * 1024
    """``[service] max_body_bytes``: the largest request a receiver accepts."""


@dataclass(frozen=True)
class VendorCommand:
    """A command line group of the vendor's own, imported only when it runs (as the CLI's
    own commands are): ``target`` is ``"module:attribute"`` of a ``click.Command``."""

    name: str
    target: str
    help: str
    """Its one-line help, exactly the command's own first docstring line (a test checks)."""


class Receiver(Protocol):
    """A vendor that calls us: the aiohttp app serving its calls, mounted at ``path``."""

    @property
    def vendor(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def app(self) -> web.Application: ...

    def observe(self, count: Callable[[str, str], None]) -> None:
        """Call ``count(event, outcome)`` for each request the receiver answers."""
        ...

    def close(self) -> None: ...


class ActionContext(Protocol):
    """What a vendor's own action needs: the tracker and the vendor's settings."""

    def tracker(self) -> Tracker: ...


@dataclass(frozen=True)
class DemoTally:
    """What one vendor's simulator saw in the demo: how many things, and the most made for any
    one order (more than one is something done twice)."""

    total: int
    most_per_order: int
    line: str

    def __str__(self) -> str:
        return self.line


class DemoRun(Protocol):
    """One vendor's simulator, running for ``ordertrail demo``."""

    def adapter(self, session: aiohttp.ClientSession) -> PolledVendor | None:
        """The adapter the demo's sync engine drives, pointed at the simulator (None for a
        vendor that calls us)."""
        ...

    async def after_pass(self, tracker: Tracker, n: int) -> None:
        """What the vendor does on its own after sync pass ``n`` (calling our receiver...)."""
        ...

    def settled(self, view: OrderView) -> bool:
        """Nothing more happens to ``view`` until the vendor's people act (beyond ordertrail's
        own rule: terminal, a person's task, or deferred to tomorrow)."""
        ...

    def tally(self) -> DemoTally: ...


class VendorDemo(Protocol):
    """A vendor's share of ``ordertrail demo``: its orders and its simulator on loopback."""

    def orders(self) -> list[tuple[str, dict[str, Any]]]:
        """(idempotency key, request) of each order the demo places with the vendor."""
        ...

    def start(self, tracker: Tracker, workdir: Path, session: aiohttp.ClientSession,
              order_ids: list[UUID]) -> AbstractAsyncContextManager[DemoRun]:
        """The simulator, running until the block ends; ``order_ids`` are the placed orders
        (in the order of ``orders()``)."""
        ...


class VendorPlugin(Protocol):
    """One vendor: its name, configuration, reference kind, how to build it, its hooks."""

    @property
    def name(self) -> str:
        """Lowercase identifier: the ``vendor`` of its orders and its ``[vendors.<name>]``."""
        ...

    @property
    def title(self) -> str:
        """The vendor's name as people write it."""
        ...

    @property
    def ref_kind(self) -> str:
        """The ``vendor_ref_kind`` of its order references (``<name>.<what>``)."""
        ...

    @property
    def polled(self) -> bool:
        """True when ``ordertrail sync`` calls the vendor; False when the vendor calls us."""
        ...

    @property
    def answers_here(self) -> bool:
        """True when a person answers the vendor's questions through ordertrail (``choose``)."""
        ...

    @property
    def has_cancel_route(self) -> bool:
        """True when ``cancel`` asks the vendor itself to cancel a placed order."""
        ...

    @property
    def stuck_after(self) -> Mapping[str, timedelta]:
        """The vendor's normal lead times: past these in a state, an order is stuck."""
        ...

    @property
    def commands(self) -> Sequence[VendorCommand]:
        """Command line groups of its own (``ordertrail <name> ...``)."""
        ...

    @property
    def colour(self) -> str:
        """The console's colour for its charts (``#rrggbb``)."""
        ...

    def table(self) -> type[msgspec.Struct]:
        """The ``[vendors.<name>]`` table's type."""
        ...

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        """Why the vendor would refuse ``request`` (naming the field), or None."""
        ...

    def base_url(self, table: Any) -> str | None:
        """The URL ``ordertrail sync`` calls (probed before each pass), or None."""
        ...

    def build(self, settings: VendorSettings, session: aiohttp.ClientSession) -> PolledVendor | None:
        """The adapter ``ordertrail sync`` drives, or None for a vendor that calls us."""
        ...

    def receiver(self, tracker: Tracker, settings: VendorSettings) -> Receiver | None:
        """The receiver of a vendor that calls us, or None."""
        ...

    def receiver_path(self, table: Any) -> str | None:
        """Where its receiver is mounted (checked before the receiver is built), or None."""
        ...

    def cancel(self, ctx: ActionContext, settings: VendorSettings, order_id: UUID,
               reason: str | None) -> str:
        """Ask the vendor to cancel the order (only when ``has_cancel_route``); what was done."""
        ...

    async def answer(self, settings: VendorSettings, view: OrderView,
                     choice: str) -> list[AnyCommand]:
        """Give the vendor a person's answer (only when ``answers_here``); the commands that
        record it once accepted."""
        ...

    def demo(self) -> VendorDemo | None:
        """Its part of ``ordertrail demo``, or None."""
        ...


@dataclass(frozen=True)
class PluginBase:
    """The optional hooks' defaults: a polled vendor with no commands, receiver, cancel route,
    questions or demo of its own. Subclass it and write the required hooks."""

    name: str
    title: str
    ref_kind: str
    polled: bool = True
    answers_here: bool = False
    has_cancel_route: bool = False
    stuck_after: Mapping[str, timedelta] = field(default_factory=dict)
    commands: Sequence[VendorCommand] = ()
    colour: str = "#555555"

    def table(self) -> type[msgspec.Struct]:
        raise NotImplementedError

    def request_problem(self, request: Mapping[str, Any]) -> str | None:
        return None

    def base_url(self, table: Any) -> str | None:
        url = getattr(table, "base_url", None)
        return None if url is None else str(url)

    def build(self, settings: VendorSettings, session: aiohttp.ClientSession) -> PolledVendor | None:
        return None

    def receiver(self, tracker: Tracker, settings: VendorSettings) -> Receiver | None:
        return None

    def receiver_path(self, table: Any) -> str | None:
        return None

    def cancel(self, ctx: ActionContext, settings: VendorSettings, order_id: UUID,
               reason: str | None) -> str:
        raise NotImplementedError(f"{self.name} has no cancel route")

    async def answer(self, settings: VendorSettings, view: OrderView,
                     choice: str) -> list[AnyCommand]:
        raise NotImplementedError(f"{self.name} questions are answered at the vendor")

    def demo(self) -> VendorDemo | None:
        return None
