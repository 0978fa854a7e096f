"""Read models fed exactly once from the event store, and the queries over them.

    runner = ProjectionRunner(tracker, url)   # catch_up(), follow(stop), rebuild()
    models = open_read_models(url)            # list_orders(OrderFilter(...)), attention(), ...

Nothing runs at import time.
"""

from ordertrail.projections.errors import (
    DuplicateDeliveryError,
    ProjectionError,
    ReadModelError,
    ReadModelSchemaError,
)
from ordertrail.projections.queries import ReadModels, open_read_models
from ordertrail.projections.rows import (
    AttentionItem,
    AuditRow,
    OrderFilter,
    OrderStatusRow,
    StuckLimits,
    VendorDayReport,
)
from ordertrail.projections.runner import ProjectionRunner

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
