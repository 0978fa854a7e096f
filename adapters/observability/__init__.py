"""Watching ordertrail run: structured logs, Prometheus metrics, health and readiness.

``logs`` configures structlog for the command line (stderr, text or JSON); ``metrics`` holds
one process's counters and histograms, ``collector`` reads the gauges from the read models at
scrape time, ``health`` decides readiness, ``routes`` serves ``/healthz``, ``/readyz`` and
``/metrics``, ``sync_watch`` is the sync engine's observer and ``access`` the HTTP access log.
``ordertrail.adapters.cli.watch`` runs it all (and the alert sender) beside ``serve`` and
``sync --follow``.
"""
