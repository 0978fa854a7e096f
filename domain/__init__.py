"""ordertrail's domain: the Order aggregate, its lifecycle table and the tracker.

Plain Python on the ``eventsourcing`` library: no HTTP, no SQL drivers, no adapters.
"""
