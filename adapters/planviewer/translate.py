"""Planviewer answers to domain commands (vendor-spec B.4 and B.5). Pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ordertrail.adapters.common.outcome import Outcome, SubmitOutcome
from ordertrail.adapters.planviewer.wire import VENDOR, JobStatus, Waiting
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.vendors import DAILY_CAP_CODE
from ordertrail.domain.vocabulary import Classification, Source, Trouble

STATUS_MAP = {"initial": State.PLACED, "in_progress": State.IN_PROGRESS}
KNOWN_STATUSES = frozenset({*STATUS_MAP, "waiting for user", "finished", "error"})


def order_commands(
    order_id: UUID, answer: SubmitOutcome, now: datetime, next_day: datetime
) -> list[c.AnyCommand]:
    """What jobs/order said, for the order and for the vendor account as a whole."""
    common: dict[str, Any] = {"order_id": order_id, "source": Source.COMMAND, "raw": answer.raw}
    http = answer.http_status
    match answer.outcome:
        case Outcome.PLACED:
            assert answer.vendor_ref is not None
            return [c.Place(**common, vendor_ref=answer.vendor_ref,
                            vendor_ref_kind="planviewer.job_uuid")]
        case Outcome.LIMITED:
            # B.5 ambiguity 4: a stop for the calendar day, and a person asks for a higher cap.
            message = "Planviewer's daily order cap is reached; ask them for a higher cap"
            return [
                c.FailSubmission(**common, classification=Classification.RETRYABLE,
                                 http_status=http, vendor_code=DAILY_CAP_CODE, message=message,
                                 retry_not_before=next_day),
                c.ReachDailyCap(vendor=VENDOR, day=(next_day - timedelta(days=1)).date(),
                                until=next_day, message=f"jobs/order answered HTTP {http}",
                                at=now),
            ]
        case Outcome.DECLINED:
            # B.5 P4 402: every further order would fail too: the connector's circuit opens.
            return [
                c.DeclinePayment(**common, reason_code=answer.reason_code or "declined",
                                 vendor_code=answer.vendor_code, http_status=http,
                                 message="payment on account is not enabled"),
                c.OpenCircuit(vendor=VENDOR, cause="payment_required", http_status=http,
                              message="the account lacks payment on account (HTTP 402)", at=now),
            ]
        case Outcome.REJECTED:
            return [c.Reject(**common, reason_code=answer.reason_code or "rejected",
                             http_status=http, vendor_code=answer.vendor_code)]
        case Outcome.REAUTH:
            return [
                c.FailSubmission(**common, classification=Classification.NEEDS_REAUTH,
                                 http_status=http, vendor_code=answer.vendor_code,
                                 message="access key refused"),
                c.RefuseCredentials(vendor=VENDOR, operation="jobs/order", http_status=http,
                                    message="access key refused (401)", at=now),
            ]
        case Outcome.NOT_SENT | Outcome.FAILED:
            return [c.FailSubmission(**common, classification=answer.classified,
                                     http_status=http, message=answer.message)]
    return [c.MarkOutcomeUnknown(**common, reason=answer.message or "answer lost",
                                 http_status=http)]


def status_commands(
    order_id: UUID, job: JobStatus, waiting: Waiting | None, retrieve_url: str, now: datetime,
    raw: Any = None,
) -> list[c.AnyCommand]:
    """``raw``: what Planviewer sent for this job, for audit (``msgspec.Raw`` keeps it verbatim);
    by default the fields we read of it."""
    progress = job.progress
    current = progress.current if progress else None
    total = progress.total if progress else None
    if raw is None:
        raw = {"uuid": job.uuid, "status": job.status,
               "progress": None if progress is None else {"current": current, "total": total}}
    common: dict[str, Any] = {
        "order_id": order_id, "source": Source.POLL, "raw": raw,
        "dedupe_key": f"{job.uuid}:{job.status}:{current}:{total}",
    }
    if job.status in STATUS_MAP:
        commands: list[c.AnyCommand] = [
            c.ChangeStatus(**common, raw_status=job.status, normalized=STATUS_MAP[job.status])
        ]
        if job.status == "in_progress" and current is not None:
            commands.append(c.ReportProgress(**common, current=current, total=total))
        return commands
    if job.status == "waiting for user":
        choices = [{"key": k, "label": v} for k, v in (waiting.locaties.items() if waiting else [])]
        return [c.WaitForUser(**common, kind="location_choice",
                              prompt=waiting.message if waiting else None, choices=choices)]
    if job.status == "finished":
        return [c.ChangeStatus(**common, raw_status="finished", normalized=State.DELIVERED),
                c.AnnounceResult(**common, result_ref=job.uuid, download_ref=retrieve_url)]
    if job.status == "error":
        return [c.Fail(**common, reason_code="vendor_error", raw_status="error")]
    # B.5 ambiguity 7: an unknown status leaves the state as it is, and a person is told once.
    return [c.ChangeStatus(**common, raw_status=job.status, normalized=None),
            c.SeeUnknownStatus(vendor=VENDOR, raw_status=job.status, order_id=order_id, at=now)]


def missing_commands(
    order_id: UUID, job_uuid: str, now: datetime, limit: int, spread: timedelta
) -> list[c.AnyCommand]:
    """A job absent from the status answer (B.5 P5): counted; a person's task past the limit."""
    return [c.ObserveTrouble(order_id=order_id, trouble=Trouble.MISSING_FROM_STATUS,
                             detail=f"job {job_uuid} is missing from jobs/status", limit=limit,
                             spread=spread, now=now, source=Source.POLL)]


def stale_commands(order_id: UUID, job_uuid: str, now: datetime) -> list[c.AnyCommand]:
    """jobs/status refuses this uuid on its own (B.5 P5 400): terminal for it, polled no more."""
    return [c.ObserveTrouble(order_id=order_id, trouble=Trouble.STALE_REFERENCE,
                             detail=f"jobs/status refuses job {job_uuid} (HTTP 400); a person "
                                    "closes the order", limit=1, spread=timedelta(0), now=now,
                             source=Source.POLL)]
