"""The seeds' Planviewer payloads decode; anything else fails only with a protocol error."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordertrail.adapters.common.errors import VendorProtocolError
from ordertrail.adapters.common.http import Answer
from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
from ordertrail.adapters.planviewer.client import order_outcome
from ordertrail.adapters.planviewer.wire import CapError, JobStatus, OrderedJob, decode
from tests.conftest import fixture_bytes


def _order_answer(status: int, body: bytes, intention: str) -> SubmitOutcome:
    return order_outcome(Answer(status, body), intention)


def test_the_order_response_pairs_the_intention_with_its_job() -> None:
    (pair,) = decode(fixture_bytes("planviewer/jobs_order_response_200.json"), list[OrderedJob],
                     "jobs/order")
    assert pair.uuid == "0fe30323-a86e-4048-a7e7-6d60c3365dcb"
    assert pair.job.uuid == "9dee3afd-3079-47e0-91f1-ab6e1d58f11a"


def test_the_seed_order_answer_is_a_placement_of_that_job() -> None:
    answer = _order_answer(200, fixture_bytes("planviewer/jobs_order_response_200.json"),
                           "0fe30323-a86e-4048-a7e7-6d60c3365dcb")
    assert (answer.outcome, answer.vendor_ref) == (Outcome.PLACED,
                                                   "9dee3afd-3079-47e0-91f1-ab6e1d58f11a")


def test_the_daily_cap_body_has_error_as_a_string() -> None:
    (cap,) = decode(fixture_bytes("planviewer/jobs_order_response_429.json"), list[CapError], "429")
    assert cap.error == "true" and "daily limit" in cap.message
    assert _order_answer(429, fixture_bytes("planviewer/jobs_order_response_429.json"), "x").outcome is (
        Outcome.LIMITED
    )


def test_the_402_has_no_body_and_means_payment_on_account_is_off() -> None:
    derived = json.loads(fixture_bytes("planviewer/derived/jobs_order_response_402.json"))
    assert derived  # the derived fixture documents the status line only
    assert _order_answer(402, b"", "x").outcome is Outcome.DECLINED


def test_the_status_response_decodes_with_progress() -> None:
    (job,) = decode(fixture_bytes("planviewer/jobs_status_response_200.json"), list[JobStatus],
                    "jobs/status")
    assert (job.status, job.progress and (job.progress.current, job.progress.total)) == (
        "finished", (6, 6)
    )


def test_the_order_request_fixture_is_what_we_send() -> None:
    assert json.loads(fixture_bytes("planviewer/jobs_order_request.json")) == {
        "uuids": ["0fe30323-a86e-4048-a7e7-6d60c3365dcb"]
    }


def test_a_wrong_type_names_the_field() -> None:
    with pytest.raises(VendorProtocolError, match=r"progress.current"):
        decode(b'[{"uuid":"a","status":"x","progress":{"current":"six"}}]', list[JobStatus], "s")


@given(st.binary(max_size=300))
def test_arbitrary_bytes_fail_only_with_a_protocol_error(body: bytes) -> None:
    try:
        decode(body, list[JobStatus], "jobs/status")
    except VendorProtocolError:
        pass


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["uuid", "status", "progress", "current",
                                                       "total", "job"]), inner, max_size=4),
                    max_leaves=10))
def test_arbitrary_json_fails_only_with_a_protocol_error(value: object) -> None:
    body = json.dumps(value).encode()
    for kind in (list[JobStatus], list[OrderedJob]):
        try:
            decode(body, kind, "x")
        except VendorProtocolError:
            pass
