"""ordertrail: one trustworthy, replayable record of every order placed with outside vendors.

    import ordertrail
    tracker = ordertrail.open_tracker("sqlite:///orders.db")
    order_id = tracker.request_order("<vendor>", {...}, idempotency_key="invoice-2291")

The names below are the public API. They are imported when first used, so that
``import ordertrail`` (and the ``ordertrail`` command's ``--help``) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_HOME = {
    "open_tracker": "ordertrail.adapters.store",
    "StoreConfigError": "ordertrail.adapters.store",
    "StoreUnavailableError": "ordertrail.adapters.store",
    "Tracker": "ordertrail.domain.tracker",
    "Outcome": "ordertrail.domain.tracker",
    "OrderView": "ordertrail.domain.views",
    "EventView": "ordertrail.domain.views",
    "State": "ordertrail.domain.state_machine",
    "commands": "ordertrail.domain",
    "Source": "ordertrail.domain.vocabulary",
    "Initiator": "ordertrail.domain.vocabulary",
    "Classification": "ordertrail.domain.vocabulary",
    "AttentionKind": "ordertrail.domain.vocabulary",
    "HoldCause": "ordertrail.domain.vocabulary",
    "OrdertrailError": "ordertrail.domain.errors",
    "DomainError": "ordertrail.domain.errors",
    "TransitionRefused": "ordertrail.domain.errors",
    "OrderNotFoundError": "ordertrail.domain.errors",
    "IdempotencyConflictError": "ordertrail.domain.errors",
    "VendorReferenceConflictError": "ordertrail.domain.errors",
    "InvalidCommandError": "ordertrail.domain.errors",
    "UnknownVendorError": "ordertrail.domain.errors",
    "MalformedOrderIdError": "ordertrail.domain.errors",
    "ConcurrencyError": "ordertrail.domain.errors",
}

__all__ = [
    "AttentionKind",
    "Classification",
    "ConcurrencyError",
    "DomainError",
    "EventView",
    "HoldCause",
    "IdempotencyConflictError",
    "Initiator",
    "InvalidCommandError",
    "MalformedOrderIdError",
    "OrderNotFoundError",
    "OrderView",
    "OrdertrailError",
    "Outcome",
    "Source",
    "State",
    "StoreConfigError",
    "StoreUnavailableError",
    "Tracker",
    "TransitionRefused",
    "UnknownVendorError",
    "VendorReferenceConflictError",
    "commands",
    "open_tracker",
]

if TYPE_CHECKING:
    from ordertrail.adapters.store import StoreConfigError, StoreUnavailableError, open_tracker
    from ordertrail.domain import commands
    from ordertrail.domain.errors import (
        ConcurrencyError,
        DomainError,
        IdempotencyConflictError,
        InvalidCommandError,
        MalformedOrderIdError,
        OrderNotFoundError,
        OrdertrailError,
        TransitionRefused,
        UnknownVendorError,
        VendorReferenceConflictError,
    )
    from ordertrail.domain.state_machine import State
    from ordertrail.domain.tracker import Outcome, Tracker
    from ordertrail.domain.views import EventView, OrderView
    from ordertrail.domain.vocabulary import (
        AttentionKind,
        Classification,
        HoldCause,
        Initiator,
        Source,
    )


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'ordertrail' has no attribute {name!r}")
    module = import_module(home)
    value = getattr(module, name, None)
    if value is None:  # a submodule (commands), not yet imported
        value = import_module(f"{home}.{name}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
