"""The receiver's own state: report ids, what to offer PPW, the push URL.

Kept in a small SQLite file owned by this package, not in ``domain/``: it is
PPW-protocol bookkeeping (which transaction id goes with which instruction,
which unsigned integer PPW knows an order by), not a fact about an order. The
order facts (offered, fetched, acked, placed...) are recorded in the tracker.

Report ids are a mapping, not derived from the order id: sequential unsigned
integers from ``first_report_id`` (PPW's examples are 8-digit numbers and PPW
may keep them in a 32-bit column, which a 64-bit hash of a UUID would
overflow). A unique constraint keeps each stable for the order's life;
``assign_report_id`` pins one (migrating an existing integration, contract tests).

New PPW orders are discovered by following the tracker's notification log
(``sync``): each ``OrderRequested`` for vendor ``ppw`` gets a report id and a
"new" offer with a fresh transaction id; an order that leaves REQUESTED by any
route stops being offered as new, and a terminal order stops being offered at
all. Every write is idempotent, so re-reading the log is harmless.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from ordertrail.adapters.ppw.sealing import Sealer
from ordertrail.adapters.store import StoreURL
from ordertrail.domain import events as ev
from ordertrail.domain.state_machine import State
from ordertrail.domain.tracker import Tracker

if TYPE_CHECKING:
    from eventsourcing.persistence import Cipher

NEW, UPDATE, RTV, COMPLETE, CANCEL = "new", "update", "rtv", "complete", "cancel"
WO_STATUS = {NEW: "Unread", UPDATE: "Update", RTV: "RTV", COMPLETE: "Complete", CANCEL: "Cancel"}
_WATCHED = (ev.OrderRequested, ev.OrderPlaced, ev.OrderRejected, ev.Cancelled, ev.Failed,
            ev.StatusChanged, ev.ResultRetrieved)
_SCHEMA = """
create table if not exists ppw_state (key text primary key, value text not null);
create table if not exists ppw_orders (
    order_id text primary key,
    report_id integer not null unique check (report_id >= 0),
    wo_number text,
    org_wo_num text
);
create table if not exists ppw_offers (
    transaction_id text primary key,
    order_id text not null references ppw_orders (order_id),
    kind text not null,
    field text,
    value text,
    changed_at real not null,
    open integer not null default 1,
    offered integer not null default 0,
    fetched integer not null default 0,
    ack_outcome text
);
create index if not exists ppw_offers_open on ppw_offers (open, kind, changed_at);
create unique index if not exists ppw_offers_one_new on ppw_offers (order_id) where kind = 'new';
"""


@dataclass(frozen=True, slots=True)
class Offer:
    """One instruction to PPW, keyed by the transaction id PPW acks."""

    transaction_id: str
    order_key: str
    """The order id as stored (text); ``order_id`` parses it."""
    report_id: int
    wo_number: str
    org_wo_num: str | None
    kind: str
    field: str | None
    value: str | None
    open: bool
    offered: bool
    fetched: bool

    @property
    def order_id(self) -> UUID:
        return UUID(self.order_key)

    @property
    def wo_status(self) -> str:
        return WO_STATUS[self.kind]


_OFFER_COLUMNS = (
    "f.transaction_id, f.order_id, o.report_id, o.wo_number, o.org_wo_num, f.kind, f.field, "
    "f.value, f.open, f.offered, f.fetched"
)


def path_for(store_url: str, results_dir: Path) -> Path:
    """Where the bookkeeping file of the store at ``store_url`` lives: beside a SQLite store,
    else in the results directory."""
    store = StoreURL.parse(store_url)
    if store.kind == "sqlite" and store.path != ":memory:":
        return Path(f"{store.path}.ppw-link.sqlite3")
    results_dir.mkdir(parents=True, exist_ok=True)
    return results_dir / "ppw-link.sqlite3"


class PPWOutbox:
    def __init__(
        self,
        path: str | Path,
        *,
        transaction_ids: Callable[[], str] | None = None,
        first_report_id: int = 1,
        cipher: Cipher | None = None,
    ) -> None:
        """``cipher``: the store's (``tracker.cipher``), so no order text is kept in clear."""
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("pragma journal_mode = wal")
        self._db.execute("pragma synchronous = normal")
        self._db.executescript(_SCHEMA)
        self._sealer = Sealer(cipher)
        try:
            self._sealer.check(self._db, f"PPW bookkeeping file {path}")
        except BaseException:
            self._db.close()
            raise
        self._lock = threading.RLock()
        self._writes = 0
        """Our own commits; ``version`` adds SQLite's data_version for other connections'."""
        self._new_transaction_id = transaction_ids or (lambda: str(uuid4()))
        self._first_report_id = first_report_id

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("begin immediate")
            try:
                yield self._db
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")
            self._writes += 1

    def version(self) -> tuple[int, int]:
        """Changes whenever anything was committed to the outbox, by us or another process.

        Equal versions mean equal contents: a listing computed at one may be reused.
        """
        with self._lock:
            return self._writes, int(self._db.execute("pragma data_version").fetchone()[0])

    def _one(self, sql: str, *args: Any) -> Any:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return None if row is None else row[0]

    # ------------------------------------------------------------ receiver state
    def get_state(self, key: str) -> str | None:
        value = self._sealer.open(self._one("select value from ppw_state where key = ?", key))
        return None if value is None else str(value)

    def set_state(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("insert or replace into ppw_state (key, value) values (?, ?)",
                       (key, self._sealer.seal(value)))

    # ------------------------------------------------------------ report ids
    def assign_report_id(self, order_id: UUID, report_id: int | None = None) -> int:
        """The order's stable report id; pin one with ``report_id`` before PPW sees the order."""
        with self._tx() as db:
            return self._assign(db, order_id, report_id)

    def _assign(self, db: sqlite3.Connection, order_id: UUID, report_id: int | None) -> int:
        known = db.execute(
            "select report_id from ppw_orders where order_id = ?", (str(order_id),)
        ).fetchone()
        if known is not None:
            return int(known[0])
        if report_id is None:
            top = db.execute("select max(report_id) from ppw_orders").fetchone()[0]
            report_id = self._first_report_id if top is None else int(top) + 1
        db.execute(
            "insert into ppw_orders (order_id, report_id) values (?, ?)", (str(order_id), report_id)
        )
        return report_id

    def order_of(self, report_id: int) -> UUID | None:
        found = self._one("select order_id from ppw_orders where report_id = ?", report_id)
        return None if found is None else UUID(found)

    # ------------------------------------------------------------ following the tracker
    def is_current(self, tracker: Tracker) -> bool:
        """Whether ``sync`` has followed every notification the tracker's store holds (reads only)."""
        position = int(self.get_state("notification_position") or 0)
        return position >= tracker.last_position()

    def sync(self, tracker: Tracker, batch: int = 500) -> None:
        """Read the tracker's new notifications: new PPW orders, orders that left the offer.

        The position moves to the newest notification at the start, watched or not, so
        events this outbox ignores (offers, acks, other vendors) are passed over once, not
        scanned again on every call. Our recorders commit notifications in id order, so
        nothing at or below that newest id can still appear.
        """
        position = int(self.get_state("notification_position") or 0)
        top = tracker.last_position()
        while position < top:
            found = tracker.events_after(position, batch, stop=top, event_types=_WATCHED)
            with self._tx() as db:
                for _, event in found:
                    self._follow(db, event)
                position = found[-1][0] if len(found) == batch else top
                db.execute(
                    "insert or replace into ppw_state (key, value) values (?, ?)",
                    ("notification_position", str(position)),
                )

    def _follow(self, db: sqlite3.Connection, event: Any) -> None:
        if getattr(event, "vendor", None) != "ppw":
            return
        order_id = str(event.originator_id)
        if isinstance(event, ev.OrderRequested):
            request = event.vendor_request
            self._assign(db, event.originator_id, None)
            org = request.get("org_wo_num")
            db.execute(
                "update ppw_orders set wo_number = ?, org_wo_num = ? where order_id = ?",
                (self._sealer.seal(str(request.get("wo_number") or "")),
                 self._sealer.seal(None if org is None else str(org)), order_id),
            )
            db.execute(
                "insert or ignore into ppw_offers (transaction_id, order_id, kind, changed_at) "
                "values (?, ?, 'new', ?)",
                (self._new_transaction_id(), order_id, event.timestamp.timestamp()),
            )
        elif State(event.to_state).is_terminal:
            db.execute("update ppw_offers set open = 0 where order_id = ?", (order_id,))
        elif isinstance(event, ev.OrderPlaced):
            db.execute(
                "update ppw_offers set open = 0 where order_id = ? and kind = 'new'", (order_id,)
            )

    # ------------------------------------------------------------ offers
    def open_offers(self, kinds: tuple[str, ...], since: float | None = None) -> list[Offer]:
        """Open offers of these kinds, oldest report first; only those changed since ``since``."""
        marks = ", ".join("?" for _ in kinds)
        sql = (
            f"select {_OFFER_COLUMNS} from ppw_offers f join ppw_orders o using (order_id) "
            f"where f.open = 1 and f.kind in ({marks})"
        )
        args: list[Any] = list(kinds)
        if since is not None:
            sql += " and f.changed_at >= ?"
            args.append(since)
        with self._lock:
            rows = self._db.execute(sql + " order by o.report_id, f.changed_at", args).fetchall()
        return [_offer(row, self._sealer) for row in rows]

    def offer(self, transaction_id: str) -> Offer | None:
        return self._offer_where("f.transaction_id = ?", transaction_id)

    def offers(self, transaction_ids: list[str]) -> dict[str, Offer]:
        """The known offers among these transaction ids, in one query (a group of acks)."""
        if not transaction_ids:
            return {}
        wanted = list(dict.fromkeys(transaction_ids))
        found: dict[str, Offer] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):  # well under SQLite's host-parameter limit
                chunk = wanted[start:start + 500]
                sql = (
                    f"select {_OFFER_COLUMNS} from ppw_offers f join ppw_orders o using (order_id) "
                    f"where f.transaction_id in ({', '.join('?' for _ in chunk)})"
                )
                for row in self._db.execute(sql, chunk).fetchall():
                    offer = _offer(row, self._sealer)
                    found[offer.transaction_id] = offer
        return found

    def new_offer_of(self, order_id: UUID) -> Offer | None:
        return self._offer_where("f.order_id = ? and f.kind = 'new'", str(order_id))

    def _offer_where(self, condition: str, arg: str) -> Offer | None:
        sql = (
            f"select {_OFFER_COLUMNS} from ppw_offers f join ppw_orders o using (order_id) "
            f"where {condition}"
        )
        with self._lock:
            row = self._db.execute(sql, (arg,)).fetchone()
        return None if row is None else _offer(row, self._sealer)

    def queue(
        self, order_id: UUID, kind: str, field: str | None = None, value: str | None = None,
        transaction_id: str | None = None,
    ) -> str:
        """Offer PPW an instruction for an order it already knows; return its transaction id."""
        tid = transaction_id or self._new_transaction_id()
        with self._tx() as db:
            self._assign(db, order_id, None)
            db.execute(
                "insert into ppw_offers (transaction_id, order_id, kind, field, value, changed_at) "
                "values (?, ?, ?, ?, ?, ?)",
                (tid, str(order_id), kind, field, self._sealer.seal(value), time.time()),
            )
        return tid

    def new_transaction_id(self) -> str:
        return self._new_transaction_id()

    def mark(self, transaction_ids: list[str], column: str) -> None:
        """Note that these offers were ``offered`` (listed) or ``fetched`` (get_order)."""
        if column not in ("offered", "fetched") or not transaction_ids:
            return
        with self._tx() as db:
            db.executemany(
                f"update ppw_offers set {column} = 1 where transaction_id = ?",
                [(t,) for t in transaction_ids],
            )

    def settle(self, transaction_id: str, outcome: str) -> None:
        """PPW acked this offer: stop offering it."""
        self.settle_many([(transaction_id, outcome)])

    def settle_many(self, settled: list[tuple[str, str]]) -> None:
        """PPW acked these offers (transaction id, outcome): stop offering them, one commit."""
        if not settled:
            return
        with self._tx() as db:
            db.executemany(
                "update ppw_offers set open = 0, ack_outcome = ? where transaction_id = ?",
                [(outcome, tid) for tid, outcome in settled],
            )


def _offer(row: tuple[Any, ...], sealer: Sealer) -> Offer:
    tid, oid, rid, wo, org, kind, field, value, is_open, offered, fetched = row
    wo, org, value = sealer.open(wo), sealer.open(org), sealer.open(value)
    return Offer(
        tid, oid, int(rid), wo or str(rid), org, kind, field, value, bool(is_open),
        bool(offered), bool(fetched),
    )
