"""What the catch-up's shortcuts rely on, each shown against the plain way: a runner over a
subset of the read models, formatted times remembered across a batch's tables, rows converted
by a compiled comprehension, vendor_health's hour worked out once per run of events in it,
and the dependents walking order_status's trails."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from ordertrail.domain import events as ev
from ordertrail.domain.connector import Connector
from ordertrail.domain.tracker import Tracker
from ordertrail.projections import ProjectionRunner
from ordertrail.projections import bulk as bulk_module
from ordertrail.projections.attention import fold as attention
from ordertrail.projections.bulk import Bulk, Columns, sqlite_datetime, sqlite_uuid
from ordertrail.projections.decode import CONNECTOR_CLASSES, STRUCTS
from ordertrail.projections.models import UTCDateTime
from ordertrail.projections.order_status import fold as order_status
from ordertrail.projections.read_model import ordered
from ordertrail.projections.registry import READ_MODELS
from ordertrail.projections.runner import NAME
from ordertrail.projections.source import Source
from ordertrail.projections.vendor_daily import fold as vendor_daily
from ordertrail.projections.vendor_daily.rows import DayCount
from ordertrail.projections.vendor_health import fold as vendor_health
from ordertrail.projections.vendor_health.fold import HourCount
from tests.projections.conftest import order_event_count, populate

WITHOUT_HEALTH = [m for m in READ_MODELS if m.name != "vendor_health"]


def _counts(url: str, table: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
    finally:
        engine.dispose()


def test_a_runner_over_a_subset_feeds_only_those_under_its_own_tracking_row(
    tracker: Tracker, tmp_path: Path
) -> None:
    populate(tracker, 20)
    full_url, part_url = f"sqlite:///{tmp_path / 'all.db'}", f"sqlite:///{tmp_path / 'part.db'}"
    full = ProjectionRunner(tracker, full_url)
    part = ProjectionRunner(tracker, part_url, read_models=WITHOUT_HEALTH)
    try:
        assert full.catch_up() == part.catch_up() == order_event_count(tracker)
        assert full.name == NAME and part.name != NAME and len(part.name) <= 64
        assert "vendor_health" not in {m.name for m in part.models}
        assert part.rebuild() == order_event_count(tracker)
    finally:
        full.close()
        part.close()
    for table in ("order_status", "audit_log", "vendor_daily", "attention"):
        assert _counts(full_url, table) == _counts(part_url, table) > 0
    assert _counts(full_url, "vendor_health") > 0
    assert _counts(part_url, "vendor_health") == 0


def test_a_subset_must_hold_what_its_models_depend_on() -> None:
    with pytest.raises(ValueError, match="depends on unregistered"):
        ordered([m for m in READ_MODELS if m.name != "order_status"])


def test_a_remembered_time_is_the_time_formatted_and_equal_instants_format_alike(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk = Bulk("sqlite")
    moment = datetime(2026, 12, 4, 15, 0, 1, 5, tzinfo=UTC)
    elsewhere = moment.astimezone(timezone(timedelta(hours=5, minutes=30)))
    naive = moment.replace(tzinfo=None)
    assert moment == elsewhere and naive != moment
    for value in (moment, elsewhere, naive, moment + timedelta(microseconds=1)):
        assert bulk.datetime(value) == sqlite_datetime(value)
    assert bulk.datetime(elsewhere) == bulk.datetime(moment) == "2026-12-04 15:00:01.000005"
    monkeypatch.setattr(bulk_module, "_STAMPS_KEPT", 3)
    for n in range(10):
        later = moment + timedelta(seconds=n)
        assert bulk.datetime(later) == sqlite_datetime(later)
    assert len(bulk._stamps) <= 3


class Row(NamedTuple):
    at: datetime | None
    label: str | None
    id: UUID


TABLE = sa.Table("paths_test", sa.MetaData(), sa.Column("id", sa.Uuid(), primary_key=True),
                 sa.Column("label", sa.Text), sa.Column("at", UTCDateTime))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_compiled_rows_match_converting_each_value_and_keep_none(dialect: str) -> None:
    bulk = Bulk(dialect)
    rows = [Row(datetime(2026, 1, 2, 3, 4, 5, n, tzinfo=UTC), f"r{n}", uuid4()) for n in range(3)]
    rows.append(Row(None, None, uuid4()))
    got = Columns(TABLE, Row._fields, bulk).rows(rows)
    assert got == [(bulk.uuid(r.id), r.label, None if r.at is None else bulk.datetime(r.at))
                   for r in rows]
    if dialect == "sqlite":
        assert got[0][0] == rows[0].id.hex == sqlite_uuid(rows[0].id)


def _event(cls: type[ev.OrderEvent], oid: UUID, version: int, at: datetime,
           **fields: object) -> ev.OrderEvent:
    event = object.__new__(cls)
    values = {"originator_id": oid, "originator_version": version, "timestamp": at,
              "vendor": "planviewer", "source": "poll", "occurred_at": None, "raw": None,
              "dedupe_key": None, "to_state": "IN_PROGRESS", **fields}
    object.__setattr__(event, "__dict__", values)
    return event


def test_vendor_health_counts_each_event_in_its_own_hour_whatever_the_order_of_hours() -> None:
    """Events of one order cross hours, and the next order's go back in time: the hour is
    worked out again whenever an event leaves the last one."""
    start = datetime(2026, 12, 4, 9, 59, 59, 999_999, tzinfo=UTC)
    steps = [timedelta(0), timedelta(microseconds=1), timedelta(hours=2), -timedelta(hours=5),
             timedelta(minutes=30), timedelta(days=1)]
    trails = []
    for n in range(3):
        oid = uuid4()
        moments = [start + step + timedelta(minutes=n) for step in steps]
        events = [(i, _event(ev.StatusChanged, oid, i, at, raw_status="x", anomaly=None))
                  for i, at in enumerate(moments, 1)]
        row = order_status.OrderStatusRow(*([None] * len(order_status.OrderStatusRow._fields)))
        rows = [row._replace(vendor=f"v{n % 2}")] * len(events)
        trails.append(order_status.OrderTrail(oid, None, events, rows))  # type: ignore[arg-type]
    counted = vendor_health.fold(order_status.OrderChanges(trails=trails))
    expected: Counter[HourCount] = Counter()
    for trail in trails:
        for _, event in trail.events:
            expected[HourCount(trail.after[0].vendor, vendor_health.hour_of(event.timestamp),
                               "status")] += 1
    assert counted == expected
    assert len({key.hour for key in counted}) >= 5


def test_connector_classes_are_told_apart_once_per_class_subclasses_included() -> None:
    class Later(Connector.Event):  # a connector event class the memo has not met
        pass

    assert CONNECTOR_CLASSES[Later] and CONNECTOR_CLASSES[Connector.Opened]
    assert not any(CONNECTOR_CLASSES[struct] for struct in STRUCTS.values())
    assert not any(CONNECTOR_CLASSES[cls] for cls in ev.ORDER_EVENT_CLASSES)


def test_attention_skips_only_events_that_apply_would_answer_with_nothing(
    tracker: Tracker
) -> None:
    populate(tracker, 40)
    batch = Source(tracker).read(0, 100_000).events
    orders = order_status.fold(order_status.group(batch), {})
    naive: dict[UUID, attention.Entries] = {}
    for oid, _, events, after in orders.trails:
        current: attention.Entries = {}
        for (_, event), row in zip(events, after, strict=True):
            current = attention.apply(current, row, event)
        naive[oid] = current
    folded = attention.fold(orders, {}).entries
    assert folded == naive and any(folded.values())


def test_vendor_daily_skips_only_events_that_apply_would_count_nothing_for(
    tracker: Tracker
) -> None:
    populate(tracker, 40)
    orders = order_status.fold(order_status.group(Source(tracker).read(0, 100_000).events), {})
    naive: Counter[DayCount] = Counter()
    for _, old, events, after in orders.trails:
        for (_, event), new in zip(events, after, strict=True):
            naive.update(vendor_daily.apply(old, new, event))
            for count, amount in vendor_daily.spend(old, new, event):
                naive[count] += amount
            old = new
    folded = vendor_daily.fold(orders)
    assert folded == naive and len(folded) > 5
