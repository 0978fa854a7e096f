"""A credential that never shows itself in a repr, a log line or an error message."""

from __future__ import annotations

import os

from ordertrail.domain.errors import OrdertrailError


class MissingSecretError(OrdertrailError):
    def __init__(self, env_var: str, what: str) -> None:
        self.env_var = env_var
        super().__init__(f"{what}: environment variable {env_var} is not set")


class Secret:
    """Wraps a secret string. ``str``/``repr`` show ``***``; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @classmethod
    def from_env(cls, env_var: str, what: str) -> Secret:
        value = os.environ.get(env_var)
        if not value:
            raise MissingSecretError(env_var, what)
        return cls(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")
