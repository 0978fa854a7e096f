"""The errors the read side raises on purpose."""

from __future__ import annotations

from ordertrail.domain.errors import OrdertrailError


class ReadModelError(OrdertrailError):
    """Base of the read side's errors."""


class DuplicateDeliveryError(ReadModelError):
    """The database refused a batch: its position was already applied (or another runner moved on)."""

    def __init__(self, name: str, expected: int) -> None:
        self.name = name
        self.expected = expected
        super().__init__(
            f"projection {name!r} is no longer at position {expected}: the batch was already "
            "applied (another runner?) and was refused"
        )


class ReadModelSchemaError(ReadModelError):
    """The read-model schema is not at the migration head and upgrading was not allowed."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        super().__init__(
            f"read-model schema is at revision {current or 'base (empty)'}, head is {head}; "
            "run `ordertrail migrate` or allow auto-upgrade"
        )


class ProjectionError(ReadModelError):
    """An event could not be projected (e.g. an order event before the order's creation)."""
