"""attention: what a person must act on, per order (one row per cause).

Depends on order_status: its fold reads each order's row after each event.
"""
