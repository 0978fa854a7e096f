"""IVCAP Orders API (seed 003): polled analytics orders with downloadable products."""

from __future__ import annotations

from ordertrail.adapters.ivcap.plugin import PLUGIN

__all__ = ["PLUGIN"]
