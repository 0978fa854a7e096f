"""The one exception hierarchy of ordertrail's domain.

Every message is one line that names what went wrong and where.
"""

from __future__ import annotations

from typing import Any


class OrdertrailError(Exception):
    """Base of every error ordertrail raises on purpose."""


class DomainError(OrdertrailError):
    """A rule of the order ledger was broken, or a name was not understood."""


class TransitionRefused(DomainError):
    """The lifecycle table does not allow this command in the order's state."""

    def __init__(self, order_id: Any, state: Any, command: str, detail: str = "") -> None:
        self.order_id = order_id
        self.state = state
        self.command = command
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"order {order_id} in state {state} refuses {command}{suffix}")


class OrderNotFoundError(DomainError):
    def __init__(self, order_id: Any) -> None:
        self.order_id = order_id
        super().__init__(f"no order with id {order_id}")


class UnknownVendorError(DomainError):
    """No vendor is called so: ``known`` lists those that are (the adapters' registry knows
    them; the domain checks only that a name is a lowercase identifier)."""

    def __init__(self, name: Any, known: tuple[str, ...] = ()) -> None:
        self.name = name
        self.known = known
        what = (f"known: {', '.join(known)}" if known
                else "a vendor's name is a lowercase identifier")
        super().__init__(f"unknown vendor {name!r} ({what})")


class MalformedOrderIdError(DomainError):
    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__(f"malformed order id {value!r}: expected a UUID")


class UnknownStateError(DomainError):
    def __init__(self, value: Any) -> None:
        self.value = value
        super().__init__(f"unknown order state {value!r}")


class UnknownEventTopicError(DomainError):
    def __init__(self, topic: str, where: str = "") -> None:
        self.topic = topic
        at = f" at {where}" if where else ""
        super().__init__(f"stored event{at} has unknown topic {topic!r}")


class InvalidCommandError(DomainError):
    """A command's arguments are wrong in themselves (negative progress, empty ref...)."""


class VendorReferenceConflictError(DomainError):
    def __init__(self, vendor: str, vendor_ref: str, owner: Any, claimant: Any) -> None:
        self.vendor = vendor
        self.vendor_ref = vendor_ref
        self.owner = owner
        self.claimant = claimant
        super().__init__(
            f"{vendor} reference {vendor_ref!r} already belongs to order {owner}; "
            f"order {claimant} cannot claim it"
        )


class IdempotencyConflictError(DomainError):
    def __init__(self, vendor: str, key: str, order_id: Any) -> None:
        self.vendor = vendor
        self.key = key
        self.order_id = order_id
        super().__init__(
            f"idempotency key {key!r} for {vendor} already names order {order_id} "
            "with a different request"
        )


class ConcurrencyError(DomainError):
    """Another writer kept changing the same order; retries were exhausted."""
