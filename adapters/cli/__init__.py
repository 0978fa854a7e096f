"""The ``ordertrail`` command: a thin caller of the tracker, the sync engine and the read models."""
