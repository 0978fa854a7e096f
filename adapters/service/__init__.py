"""The ``ordertrail serve`` HTTP service: the PPW Link receiver and a read-only JSON API."""
