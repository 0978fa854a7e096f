"""Wait for new events: LISTEN/NOTIFY on PostgreSQL, a plain sleep on SQLite.

The PostgreSQL waiter never trusts notifications alone: every wait ends after
``timeout`` at the latest (the polling fallback), and a dropped connection is
reopened on the next wait, so a lost notification costs one poll interval.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg import sql

from ordertrail.adapters.store import StoreURL

log = logging.getLogger(__name__)

APPLICATION_NAME = "ordertrail-projections-listen"
"""How the LISTEN connection shows in pg_stat_activity."""


class Waiter:
    """Sleeps until ``timeout`` or ``stop``; the SQLite recorder has no subscription."""

    def wait(self, stop: threading.Event, timeout: float) -> None:
        stop.wait(timeout)

    def close(self) -> None:
        pass


class NotifyWaiter(Waiter):
    """Returns as soon as the store NOTIFYs ``channel``, or after ``timeout``."""

    def __init__(self, url: str, channel: str) -> None:
        self.store = StoreURL.parse(url)
        self.channel = channel
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def wait(self, stop: threading.Event, timeout: float) -> None:
        fresh = self._conn is None
        conn = self._connection()
        if conn is None:
            stop.wait(timeout)
            return
        if fresh:
            return  # events may have come before LISTEN took effect: let the caller look once
        try:
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                pass
        except psycopg.Error as error:
            log.warning("lost the LISTEN connection (%s); polling until it is back", error)
            self.close()

    def _connection(self) -> psycopg.Connection[tuple[object, ...]] | None:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            conn = psycopg.connect(
                host=self.store.host, port=self.store.port, dbname=self.store.dbname,
                user=self.store.user or "postgres", password=self.store.password or None,
                autocommit=True, connect_timeout=5, application_name=APPLICATION_NAME,
            )
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        except psycopg.Error as error:
            log.warning("cannot LISTEN for new events (%s); polling", error)
            return None
        self._conn = conn
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def waiter_for(url: str, channel: str | None) -> Waiter:
    """The best waiter for the store at ``url`` (``channel``: the recorder's NOTIFY channel)."""
    if channel is not None and StoreURL.parse(url).kind == "postgresql":
        return NotifyWaiter(url, channel)
    return Waiter()
