"""Planviewer Product API (seeds 000, 001): polled jobs for Dutch property reports."""

from __future__ import annotations

from ordertrail.adapters.planviewer.plugin import PLUGIN

__all__ = ["PLUGIN"]
