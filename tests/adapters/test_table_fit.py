"""The CLI's table layout (adapters/cli/render.py ``fit``): any table fits the terminal, ids
are kept whole, and a table that fits as it is is left as it is."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ordertrail.adapters.cli.render import SHORT_ID, fit

WORDS = st.text(alphabet="abcdefghij_-.:", min_size=1, max_size=30)
CELL = st.lists(WORDS, max_size=6).map(" ".join)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], set[str], list[str], int]:
    names = draw(st.lists(st.sampled_from(["vendor", "state", "raw status", "reason", "since",
                                           "details", "kind", "vendor ref", "progress"]),
                          min_size=1, max_size=7, unique=True))
    columns = ["order", *names]
    rows = [[f"{draw(st.integers(0, 2**32 - 1)):08x}", *(draw(CELL) for _ in names)]
            for _ in range(draw(st.integers(0, 6)))]
    wide = set(draw(st.lists(st.sampled_from(names), max_size=2)))
    optional = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
    return columns, rows, wide, optional, draw(st.integers(60, 160))


@given(tables())
def test_any_table_fits_and_keeps_its_ids_whole(
    table: tuple[list[str], list[list[str]], set[str], list[str], int]
) -> None:
    columns, rows, wide, optional, total = table
    kept, widths = fit(columns, rows, wide, optional, total)
    assert kept[0] == 0 and widths[0] >= SHORT_ID  # the id column is always shown, whole
    assert all(w >= 1 for w in widths)
    assert set(columns[i] for i in range(len(columns)) if i not in kept) <= set(optional)
    assert sum(widths) + 3 * len(kept) + 1 <= total  # borders and padding included


@given(tables())
def test_a_table_that_fits_as_it_is_is_left_alone(
    table: tuple[list[str], list[list[str]], set[str], list[str], int]
) -> None:
    columns, rows, wide, optional, _ = table
    kept, widths = fit(columns, rows, wide, optional, 10_000)
    assert kept == list(range(len(columns)))
    assert all(widths[i] >= max([len(r[i]) for r in rows], default=0) for i in kept)
