"""audit_log: one flat row per event, in store order (depends on order_status for the
state each event left)."""
