"""Frozen dataclass instances made from a dict of their fields.

A frozen dataclass's ``__init__`` sets each field with ``object.__setattr__``, one at a
time; the library's events, its ``StoredEvent`` and our views all are such classes, and
building them was a large part of appending an order, recording a command and listing open
orders. ``from_fields`` hands the instance its ``__dict__`` whole instead. The caller
guarantees ``fields`` holds exactly the class's fields (no defaults are filled in, and
``__post_init__`` does not run).
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def from_fields(cls: type[T], fields: dict[str, Any]) -> T:
    instance = object.__new__(cls)
    object.__setattr__(instance, "__dict__", fields)
    return instance
