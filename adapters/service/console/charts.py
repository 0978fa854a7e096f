"""Inline SVG charts for the report page: colours mean an outcome (the state colours of
``states``) or name a vendor (one fixed colour each), never a row's position.

Each chart scales to its container (``viewBox`` with ``width=100%``), so it fits at 420 px.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

from ordertrail.adapters.registry import find

OUTCOMES = (("completed", "done"), ("placed", "waiting"), ("declined", "person"),
            ("rejected", "failed"), ("failed", "failed"), ("cancelled", "failed"))
"""Report counters drawn per vendor, each with the colour class of what it means."""
_OTHER = "#555555"


def vendor_colour(vendor: str) -> str:
    """The colour the vendor's plugin declares (grey for a vendor no longer registered)."""
    plugin = find(vendor)
    return _OTHER if plugin is None else plugin.colour


def outcome_bars(totals: Mapping[str, Mapping[str, int]]) -> Markup:
    """One group of horizontal bars per vendor: how many orders reached each outcome."""
    rows = [(vendor, name, meaning, counts.get(name, 0))
            for vendor, counts in totals.items() for name, meaning in OUTCOMES]
    top = max((n for *_, n in rows), default=0) or 1
    width, label, bar = 600, 170, 16
    height = 10 + len(rows) * (bar + 4) + len(totals) * 10
    parts = [_open("Orders per vendor and outcome", width, height)]
    y = 10
    for i, (vendor, name, meaning, count) in enumerate(rows):
        if i and i % len(OUTCOMES) == 0:
            y += 10
        length = (width - label - 50) * count / top
        parts.append(f'<text x="0" y="{y + 12}">{escape(vendor)} {escape(name)}</text>'
                     f'<rect class="m-{meaning}" x="{label}" y="{y}" width="{length:.1f}" '
                     f'height="{bar}"><title>{escape(vendor)} {escape(name)}: {count}</title></rect>'
                     f'<text x="{label + length + 4:.1f}" y="{y + 12}">{count}</text>')
        y += bar + 4
    parts.append("</svg>")
    return Markup("".join(parts))


def trend(days: Sequence[str], series: Mapping[str, Sequence[int]], title: str) -> Markup:
    """A line per vendor over ``days`` (one value per day), with a legend."""
    width, height, left, bottom, top_pad = 600, 220, 36, 30, 24
    peak = max((v for values in series.values() for v in values), default=0) or 1
    step = (width - left - 10) / max(1, len(days) - 1)
    plot = height - bottom - top_pad

    def point(i: int, value: int) -> str:
        return f"{left + i * step:.1f},{top_pad + plot - plot * value / peak:.1f}"

    parts = [_open(title, width, height),
             f'<line x1="{left}" y1="{top_pad + plot}" x2="{width - 10}" y2="{top_pad + plot}" '
             'stroke="#999"/>',
             f'<text x="0" y="{top_pad + 4}">{peak}</text><text x="0" y="{top_pad + plot}">0</text>']
    for i, day in enumerate(days):
        if len(days) <= 8 or i % max(1, len(days) // 6) == 0 or i == len(days) - 1:
            anchor = "end" if i == len(days) - 1 and i else "start" if i == 0 else "middle"
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - 8}" '
                         f'text-anchor="{anchor}">{escape(day[5:])}</text>')
    for n, (vendor, values) in enumerate(series.items()):
        colour = vendor_colour(vendor)
        points = " ".join(point(i, v) for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{points}">'
                     f'<title>{escape(vendor)}</title></polyline>')
        parts.extend(f'<circle cx="{point(i, v).split(",")[0]}" cy="{point(i, v).split(",")[1]}" '
                     f'r="3" fill="{colour}"><title>{escape(vendor)} {escape(days[i])}: {v}'
                     f'</title></circle>' for i, v in enumerate(values))
        parts.append(f'<rect x="{left + n * 120}" y="4" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + n * 120 + 14}" y="13">{escape(vendor)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, width: int, height: int) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" width="100%" '
            f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
            f'xmlns="http://www.w3.org/2000/svg">')
