"""Decode stored order events straight into small per-topic msgspec Structs.

The full mapper (``ordertrail.adapters.store.mapper``) decodes to a dict, converts it to a
typed Struct, copies that back to a dict and builds a domain event. Here one C call turns
the stored JSON into a Struct of the same class's fields, typed by the same hints, an order
of magnitude faster (bench/README.md). The folds read
these Structs like the domain events they stand for: same class name, same
``TOPIC``, same attribute names and types.

Only data that fits exactly takes this path. A stored event with a missing or
unknown field, a value of the wrong type, an older ``class_version`` (it needs
its upcaster) or anything else odd goes to the full mapper instead, which
upcasts it or raises its own typed error, so the fast path never accepts what
the mapper would refuse. A store with a cipher or compressor has no fast path.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, ClassVar, TypeGuard, TypeVar, cast
from uuid import UUID

import msgspec
from eventsourcing.persistence import Mapper, StoredEvent

from ordertrail.domain.connector import Connector
from ordertrail.domain.events import ORDER_EVENT_CLASSES, OrderEvent
from ordertrail.domain.views import COMMON_EVENT_FIELDS

ENVELOPE = ("originator_id", "originator_version")
COMMON_FIELDS = COMMON_EVENT_FIELDS
"""The fields every order event has; an audit summary lists the others (``DETAILS``)."""


class EventStruct(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """Base of the per-topic Structs: the envelope is set after decoding."""

    TOPIC: ClassVar[str]
    CLASS_VERSION: ClassVar[int]
    DETAILS: ClassVar[tuple[str, ...]]
    """The event's own fields, in declaration order (the order the mapper stores them)."""

    originator_id: UUID = msgspec.field(default=None)  # type: ignore[assignment]
    originator_version: int = 0
    class_version: int = 1


def _is_classvar(hint: Any) -> bool:
    return typing.get_origin(hint) is typing.ClassVar


def struct_for(cls: type[OrderEvent]) -> type[EventStruct]:
    """A Struct named and typed like ``cls``: every field required, no other field allowed."""
    hints = {
        name: hint for name, hint in typing.get_type_hints(cls).items()
        if name not in ENVELOPE and name != "TOPIC" and not _is_classvar(hint)
    }
    namespace = {
        "TOPIC": cls.TOPIC,
        "CLASS_VERSION": getattr(cls, "class_version", 1),
        "DETAILS": tuple(name for name in hints if name not in COMMON_FIELDS),
    }
    fields = [(name, hint) for name, hint in hints.items()]
    struct = msgspec.defstruct(
        cls.__name__, fields, bases=(EventStruct,), namespace=namespace, kw_only=True,
        forbid_unknown_fields=True, gc=False)
    assert issubclass(struct, EventStruct)
    return struct


STRUCTS: dict[str, type[EventStruct]] = {cls.TOPIC: struct_for(cls) for cls in ORDER_EVENT_CLASSES}

OrderFact = OrderEvent
"""How the folds type an order event: the domain event, or its per-topic Struct, which has the
same class name, ``TOPIC``, attribute names and types (``struct_for``). A fold tells them apart
by ``TOPIC`` and reads an event type's own fields through ``as_event`` (never ``isinstance``)."""

Decoded = OrderFact | Connector.Event
"""One event of a batch: an order's (``OrderFact``) or a vendor account's connector's."""

E = TypeVar("E", bound=OrderEvent)


def as_event(cls: type[E], event: OrderFact) -> E:
    """``event``, known by its ``TOPIC`` to be a ``cls``, typed as one (no runtime check)."""
    return cast(E, event)


def is_connector_event(event: Decoded) -> TypeGuard[Connector.Event]:
    return CONNECTOR_CLASSES[type(event)]


class _ConnectorClasses(dict[type, bool]):
    """Whether a class is a connector's event class, worked out once per class: ``isinstance``
    against the library's event classes goes through their metaclass, which a batch's
    folds would pay on every event."""

    def __missing__(self, cls: type) -> bool:
        found = self[cls] = issubclass(cls, Connector.Event)
        return found


CONNECTOR_CLASSES = _ConnectorClasses()
"""``CONNECTOR_CLASSES[type(event)]``: whether ``event`` is a connector's."""


class FastDecoder:
    """``decode(topic, originator_id, version, state)``: a Struct, or the mapper's event."""

    def __init__(self, mapper: Mapper[UUID]) -> None:
        self.mapper = mapper
        self.fast = mapper.cipher is None and mapper.compressor is None
        self._decoders: dict[str, Callable[[bytes], EventStruct]] = {
            topic: msgspec.json.Decoder(struct).decode for topic, struct in STRUCTS.items()
        }

    def decode(self, topic: str, originator_id: UUID, version: int, state: bytes) -> OrderFact:
        decode = self._decoders.get(topic) if self.fast else None
        if decode is not None:
            try:
                event = decode(state)
            except msgspec.MsgspecError:
                pass
            else:
                if event.class_version == event.CLASS_VERSION:
                    event.originator_id = originator_id
                    event.originator_version = version
                    return cast(OrderFact, event)  # it stands for its domain event
        return self.slow(topic, originator_id, version, state)

    def connector_event(self, topic: str, originator_id: UUID, version: int,
                        state: bytes) -> Connector.Event:
        """A connector's event, through the full mapper (they are few)."""
        event = self.mapper.to_domain_event(StoredEvent(originator_id, version, topic, state))
        assert isinstance(event, Connector.Event), topic
        return event

    def slow(self, topic: str, originator_id: UUID, version: int, state: bytes) -> OrderEvent:
        """The full mapper: upcasting, cipher, compression and its typed errors."""
        event = self.mapper.to_domain_event(StoredEvent(originator_id, version, topic, state))
        assert isinstance(event, OrderEvent), topic
        return event
