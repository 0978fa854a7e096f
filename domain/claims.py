"""Small aggregates that let the event store itself enforce uniqueness.

A second writer creating the same claim fails on the store's unique
(originator_id, version) key, in the same transaction as the order's events,
so the rule holds under concurrent writers without a check-then-write.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate


class VendorRefClaim(Aggregate):
    """(vendor, vendor reference) belongs to exactly one order."""

    TOPIC = "ordertrail.claims:VendorRefClaim"

    class Event(Aggregate.Event):
        pass

    class Claimed(Event, Aggregate.Created):
        TOPIC = "ordertrail.claims:VendorRefClaimed"
        order_id: UUID
        vendor: str
        vendor_ref: str

    Created = Claimed

    def __init__(self, order_id: UUID, vendor: str, vendor_ref: str) -> None:
        self.order_id = order_id
        self.vendor = vendor
        self.vendor_ref = vendor_ref


class VendorDay(Aggregate):
    """How many orders were handed to a vendor on one (vendor-local) day."""

    TOPIC = "ordertrail.claims:VendorDay"

    class Event(Aggregate.Event):
        pass

    class Opened(Event, Aggregate.Created):
        TOPIC = "ordertrail.claims:VendorDayOpened"
        vendor: str
        day: str

    Created = Opened

    class SubmissionCounted(Event):
        TOPIC = "ordertrail.claims:VendorDaySubmissionCounted"
        order_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.submissions += 1

    def __init__(self, vendor: str, day: str) -> None:
        self.vendor = vendor
        self.day = day
        self.submissions = 0

    def count_submission(self, order_id: UUID) -> None:
        self.trigger_event(self.SubmissionCounted, order_id=order_id)
