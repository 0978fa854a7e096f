"""The read models beside the four core ones (order_status, attention, audit_log,
vendor_daily, which share one fold): each listed here is folded, stored, rebuilt and verified
by the runner through ``ordertrail.projections.read_model.ReadModel``."""

from __future__ import annotations

from ordertrail.projections import vendor_health
from ordertrail.projections.read_model import ReadModel

READ_MODELS: tuple[ReadModel, ...] = (
    vendor_health.READ_MODEL,
)
