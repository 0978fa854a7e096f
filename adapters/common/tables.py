"""Decode one TOML table into its msgspec Struct, reporting every problem, not the first.

msgspec stops at the first error, so each key is converted on its own against its field's
type (a user fixing a file wants the whole list), then the whole table is converted, which
runs the Struct's cross-key checks (``__post_init__``). Each problem is one line naming the
file, the table, the key, the value and what is expected. Values of ``*_env`` keys that are
not variable names are not shown: they may be the secret itself.
"""

from __future__ import annotations

import json
import os
import re
import types
import typing
from collections.abc import Iterator
from typing import Any, TypeVar

import msgspec

from ordertrail.adapters.common.config_types import Check, SecretFormat

S = TypeVar("S", bound=msgspec.Struct)
_PLAIN = {bool: "true or false", str: "a string", int: "a whole number", float: "a number"}
_CREDENTIALS_IN_URL = re.compile(r"(://[^/@:\s]*:)[^/@\s]*@")


def decode_table(source: str, name: str, data: object, kind: type[S]) -> tuple[S | None, list[str]]:
    """``data`` as a ``kind``, or None and every problem with it."""
    where = f"{source}: [{name}]"
    if not isinstance(data, dict):
        return None, [f"{where} must be a table, not {shown('', data)}"]
    fields = {f.encode_name: f for f in msgspec.structs.fields(kind)}
    problems = []
    for key, value in data.items():
        field = fields.get(key)
        nested = _struct(field.type) if field is not None else None
        if field is None:
            problems.append(f"{where} unknown key {key!r} (known: {', '.join(fields)})")
        elif nested is not None and isinstance(value, dict):  # a sub-table: [name.key]
            problems.extend(decode_table(source, f"{name}.{key}", value, nested)[1])
        else:
            problems.extend(_check(f"{where} {key}", key, value, field.type))
    problems += [f"{where} {key} is missing: expected {describe(f.type)}"
                 for key, f in fields.items() if f.required and key not in data]
    if problems:
        return None, problems
    try:
        return msgspec.convert(data, kind), []
    except msgspec.ValidationError as error:  # a cross-key check of the Struct
        return None, [f"{where} {str(error).removesuffix(' - at `$`')}"]


def _check(where: str, key: str, value: Any, kind: Any) -> list[str]:
    try:
        msgspec.convert(value, kind)
        for check in _metadata(kind, Check):
            if value is not None:
                check.test(value)
    except (msgspec.ValidationError, ValueError):
        return [f"{where} = {shown(key, value)}: expected {describe(kind)}"]
    return []


def describe(kind: Any) -> str:
    """What a field of type ``kind`` expects, in words."""
    for meta in _metadata(kind, msgspec.Meta):
        if meta.description:
            return meta.description
    base = _unwrap(kind)
    if typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    return _PLAIN.get(base, "a value")


def shown(key: str, value: Any) -> str:
    """``value`` as TOML would write it, short, with no password in a URL; ``*_env`` hidden."""
    if key.endswith("_env") and not (isinstance(value, str) and value.isidentifier()):
        return "(not shown: it may be the secret itself)"
    text = json.dumps(value, default=str, ensure_ascii=False)
    text = _CREDENTIALS_IN_URL.sub(r"\1***@", text)
    return text if len(text) <= 80 else text[:77] + "..."


def env_problems(source: str, name: str, table: msgspec.Struct) -> list[str]:
    """Every ``*_env`` key of ``table`` whose variable is unset, or holds the wrong form."""
    found = (env_problem(f"{source}: [{name}] {key}", kind, env_var)
             for key, kind, env_var in env_keys(table))
    return [problem for problem in found if problem is not None]


def env_problem(where: str, kind: Any, env_var: str) -> str | None:
    """What is wrong with the variable ``env_var`` an ``*_env`` key of type ``kind`` names."""
    value = os.environ.get(env_var, "").strip()
    where = f"{where} names environment variable {env_var}"
    if not value:
        return f"{where}, which is not set"
    for secret in _metadata(kind, SecretFormat):
        if not secret.test(value):
            return f"{where}, whose value is not {secret.expected}"
    return None


def env_keys(table: msgspec.Struct) -> Iterator[tuple[str, Any, str]]:
    """(key, type, variable name) of each ``*_env`` key set in ``table``."""
    for field in msgspec.structs.fields(table):
        value = getattr(table, field.name)
        if field.encode_name.endswith("_env") and value:
            yield field.encode_name, field.type, value


def _struct(kind: Any) -> type[msgspec.Struct] | None:
    """The Struct class of a field typed ``Struct`` or ``Struct | None``, else None."""
    base = _unwrap(kind)
    return base if isinstance(base, type) and issubclass(base, msgspec.Struct) else None


def _unwrap(kind: Any) -> Any:
    """``X`` of ``X | None``."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return next(a for a in args if a is not type(None))
    return kind


T = TypeVar("T")


def _metadata(kind: Any, of: type[T]) -> list[T]:
    """The ``of`` items in ``kind``'s ``Annotated`` metadata (through ``X | None``)."""
    base = _unwrap(kind)
    if typing.get_origin(base) is not typing.Annotated:
        return []
    return [item for item in base.__metadata__ if isinstance(item, of)]


def tuned(table: msgspec.Struct, names: tuple[str, ...]) -> dict[str, Any]:
    """The tuning keys (timeouts, retries, limits) ``table`` sets, by their runtime names."""
    return {name: getattr(table, name) for name in names if getattr(table, name) is not None}
