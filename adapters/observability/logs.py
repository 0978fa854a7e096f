"""Structured logs on stderr, as text for people or JSON for machines (``--log-format``).

Every command configures logging once (``configure``); our modules log through structlog
(``get_logger``) or the standard library, and both come out through one structlog
formatter, so the library warnings look like our own lines. The libraries that would log
statements with their parameters (SQLAlchemy, psycopg, alembic) stay at WARNING whatever the
level: their debug output carries order data, and it is not ours to show.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal, TextIO

import structlog

from ordertrail.adapters.observability.choices import FORMATS, LEVELS

__all__ = ["FORMATS", "LEVELS", "configure"]
Format = Literal["text", "json"]
QUIET = ("sqlalchemy", "alembic", "psycopg", "asyncio", "eventsourcing", "urllib3")
"""Loggers kept at WARNING at any level (their debug lines hold SQL parameters)."""


def configure(level: str = "info", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send every log line, ours and the libraries', to ``stream`` (stderr) as ``fmt``."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (structlog.processors.JSONRenderer() if fmt == "json"
                     else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared,
                    structlog.stdlib.PositionalArgumentsFormatter(),
                    structlog.processors.format_exc_info,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.processors.format_exc_info],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    """A structlog logger named ``name`` (key=value fields, one line per call)."""
    return structlog.stdlib.get_logger(name)
