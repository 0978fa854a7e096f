"""IVCAP Orders API (seed 003): polled analytics orders with downloadable products."""
