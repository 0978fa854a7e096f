"""``--log-level`` and ``--log-format``: global options that may also follow the subcommand.

Click reads a group's options only before the subcommand's name, so ``hoist`` moves these two
(and their values) to the front of the arguments first: ``ordertrail sync --follow
--log-format json`` and ``ordertrail --log-format json sync --follow`` mean the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ordertrail.adapters.observability.choices import FORMATS, LEVELS

NAMES = ("--log-level", "--log-format")
F = TypeVar("F", bound=Callable[..., Any])


def options(command: F) -> F:
    """Add both options to the group ``command``."""
    command = click.option(
        "--log-level", type=click.Choice(LEVELS, case_sensitive=False), default="info",
        show_default=True, help="Least severe log line written to stderr.")(command)
    return click.option(
        "--log-format", type=click.Choice(FORMATS), default="text", show_default=True,
        help="Log lines as text for people or JSON for machines.")(command)


def hoist(args: list[str]) -> list[str]:
    """``args`` with every ``--log-level``/``--log-format`` (before any ``--``) moved first."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in NAMES and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        (front if arg.split("=", 1)[0] in NAMES else rest).append(arg)
        i += 1
    return front + rest
