"""The outbox follows the tracker's log: what it does not watch is passed over once, and
nothing it watches is passed over."""

from __future__ import annotations

from ordertrail.adapters.ppw import PPWLink, PPWOutbox
from ordertrail.domain.tracker import Tracker


def request(tracker: Tracker, key: str) -> None:
    tracker.request_order("ppw", {"wo_number": key, "address": "1 Elm St"}, idempotency_key=key)


def listed(link: PPWLink) -> list[str]:
    return [h["wo_number"] for h in link.get_all_orders({}) if "wo_number" in h]


def test_unwatched_events_are_passed_over_once(
    link: PPWLink, tracker: Tracker, outbox: PPWOutbox
) -> None:
    for n in range(5):
        request(tracker, f"F-{n}")
    tracker.request_order("planviewer", {"intention_uuid": "i", "product": "p"}, "other-vendor")
    assert len(listed(link)) == 5  # records five offers: SubmissionAttempted, not watched
    assert len(listed(link)) == 5
    newest = tracker.recorder.max_notification_id()
    assert int(outbox.get_state("notification_position") or 0) == newest
    request(tracker, "F-late")
    assert any(wo.endswith("F-late") for wo in listed(link))  # the configured prefix aside
