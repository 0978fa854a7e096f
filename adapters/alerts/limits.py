"""How long an order may wait on a vendor in each state before it counts as stuck.

The defaults hold for every vendor; each vendor's own (its normal lead times) come from its
plugin, and ``[alerts.stuck_after]`` in the configuration overrides both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from ordertrail.adapters.registry import plugins
from ordertrail.projections import StuckLimits

DEFAULT_STUCK_AFTER: dict[str, timedelta] = {
    "REQUESTED": timedelta(minutes=15),
    "SUBMISSION_UNCERTAIN": timedelta(0),
    "PLACED": timedelta(hours=1),
    "IN_PROGRESS": timedelta(days=1),
    "DELIVERED": timedelta(hours=1),
}
"""States that wait on a vendor (or, uncertain, on a person at once), with their limits."""


def vendor_stuck_after() -> dict[str, dict[str, timedelta]]:
    """Each registered vendor's own limits (its plugin's ``stuck_after``)."""
    return {plugin.name: dict(plugin.stuck_after) for plugin in plugins()}


def stuck_limits(
    configured: Mapping[str, timedelta] | None = None,
    configured_by_vendor: Mapping[str, Mapping[str, timedelta]] | None = None,
) -> StuckLimits:
    """The limits in force, most specific first: the configuration's for a vendor and state,
    the configuration's for a state, the vendor's own, the defaults."""
    overrides = dict(configured or {})
    by_vendor = {
        vendor: {state: limit for state, limit in limits.items() if state not in overrides}
        for vendor, limits in vendor_stuck_after().items()
    }
    for vendor, limits in (configured_by_vendor or {}).items():
        by_vendor.setdefault(vendor, {}).update(limits)
    return StuckLimits({**DEFAULT_STUCK_AFTER, **overrides}, by_vendor)


def configured_limits(
    seconds: Mapping[str, float], by_vendor: Mapping[str, Mapping[str, float]]
) -> StuckLimits:
    """The limits in force under ``[alerts.stuck_after]``: ``seconds`` per state for every
    vendor, ``by_vendor`` per vendor and state (``StuckAfterTable.limits``/``by_vendor``)."""
    return stuck_limits(
        {state: timedelta(seconds=s) for state, s in seconds.items()},
        {vendor: {state: timedelta(seconds=s) for state, s in limits.items()}
         for vendor, limits in by_vendor.items()},
    )
