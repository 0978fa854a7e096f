"""order_status: one row per order, now (its state, vendor reference, attention, times).

The read model the others depend on: its fold hands them each order's row before and after
each of the batch's events (``fold.OrderChanges``).
"""
