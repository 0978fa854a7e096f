"""vendor_daily: counters per vendor, UTC day and metric, and the report built on them
(depends on order_status for each order's vendor and what each event changed)."""
