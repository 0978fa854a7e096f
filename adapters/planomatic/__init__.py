"""PlanOmatic PlanOcore "Orders Pay and submit" (seed 004): client, outcomes, simulator."""

from __future__ import annotations

from ordertrail.adapters.planomatic.plugin import PLUGIN

__all__ = ["PLUGIN"]
