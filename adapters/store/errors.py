"""Why a store could not be opened: its configuration, or the store itself."""

from __future__ import annotations

from ordertrail.domain.errors import OrdertrailError


class StoreConfigError(OrdertrailError):
    """The store URL or a store option is wrong."""


class StoreUnavailableError(OrdertrailError):
    """The store could not be opened (unreachable server, locked or unreadable file)."""
