"""The vendor clients' common HTTP base, against the vendors' simulators over loopback: safe
reads are retried as the vendor asks (Retry-After), as often as configured and no more; a
submission is sent exactly once, whatever the answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordertrail.adapters.common.errors import VendorUnavailableError
from ordertrail.adapters.common.http import LONGEST_WAIT, Answer, retry_after_seconds
from ordertrail.adapters.common.outcome import Outcome
from ordertrail.adapters.common.secret import Secret
from ordertrail.adapters.ivcap.client import IvcapClient, create_outcome
from ordertrail.adapters.ivcap.config import IvcapConfig
from ordertrail.adapters.ivcap.simulator import IvcapSim, start_ivcap_simulator
from ordertrail.adapters.ivcap.translate import create_commands as iv_commands
from ordertrail.adapters.ivcap.wire import OrderRequest
from ordertrail.adapters.planomatic.client import PlanomaticClient
from ordertrail.adapters.planomatic.config import PlanomaticConfig
from ordertrail.adapters.planomatic.simulator import PlanomaticSim, start_planomatic_simulator
from ordertrail.adapters.planviewer.client import PlanviewerClient, order_outcome
from ordertrail.adapters.planviewer.config import PlanviewerConfig
from ordertrail.adapters.planviewer.simulator import (
    Job,
    Plan,
    PlanviewerSim,
    start_planviewer_simulator,
)
from ordertrail.adapters.planviewer.translate import order_commands as pv_commands
from ordertrail.domain.tracker import Tracker
from ordertrail.domain.vocabulary import Classification
from tests.adapters.sync.harness import rig

T = TypeVar("T")
GENEROUS = 10.0
"""No retry in these tests should take longer than this many seconds, however slow CI is."""
STATUS = "GET jobs/status"
READ = "GET /1/orders/{id}"


@asynccontextmanager
async def planviewer(sim: PlanviewerSim, **config: Any) -> AsyncIterator[PlanviewerClient]:
    runner, url, sim = await start_planviewer_simulator(sim=sim)
    try:
        async with aiohttp.ClientSession() as session:
            yield PlanviewerClient(session, PlanviewerConfig(
                sim.key_id, Secret(sim.secret), base_url=url, **config))
    finally:
        await runner.cleanup()


@asynccontextmanager
async def ivcap(sim: IvcapSim, **config: Any) -> AsyncIterator[IvcapClient]:
    runner, url, sim = await start_ivcap_simulator(sim=sim)
    try:
        async with aiohttp.ClientSession() as session:
            yield IvcapClient(session, IvcapConfig(Secret(sim.token), url, **config))
    finally:
        await runner.cleanup()


def run(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(work())


def times(log: list[tuple[float, str]], what: str) -> list[float]:
    return [t for t, request in log if request == what]


def a_job(sim: PlanviewerSim) -> str:
    job = Job("job-1", "intention-1", Plan())
    sim.jobs[job.uuid] = job
    return job.uuid


def an_order(sim: IvcapSim) -> str:
    return sim.add_order("ours").id


# ---------------------------------------------------------------- Retry-After on safe reads
def test_a_read_answered_503_with_retry_after_1_is_retried_about_a_second_later() -> None:
    sim = PlanviewerSim(status_failures=1, failure_status=503, retry_after="1")
    job = a_job(sim)

    async def main() -> None:
        async with planviewer(sim, retries=3) as client:
            ((status, _),) = await client.status([job])
            assert status.uuid == job

    run(main)
    first, second = times(sim.log, STATUS)
    assert 1.0 <= second - first < GENEROUS  # Retry-After, not the 0.2 s first backoff


def test_a_read_answered_429_with_retry_after_is_retried_after_that_wait() -> None:
    sim = IvcapSim(read_failures=1, read_failure_status=429, retry_after="1")
    order = an_order(sim)

    async def main() -> None:
        async with ivcap(sim, retries=1) as client:
            assert (await client.read(order)).id == order

    run(main)
    first, second = times(sim.log, READ)
    assert 1.0 <= second - first < GENEROUS


def test_retry_after_as_an_http_date_is_waited_out_too() -> None:
    sim = IvcapSim(read_failures=1, read_failure_status=503)
    order = an_order(sim)

    async def main() -> None:
        # An HTTP date has whole seconds: two seconds ahead is a wait of more than one.
        sim.retry_after = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
        async with ivcap(sim, retries=1) as client:
            assert (await client.read(order)).id == order

    run(main)
    first, second = times(sim.log, READ)
    assert 0.9 <= second - first < GENEROUS


def test_a_wait_longer_than_a_call_should_take_ends_the_call_with_the_vendors_wait() -> None:
    sim = PlanviewerSim(status_failures=5, failure_status=429,
                        retry_after=str(int(LONGEST_WAIT) + 60))
    job = a_job(sim)

    async def main() -> VendorUnavailableError:
        async with planviewer(sim, retries=3) as client:
            with pytest.raises(VendorUnavailableError) as caught:
                await client.status([job])
            return caught.value

    error = run(main)
    assert (error.http_status, error.retry_after) == (429, LONGEST_WAIT + 60)
    assert len(times(sim.log, STATUS)) == 1  # the next pass asks again, not this call


def test_a_sync_pass_waits_out_a_503_on_the_status_poll_and_records_the_status(
        tracker: Tracker, tmp_path: Path) -> None:
    order = tracker.request_order(
        "planviewer", {"intention_uuid": "i-1", "product": "bestemmingsplanrapport"}, "pv-1")

    async def main() -> tuple[list[str], PlanviewerSim]:
        async with rig(tracker, tmp_path) as r:
            while tracker.get_order(order).vendor_ref is None:
                await r.engine.run_once()  # submitted (and polled once) first
            r.planviewer.status_failures, r.planviewer.retry_after = 1, "1"
            polled = len(tracker.history(order))
            report = await r.engine.run_once()
            assert len(tracker.history(order)) > polled  # the status the retry read
            return report.errors, r.planviewer

    errors, sim = run(main)
    assert errors == []
    *_, failed, retried = times(sim.log, STATUS)
    assert 1.0 <= retried - failed < GENEROUS


# ---------------------------------------------------------------- the configured bound
@pytest.mark.parametrize("retries", [0, 2])
def test_retries_stop_at_the_configured_count(retries: int) -> None:
    sim = IvcapSim(read_failures=100, read_failure_status=503)
    order = an_order(sim)

    async def main() -> None:
        async with ivcap(sim, retries=retries) as client:
            with pytest.raises(VendorUnavailableError, match="HTTP 503"):
                await client.read(order)

    run(main)
    assert len(times(sim.log, READ)) == retries + 1


def test_network_failures_on_a_read_are_retried_then_reported_as_unavailable() -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            config = IvcapConfig(Secret("t"), "http://127.0.0.1:9", retries=1,
                                 request_timeout_seconds=2)
            with pytest.raises(VendorUnavailableError, match="ClientConnectorError"):
                await IvcapClient(session, config).read("x")

    run(main)


def test_a_refusal_is_not_retried() -> None:
    sim = IvcapSim(read_refusals={})
    order = an_order(sim)
    sim.read_refusals[order] = 403

    async def main() -> None:
        async with ivcap(sim, retries=3) as client:
            with pytest.raises(Exception, match="HTTP 403"):
                await client.read(order)

    run(main)
    assert len(times(sim.log, READ)) == 1


# ---------------------------------------------------------------- submissions: exactly once
@pytest.mark.parametrize("status", [500, 503])
def test_a_planviewer_order_answered_5xx_is_sent_once_and_its_outcome_is_unknown(
        status: int) -> None:
    sim = PlanviewerSim(order_failures=1, failure_status=status, retry_after="1")

    async def main() -> Outcome:
        async with planviewer(sim, retries=3) as client:
            return (await client.order("intention-1")).outcome

    assert run(main) is Outcome.UNKNOWN  # a job may exist: never retried blindly (B.5 P4)
    assert sim.requests["POST jobs/order"] == 1
    assert not sim.jobs


def test_an_ivcap_create_answered_503_is_sent_once_and_keeps_the_vendors_wait() -> None:
    sim = IvcapSim(fail_next_create=503, retry_after="90")

    async def main() -> Any:
        async with ivcap(sim, retries=3) as client:
            return await client.create(OrderRequest("urn:s", "urn:a", [], name="n"))

    outcome = run(main)
    assert (outcome.outcome, outcome.classified, outcome.retry_after) == (
        Outcome.FAILED, Classification.RETRYABLE, 90.0)
    assert sim.requests["POST /1/orders"] == 1


def test_an_ivcap_create_answered_429_is_sent_once_and_waits_as_told() -> None:
    sim = IvcapSim(fail_next_create=429, retry_after="30")

    async def main() -> Any:
        async with ivcap(sim, retries=3) as client:
            return await client.create(OrderRequest("urn:s", "urn:a", [], name="n"))

    outcome = run(main)
    assert (outcome.outcome, outcome.classified, outcome.retry_after) == (
        Outcome.LIMITED, Classification.RETRYABLE, 30.0)
    assert sim.requests["POST /1/orders"] == 1


def test_an_ivcap_create_answered_500_is_sent_once_and_uncertain() -> None:
    sim = IvcapSim(fail_next_create=500)

    async def main() -> Outcome:
        async with ivcap(sim, retries=3) as client:
            return (await client.create(OrderRequest("urn:s", "urn:a", [], name="n"))).outcome

    assert run(main) is Outcome.UNKNOWN
    assert sim.requests["POST /1/orders"] == 1


def test_a_planomatic_charge_answered_5xx_is_sent_once() -> None:
    sim = PlanomaticSim()
    sim.next_statuses.append("application-crash")  # HTTP 500, the card may be charged

    async def main() -> Outcome:
        runner, url, _ = await start_planomatic_simulator(sim=sim)
        try:
            async with aiohttp.ClientSession() as session:
                client = PlanomaticClient(session, PlanomaticConfig(Secret("app-token"),
                                                                    base_url=url))
                return (await client.pay_and_submit({"order": {"x": 1}})).outcome
        finally:
            await runner.cleanup()

    assert run(main) is Outcome.UNKNOWN
    assert sim.requests == 1


def test_the_engine_records_an_ivcap_503_with_the_vendors_wait_and_sends_once(
        tracker: Tracker, tmp_path: Path) -> None:
    sim = IvcapSim(fail_next_create=503, retry_after="120")
    order = tracker.request_order("ivcap", {"service_id": "urn:s", "account_id": "urn:a"}, "k1")

    async def main() -> datetime:
        async with rig(tracker, tmp_path, iv=sim) as r:
            before = datetime.now(UTC)
            await r.engine.run_once()
            return before

    before = run(main)
    (failed,) = [e for e in tracker.history(order) if e.type == "SubmissionFailed"]
    not_before = failed.fields["retry_not_before"]
    if isinstance(not_before, str):
        not_before = datetime.fromisoformat(not_before)
    assert timedelta(seconds=119) <= not_before - before <= timedelta(seconds=120 + GENEROUS)
    assert sim.requests["POST /1/orders"] == 1  # the retry is the engine's, a pass later


# ---------------------------------------------------------------- the header itself
def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds(" 0 ", now) == 0.0
    assert retry_after_seconds("Fri, 04 Dec 2026 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Fri, 04 Dec 2026 09:59:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("-5", now) is None
    assert retry_after_seconds(None, now) is None


# ---------------------------------------------------------------- any answer is classified
json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "uuid", "job", "status", "message", "name", "products"]), inner,
        max_size=4),
    max_leaves=10,
).map(lambda v: json.dumps(v).encode())
bodies = st.binary(max_size=200) | json_bodies
statuses = st.integers(min_value=100, max_value=599)
NOW = datetime(2026, 12, 4, tzinfo=UTC)


@given(status=statuses, body=bodies, wait=st.none() | st.floats(0, 1e6))
def test_any_answer_to_a_planviewer_order_is_an_outcome_with_commands(
        status: int, body: bytes, wait: float | None) -> None:
    outcome = order_outcome(Answer(status, body, wait), "intention-1")
    assert outcome.outcome in Outcome and outcome.classified in Classification
    assert pv_commands(uuid4(), outcome, NOW, NOW + timedelta(days=1))


@given(status=statuses, body=bodies, wait=st.none() | st.floats(0, 1e6))
def test_any_answer_to_an_ivcap_create_is_an_outcome_with_commands(
        status: int, body: bytes, wait: float | None) -> None:
    outcome = create_outcome(Answer(status, body, wait))
    assert outcome.outcome in Outcome and outcome.classified in Classification
    assert iv_commands(uuid4(), outcome, NOW)
