"""The ``ordertrail serve`` HTTP service: a vendor's receiver and the JSON API behind its token."""
