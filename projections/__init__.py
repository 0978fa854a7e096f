"""Read models fed exactly once from the event store, and the queries over them.

    runner = ProjectionRunner(tracker, url)   # catch_up(), follow(stop), rebuild()
    models = open_read_models(url)            # list_orders(OrderFilter(...)), attention(), ...

Each read model is a folder (``order_status/``, ``attention/``, ...) listed in ``registry``.
Nothing runs at import time.
"""

from ordertrail.projections.attention.rows import AttentionItem
from ordertrail.projections.audit_log.rows import AuditRow
from ordertrail.projections.errors import (
    DuplicateDeliveryError,
    ProjectionError,
    ReadModelError,
    ReadModelSchemaError,
)
from ordertrail.projections.order_status.rows import OrderFilter, OrderStatusRow, StuckLimits
from ordertrail.projections.queries import ReadModels, open_read_models
from ordertrail.projections.runner import ProjectionRunner
from ordertrail.projections.vendor_daily.rows import VendorDayReport

__all__ = [
    "AttentionItem",
    "AuditRow",
    "DuplicateDeliveryError",
    "OrderFilter",
    "OrderStatusRow",
    "ProjectionError",
    "ProjectionRunner",
    "ReadModelError",
    "ReadModelSchemaError",
    "ReadModels",
    "StuckLimits",
    "VendorDayReport",
    "open_read_models",
]
