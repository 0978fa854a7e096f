"""An order named on a command line: its whole id, or a unique prefix of it.

Tables show ids shortened to eight characters, so every command that takes an order takes
a prefix of at least ``MIN_PREFIX`` characters; two orders sharing it is a usage error that
lists them (exit 2), none is the usual "no order" (exit 1).
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import click

from ordertrail.domain.errors import MalformedOrderIdError, OrderNotFoundError
from ordertrail.domain.vendors import parse_order_id

MIN_PREFIX = 6
SHOWN = 5
"""At most this many candidates are named in the ambiguity message."""
_PREFIX = re.compile(r"[0-9a-f-]+")


class OrderPrefixError(click.ClickException):
    """A prefix too short, or shared by several orders: the user's to fix (exit 2, one line).
    Here rather than in the CLI so that every command module (a vendor's own too) can name orders."""

    exit_code = 2


def resolve_order(app: Any, text: str) -> UUID:
    """The order ``text`` names: a whole id as it is, else the one order whose id starts
    with it (dashes optional, any case). A bad configuration is reported first, then a
    malformed id, then a missing store (``app.tracker()``)."""
    app.config  # noqa: B018 (a bad file or store URL is the first thing to fix)
    wanted = text.strip().lower()
    try:
        return parse_order_id(wanted)
    except MalformedOrderIdError:
        if not _PREFIX.fullmatch(wanted):
            raise
    if len(wanted.replace("-", "")) < MIN_PREFIX:
        raise OrderPrefixError(f"order id prefix {text!r} is too short: give at least "
                           f"{MIN_PREFIX} characters")
    bare = wanted.replace("-", "")
    found = [oid for chunk in app.tracker().order_id_chunks() for oid in chunk
             if oid.hex.startswith(bare)]
    if not found:
        raise OrderNotFoundError(text)
    if len(found) > 1:
        named = ", ".join(str(oid) for oid in found[:SHOWN])
        more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        raise OrderPrefixError(f"order id prefix {text!r} matches {len(found)} orders: "
                           f"{named}{more}; give more characters")
    return UUID(str(found[0]))
