"""The msgspec mapper: the library's own test cases, exact types, upcasting, snapshots."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    JSONTranscoder,
    MapperDeserialisationError,
    ProcessRecorder,
    StoredEvent,
    TrackingRecorder,
)
from eventsourcing.postgres import (
    PostgresFactory,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteFactory,
    SQLiteProcessRecorder,
    SQLiteTrackingRecorder,
)
from eventsourcing.tests.persistence import InfrastructureFactoryTestCase
from eventsourcing.utils import Environment, get_topic

from ordertrail.adapters.store import CipherKeyError, open_tracker, tracker_environment
from ordertrail.adapters.store.mapper import MsgspecMapper
from ordertrail.adapters.store.postgres import (
    OrdertrailPostgresAggregateRecorder,
    OrdertrailPostgresFactory,
    OrdertrailPostgresRecorder,
)
from ordertrail.adapters.store.sqlite import OrdertrailSQLiteFactory, OrdertrailSQLiteRecorder
from ordertrail.domain import commands as c
from ordertrail.domain.events import OrderPlaced, ProgressReported
from ordertrail.domain.tracker import Tracker
from tests.conftest import POSTGRES_DSN, _postgres_reachable

# --------------------------------------------------------------------------- library cases


class _WithMsgspecMapper:
    env: Environment

    def test_factory_builds_our_mapper(self) -> None:
        mapper = self.factory.mapper(transcoder=JSONTranscoder())  # type: ignore[attr-defined]
        assert isinstance(mapper, MsgspecMapper)


class TestLibraryFactoryCasesOnSQLite(
    _WithMsgspecMapper, InfrastructureFactoryTestCase[SQLiteFactory]
):
    def setUp(self) -> None:
        from ordertrail.adapters.store import StoreURL

        self.env = Environment("TestCase")
        for key, value in StoreURL.parse("sqlite:///:memory:").environment().items():
            self.env[key] = value
        self.env[SQLiteFactory.MAPPER_TOPIC] = get_topic(MsgspecMapper)
        super().setUp()

    def expected_factory_class(self) -> type[SQLiteFactory]:
        return OrdertrailSQLiteFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return SQLiteAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return OrdertrailSQLiteRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return SQLiteTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        class MyTracking(SQLiteTrackingRecorder):
            pass

        return MyTracking

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return SQLiteProcessRecorder


class TestLibraryFactoryCasesOnPostgres(
    _WithMsgspecMapper, InfrastructureFactoryTestCase[PostgresFactory]
):
    def setUp(self) -> None:
        error = _postgres_reachable()
        if error is not None:
            if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
                self.fail(f"PostgreSQL unreachable: {error}")
            self.skipTest(f"PostgreSQL unreachable: {error}")
        import psycopg

        from ordertrail.adapters.store import StoreURL

        self.schema = f"lib_{uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f'create schema "{self.schema}"')
        store = StoreURL.parse(f"{POSTGRES_DSN}?schema={self.schema}")
        self.env = Environment("TestCase")
        for key, value in store.environment().items():
            self.env[key] = value
        self.env[PostgresFactory.MAPPER_TOPIC] = get_topic(MsgspecMapper)
        super().setUp()

    def tearDown(self) -> None:
        import psycopg

        super().tearDown()
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f'drop schema if exists "{self.schema}" cascade')

    def expected_factory_class(self) -> type[PostgresFactory]:
        return OrdertrailPostgresFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return OrdertrailPostgresAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return OrdertrailPostgresRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return PostgresTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        class MyTracking(PostgresTrackingRecorder):
            pass

        return MyTracking

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return PostgresProcessRecorder


# --------------------------------------------------------------------------- our guarantees


def test_uuid_datetime_and_decimal_survive_exactly() -> None:
    mapper = MsgspecMapper(transcoder=JSONTranscoder())
    when = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    from eventsourcing.domain import DomainEvent

    event = DomainEvent(originator_id=uuid4(), originator_version=3, timestamp=when)
    copy = mapper.to_domain_event(mapper.to_stored_event(event))
    assert copy == event and isinstance(copy.timestamp, datetime)


def test_a_stored_event_that_does_not_decode_is_named_by_order_and_version() -> None:
    from eventsourcing.domain import DomainEvent

    from ordertrail.domain.errors import UnknownEventTopicError

    mapper = MsgspecMapper(transcoder=JSONTranscoder())
    oid = uuid4()
    stored = mapper.to_stored_event(DomainEvent(originator_id=oid, originator_version=7,
                                                timestamp=datetime.now(UTC)))
    broken = StoredEvent(originator_id=oid, originator_version=7, topic=stored.topic,
                         state=b"{not json")
    with pytest.raises(MapperDeserialisationError, match=f"cannot decode stored event {oid} v7"):
        mapper.to_domain_event(broken)
    unfit = StoredEvent(originator_id=oid, originator_version=7, topic=stored.topic,
                        state=b'{"timestamp": 12}')
    with pytest.raises(MapperDeserialisationError,
                       match=f"stored event {oid} v7 .* does not fit its class"):
        mapper.to_domain_event(unfit)
    stranger = StoredEvent(originator_id=oid, originator_version=7, topic="no.such:Event",
                           state=stored.state)
    with pytest.raises(UnknownEventTopicError, match=f"{oid} v7"):
        mapper.to_domain_event(stranger)
    as_text = StoredEvent(originator_id=str(oid), originator_version=7,
                          topic=stored.topic, state=stored.state)
    assert mapper.to_domain_event(as_text).originator_id == oid


def test_events_are_stored_as_compact_json(sqlite_url: str) -> None:
    tracker = open_tracker(sqlite_url)
    oid = tracker.request_order("planomatic", {"order": {"x": 1}}, "k")
    tracker.run(c.AcceptPayment(order_id=oid, amount=Decimal("10.50")))
    (stored,) = tracker.recorder.select_events(oid, gt=1)
    body = json.loads(stored.state)
    assert body["amount"] == "10.50" and body["vendor"] == "planomatic"
    tracker.close()


def test_version_1_records_of_order_placed_are_upcast(tracker: Tracker) -> None:
    oid = tracker.request_order("ivcap", {}, "old")
    v1 = {
        "timestamp": "2023-05-01T10:00:00+00:00", "vendor": "ivcap", "source": "command",
        "occurred_at": None, "raw": {"id": "o-1"}, "dedupe_key": None, "to_state": "PLACED",
        "vendor_ref": "o-1", "vendor_ref_kind": "ivcap.order_id",
    }
    tracker.recorder.insert_events(
        [StoredEvent(oid, 2, OrderPlaced.TOPIC, json.dumps(v1).encode())]
    )
    view = tracker.get_order(oid)
    assert view.vendor_ref == "o-1" and view.vendor_secondary_refs == {}
    assert tracker.history(oid)[-1].fields["vendor_secondary_refs"] == {}


def test_version_1_progress_pairs_are_upcast(tracker: Tracker) -> None:
    oid = tracker.request_order("planviewer", {}, "old-progress")
    tracker.run(c.Place(order_id=oid, vendor_ref=f"j-{uuid4()}", vendor_ref_kind="pv"))
    v1 = {
        "timestamp": "2023-05-01T10:00:00+00:00", "vendor": "planviewer", "source": "poll",
        "occurred_at": None, "raw": None, "dedupe_key": None, "to_state": "IN_PROGRESS",
        "progress": [2, 6],
    }
    tracker.recorder.insert_events(
        [StoredEvent(oid, 3, ProgressReported.TOPIC, json.dumps(v1).encode())]
    )
    view = tracker.get_order(oid)
    assert (view.progress_current, view.progress_total) == (2, 6)


def test_an_order_loaded_from_a_snapshot_equals_a_full_replay(store_url: str) -> None:
    tracker = open_tracker(store_url, snapshot_interval=5)
    oid = tracker.request_order("planomatic", {"order": {"n": 1}}, "snap")
    tracker.run(c.AcceptPayment(order_id=oid, amount=Decimal("1.10")))
    tracker.run(c.Place(order_id=oid, vendor_ref=f"p-{uuid4()}", vendor_ref_kind="k"))
    tracker.run(c.WaitForUser(order_id=oid, kind="on_hold", prompt="call",
                              choices=[{"key": "1", "label": "A"}]))
    for i in range(1, 9):
        tracker.run(c.ReportProgress(order_id=oid, current=i, total=9))
    assert tracker.snapshots is not None and list(tracker.snapshots.get(oid))
    from_snapshot = tracker.get_order(oid)
    unsnapshotted = open_tracker(store_url, snapshot_interval=0)
    assert unsnapshotted.get_order(oid) == from_snapshot
    tracker.close()
    unsnapshotted.close()


@pytest.mark.parametrize("key_env", ["ORDERTRAIL_CIPHER_KEY"])
def test_encrypted_events_hold_no_plaintext_and_a_wrong_key_fails(
    sqlite_url: str, key_env: str
) -> None:
    from eventsourcing.cryptography import AESCipher

    key = AESCipher.create_key(32)
    tracker = open_tracker(sqlite_url, cipher_key=key)
    oid = tracker.request_order("ppw", {"address": "12 Secret Lane"}, "enc")
    (stored,) = tracker.recorder.select_events(oid)
    assert b"Secret Lane" not in stored.state
    assert tracker.get_order(oid).vendor_request == {"address": "12 Secret Lane"}
    tracker.close()
    other_key = AESCipher.create_key(32)
    with pytest.raises(CipherKeyError, match="does not decrypt"):  # refused when opened
        open_tracker(sqlite_url, cipher_key=other_key)
    wrong = Tracker(env=tracker_environment(sqlite_url, cipher_key=other_key))  # past that check
    with pytest.raises(Exception, match=r"(?i)decrypt|deserialise|decode|tag"):
        wrong.get_order(oid)
    wrong.close()
