"""A self-contained HTML report: inline SVG charts, no scripts, no external files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from html import escape
from typing import Any

_PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac", "#2f4b7c"]


def bar_chart(title: str, values: Mapping[str, float], unit: str = "") -> str:
    """A horizontal bar chart as an inline SVG element."""
    items = list(values.items())
    width, bar_height, label_width = 640, 22, 190
    height = max(1, len(items)) * (bar_height + 6) + 30
    top = max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = 26 + i * (bar_height + 6)
        length = (width - label_width - 90) * (value / top)
        colour = _PALETTE[i % len(_PALETTE)]
        parts.append(f'<text x="0" y="{y + 16}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{colour}"><title>{escape(label)}: {value:g}{unit}</title></rect>'
        )
        x = label_width + length + 6
        parts.append(f'<text x="{x:.1f}" y="{y + 16}">{value:g}{unit}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(
    states: Mapping[str, int],
    lead_times: Mapping[str, tuple[float | None, float | None]],
    daily_columns: Sequence[str],
    daily_rows: Sequence[Sequence[Any]],
    attention_rows: Sequence[Sequence[Any]],
    stuck: tuple[Sequence[str], Sequence[Sequence[Any]]] = ((), ()),
) -> str:
    """The whole page. ``lead_times`` maps vendor -> (p50, p95) in seconds; ``stuck`` is the
    stuck orders' (columns, rows)."""
    p50 = {v: round(t[0], 1) for v, t in lead_times.items() if t[0] is not None}
    p95 = {v: round(t[1], 1) for v, t in lead_times.items() if t[1] is not None}
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ordertrail report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0 2rem; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 14px; }}
th {{ background: #f3f3f3; }} svg {{ display: block; margin: 1rem 0; font-size: 13px; }}
</style></head><body>
<h1>ordertrail report</h1><p>Generated {generated}.</p>
<h2>Orders by state</h2>{bar_chart("Orders by state", states)}
<h2>Lead time, placed to delivered</h2>
{bar_chart("p50 lead time per vendor", p50, " s")}
{bar_chart("p95 lead time per vendor", p95, " s")}
<h2>Per vendor and day</h2>{table(daily_columns, daily_rows)}
<h2>Needs a person</h2>{table(["order", "vendor", "reason", "since"], attention_rows)}
<h2>Stuck orders, past their state's age limit</h2>{table(stuck[0], stuck[1])}
</body></html>
"""
