"""The orders list's query: filters, search, sorting and paging with a total, over the
``order_status`` read model (the read side brings it up to date first)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ordertrail.adapters.service.console.states import LIFECYCLE
from ordertrail.projections import OrderStatusRow
from ordertrail.projections.order_status.table import OrderStatus

SORTS = {"requested": OrderStatus.requested_at, "placed": OrderStatus.placed_at,
         "since": OrderStatus.state_since, "vendor": OrderStatus.vendor,
         "state": sa.case({s.value: i for i, s in enumerate(LIFECYCLE)}, value=OrderStatus.state,
                          else_=len(LIFECYCLE))}
"""Sortable columns by the name the page uses (state sorts in lifecycle order)."""
PER_PAGE = (25, 50, 100, 200)
_HEX = re.compile(r"[0-9a-f-]{1,36}")
_COLUMNS = [OrderStatus.__table__.c[name] for name in OrderStatusRow._fields]


@dataclass(frozen=True)
class ListQuery:
    vendor: str | None = None
    state: str | None = None
    needs_person: bool = False
    placed_from: date | None = None
    placed_to: date | None = None
    search: str = ""
    sort: str = "requested"
    descending: bool = True
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class Page:
    rows: list[OrderStatusRow]
    total: int
    query: ListQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.rows else (self.query.page - 1) * self.query.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def id_range(prefix: str) -> tuple[UUID, UUID] | None:
    """The order ids starting with ``prefix`` (hex, dashes allowed) as an inclusive range."""
    text = prefix.lower().replace("-", "")
    if not text or not _HEX.fullmatch(prefix.lower()) or len(text) > 32:
        return None
    return UUID(text.ljust(32, "0")), UUID(text.ljust(32, "f"))


def _where(q: ListQuery) -> list[Any]:
    clauses: list[Any] = []
    if q.vendor:
        clauses.append(OrderStatus.vendor == q.vendor)
    if q.state:
        clauses.append(OrderStatus.state == q.state)
    if q.needs_person:
        clauses.append(OrderStatus.needs_person.is_(True))
    if q.placed_from:
        clauses.append(OrderStatus.placed_at >= datetime.combine(q.placed_from, time(), UTC))
    if q.placed_to:
        end = datetime.combine(q.placed_to + timedelta(days=1), time(), UTC)
        clauses.append(OrderStatus.placed_at < end)
    if q.search:
        text = q.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = [OrderStatus.vendor_ref.like(f"{text}%", escape="\\"),
                 OrderStatus.idempotency_key.like(f"{text}%", escape="\\")]
        ids = id_range(q.search)
        if ids is not None:
            found.append(OrderStatus.order_id.between(*ids))
        clauses.append(sa.or_(*found))
    return clauses


def list_page(engine: sa.Engine, q: ListQuery) -> Page:
    """One page of the orders matching ``q`` and how many match in all."""
    where = _where(q)
    column = SORTS[q.sort]
    order = column.desc() if q.descending else column.asc()
    rows_query = (sa.select(*_COLUMNS).where(*where)
                  .order_by(order, OrderStatus.order_id)
                  .limit(q.per_page).offset((q.page - 1) * q.per_page))
    count_query = sa.select(sa.func.count()).select_from(OrderStatus).where(*where)
    with engine.connect() as conn:
        total = int(conn.scalar(count_query) or 0)
        rows = [OrderStatusRow._make(r) for r in conn.execute(rows_query)]
    return Page(rows, total, q)


def vendors(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.scalars(sa.select(OrderStatus.vendor).distinct()))
