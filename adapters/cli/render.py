"""Human output as rich tables, machine output as JSON: one place for both.

Tables fit the terminal (80 columns when it is not one): ids are shortened to ``SHORT_ID``
characters (any command takes such a prefix back) and never wrapped, long text wraps
between words and a word too long for its column is cut with an ellipsis, never split.
Times are shown with their zone: ``--tz``'s, else this machine's. JSON keeps everything
whole: full ids, ISO times with their offset.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from ordertrail.adapters.cli.main import OPTIONS
from ordertrail.adapters.common.jsonable import print_json as print_json  # the CLI's --json
from ordertrail.adapters.common.jsonable import to_jsonable as to_jsonable

SHORT_ID = 8
ID_COLUMNS = frozenset({"order", "order id"})
console = Console()
errors = Console(stderr=True)


def display_zone() -> tzinfo | None:
    """The zone ``--tz`` chose for this command, or None for this machine's."""
    context = click.get_current_context(silent=True)
    name = context.find_root().meta.get(OPTIONS, {}).get("tz") if context else None
    return ZoneInfo(name) if name else None


def when(value: datetime) -> str:
    """A time as people read it, with its zone (a naive one is UTC, as the stores keep it)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    shown = aware.astimezone(display_zone())
    return shown.strftime("%Y-%m-%d %H:%M:%S ") + (shown.strftime("%Z") or shown.strftime("%z"))


def short_id(value: Any) -> str:
    """An order id as tables show it: its first ``SHORT_ID`` characters."""
    return "" if value is None else str(value)[:SHORT_ID]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dict | list | tuple) and not hasattr(value, "_asdict"):
        return json.dumps(to_jsonable(value), ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                wide: Collection[str] = (), optional: Sequence[str] = ()) -> None:
    """A table that fits the terminal. ``wide`` columns (free text) take the width the others
    leave; ``optional`` ones are left out, in that order, while the table cannot fit without
    cutting words (the caption says which; --json has everything)."""
    cells = [[cell(v) for v in row] for row in rows]
    kept, widths = fit(columns, cells, wide, optional, console.width)
    table = Table(title=title, show_lines=False, header_style="bold")
    for i, width in zip(kept, widths, strict=True):
        table.add_column(columns[i], width=width, overflow="ellipsis",
                         no_wrap=columns[i] in ID_COLUMNS)
    for row in cells:
        table.add_row(*(row[i] for i in kept))
    hidden = [c for i, c in enumerate(columns) if i not in kept]
    if not cells:
        table.caption = "(none)"
    elif hidden:
        table.caption = f"not shown at this width: {', '.join(hidden)} (--json has them)"
    console.print(table)


MIN_WIDE = 16
"""A free-text column is not squeezed below this while another column can give way."""
LONGEST_WORD = 24
"""A word longer than this may be cut (with an ellipsis) rather than widen its column."""


def fit(columns: Sequence[str], cells: list[list[str]], wide: Collection[str],
        optional: Sequence[str], total: int) -> tuple[list[int], list[int]]:
    """Which columns to show and how wide, so that the table (borders included) fits
    ``total`` characters without splitting a word: every column as wide as its longest value
    while they fit; else the others give way down to their longest word (widest first, ids
    never), then ``optional`` columns are left out, then free text gives way too."""
    def floor(i: int) -> int:
        header = max((len(word) for word in columns[i].split()), default=1)
        if columns[i] in ID_COLUMNS:
            return max(header, SHORT_ID)
        words = [len(word) for row in cells for word in row[i].split()]
        return max(header, min(max(words, default=0), LONGEST_WORD))

    natural = {i: max([floor(i), *(len(row[i]) for row in cells)]) for i in range(len(columns))}
    kept = list(range(len(columns)))

    def room() -> int:
        return total - (3 * len(kept) + 1)  # a border and two spaces of padding per column

    if sum(natural.values()) <= room():
        return kept, [natural[i] for i in kept]
    free = {i for i, c in enumerate(columns) if c in wide}
    widths = {i: max(floor(i), min(natural[i], MIN_WIDE)) if i in free else natural[i]
              for i in kept}

    def squeeze(among: set[int], least: Callable[[int], int] = floor) -> None:
        while sum(widths[i] for i in kept) > room():
            able = [i for i in kept if i in among and widths[i] > least(i)]
            if not able:
                return
            widths[max(able, key=lambda i: widths[i])] -= 1

    squeeze({i for i in kept if i not in free})
    for name in optional:
        if sum(widths[i] for i in kept) <= room():
            break
        if name in columns:
            kept.remove(columns.index(name))
    squeeze(set(kept))
    squeeze({i for i in kept if columns[i] not in ID_COLUMNS}, lambda i: 3)  # words cut, ids kept
    spare = room() - sum(widths[i] for i in kept)
    for i in sorted(kept, key=lambda i: i not in free):  # free text first, then the others
        extra = max(min(spare, natural[i] - widths[i]), 0)
        widths[i] += extra
        spare -= extra
    return kept, [widths[i] for i in kept]
