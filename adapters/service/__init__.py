"""The ``ordertrail serve`` HTTP service: the PPW Link receiver and the JSON API behind its token."""
