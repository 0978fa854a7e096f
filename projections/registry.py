"""Every read model the runner folds, stores, rebuilds and verifies: one line each.

Each is one folder behind ``ordertrail.projections.read_model.ReadModel``; the runner takes
them in dependency order (``ORDERED``), whatever their order here.
"""

from __future__ import annotations

from ordertrail.projections.attention import model as attention
from ordertrail.projections.audit_log import model as audit_log
from ordertrail.projections.connectors import model as connectors
from ordertrail.projections.order_status import model as order_status
from ordertrail.projections.read_model import AnyReadModel, ordered
from ordertrail.projections.vendor_daily import model as vendor_daily
from ordertrail.projections.vendor_health import model as vendor_health

READ_MODELS: tuple[AnyReadModel, ...] = (
    order_status.READ_MODEL,
    attention.READ_MODEL,
    audit_log.READ_MODEL,
    vendor_daily.READ_MODEL,
    connectors.READ_MODEL,
    vendor_health.READ_MODEL,
)

ORDERED: tuple[AnyReadModel, ...] = ordered(READ_MODELS)
"""``READ_MODELS``, each after those it depends on."""
