"""A msgspec mapper: events to compact JSON and back, with exact types restored.

The library's JSON transcoder tags every UUID, datetime and Decimal as it
walks the object. This mapper instead encodes with msgspec in one C call and
decodes back through each class's own type hints, so an event comes back with
the same UUID, timezone-aware datetime and Decimal it was saved with. Snapshots
decode their state through the aggregate class's hints the same way.
Upcasting (``class_version`` / ``upcast_vN_vN+1``), compression and the cipher
stay the library's.
"""

from __future__ import annotations

import typing
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import CanSnapshotAggregate
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import TopicError, get_topic, resolve_topic

from ordertrail.adapters.store.frozen import from_fields
from ordertrail.domain.errors import UnknownEventTopicError

_ENVELOPE = frozenset({"originator_id", "originator_version"})
_AGGREGATE_BASE_STATE = {"_created_on": datetime, "_modified_on": datetime}
_AGGREGATE_VALUES = {**_AGGREGATE_BASE_STATE, "_version": int}

_decoder = msgspec.json.Decoder()


def _encode_hook(obj: Any) -> Any:
    if isinstance(obj, frozenset | set | tuple):
        return list(obj)
    raise TypeError(f"cannot store a value of type {type(obj).__name__} in an event")


_encoder = msgspec.json.Encoder(enc_hook=_encode_hook, decimal_format="string")


@cache
def _state_type(cls: type[Any], extra: tuple[tuple[str, Any], ...] = ()) -> type[msgspec.Struct]:
    """A msgspec Struct with one field per annotated attribute of ``cls``."""
    hints = {k: v for k, v in typing.get_type_hints(cls).items() if k not in _ENVELOPE}
    hints.pop("TOPIC", None)
    hints.update(dict(extra))
    fields = [(name, hint, None) for name, hint in hints.items() if not _is_classvar(hint)]
    return msgspec.defstruct(f"{cls.__name__}State", fields, kw_only=True)


def encode_values(values: tuple[Any, ...]) -> bytes:
    """An aggregate's attribute values as one JSON array, each encoded as an event's are."""
    return _encoder.encode(values)


def undeclared(cls: type[Any], names: tuple[str, ...]) -> list[str]:
    """Those of the attributes ``names`` of an aggregate of class ``cls`` without a declared
    type (``values_decoder`` cannot decode them)."""
    hints = _value_hints(cls)
    return [name for name in names if name not in hints or _is_classvar(hints[name])]


@cache
def values_decoder(cls: type[Any], names: tuple[str, ...]) -> msgspec.json.Decoder[Any] | None:
    """A decoder of ``encode_values`` of the attributes ``names`` of an aggregate of class
    ``cls``: each value back to its declared type, as a snapshot's state is decoded (so
    the values are those the store would give back). None when one is ``undeclared``."""
    if undeclared(cls, names):
        return None
    hints = _value_hints(cls)
    return msgspec.json.Decoder(tuple[tuple(hints[name] for name in names)])  # type: ignore[misc]


def _value_hints(cls: type[Any]) -> dict[str, Any]:
    return {**typing.get_type_hints(cls), **_AGGREGATE_VALUES}


def _is_classvar(hint: Any) -> bool:
    return typing.get_origin(hint) is typing.ClassVar


def _typed(
    state: dict[str, Any], cls: type[Any], extra: tuple[tuple[str, Any], ...] = ()
) -> dict[str, Any]:
    struct_type = _state_type(cls, extra)  # type: ignore[arg-type]  # classes hash
    known = {k: v for k, v in state.items() if k in struct_type.__struct_fields__}
    typed = msgspec.structs.asdict(msgspec.convert(known, struct_type))
    # Keys the class does not declare pass through untouched.
    return {**state, **{k: typed[k] for k in known}}


class MsgspecMapper(Mapper[UUID]):
    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        topic = get_topic(type(domain_event))
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        data = _encoder.encode(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return from_fields(StoredEvent, {  # a third of this method as StoredEvent(...)
            "originator_id": originator_id, "originator_version": originator_version,
            "topic": topic, "state": data,
        })

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            cls = resolve_topic(stored_event.topic)
        except TopicError:
            raise UnknownEventTopicError(stored_event.topic, _where(stored_event)) from None
        data = stored_event.state
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state: dict[str, Any] = _decoder.decode(data)
        except Exception as error:
            msg = f"cannot decode stored event {_where(stored_event)} ({stored_event.topic}): {error}"
            raise MapperDeserialisationError(msg) from error
        class_version = getattr(cls, "class_version", 1)
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        try:
            state = _typed(state, cls)
            if issubclass(cls, CanSnapshotAggregate):
                state["state"] = self._typed_snapshot_state(state)
        except (msgspec.ValidationError, TopicError) as error:
            msg = (f"stored event {_where(stored_event)} ({stored_event.topic}) does not fit "
                   f"its class: {error}")
            raise MapperDeserialisationError(msg) from error
        oid = stored_event.originator_id
        state["originator_id"] = oid if isinstance(oid, UUID) else UUID(str(oid))
        state["originator_version"] = stored_event.originator_version
        return from_fields(cls, state)

    @staticmethod
    def _typed_snapshot_state(snapshot: dict[str, Any]) -> dict[str, Any]:
        aggregate_cls = resolve_topic(snapshot["topic"])
        return _typed(snapshot["state"], aggregate_cls, tuple(_AGGREGATE_BASE_STATE.items()))


def _where(stored_event: StoredEvent) -> str:
    """Which stored event, for an error message (made only when one is raised: every read of
    an order decodes each of its events)."""
    return f"{stored_event.originator_id} v{stored_event.originator_version}"
