"""Planviewer answers to domain commands (vendor-spec B.4 and B.5). Pure functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ordertrail.adapters.planviewer.client import OrderAnswer
from ordertrail.adapters.planviewer.wire import JobStatus, Waiting
from ordertrail.domain import commands as c
from ordertrail.domain.state_machine import State
from ordertrail.domain.vendors import DAILY_CAP_CODE

STATUS_MAP = {"initial": State.PLACED, "in_progress": State.IN_PROGRESS}


def order_commands(order_id: UUID, answer: OrderAnswer, next_day: datetime) -> list[c.Command]:
    common = {"order_id": order_id, "source": "command", "raw": answer.raw}
    http = answer.http_status
    match answer.kind:
        case "placed":
            assert answer.job_uuid is not None
            return [c.Place(**common, vendor_ref=answer.job_uuid,
                            vendor_ref_kind="planviewer.job_uuid")]
        case "daily_cap":
            return [c.FailSubmission(
                **common, classification="retryable", http_status=http, vendor_code=DAILY_CAP_CODE,
                message="Planviewer's daily order cap is reached; ask them for a higher cap",
                retry_not_before=next_day)]
        case "payment_required":
            return [c.DeclinePayment(**common, reason_code="payment_on_account_disabled",
                                     vendor_code="402", http_status=http,
                                     message="payment on account is not enabled")]
        case "invalid":
            return [c.Reject(**common, reason_code="invalid_intention", http_status=http,
                             vendor_code="400")]
        case "unauthorized":
            return [c.FailSubmission(**common, classification="needs_reauth", http_status=http,
                                     vendor_code="401", message="access key refused")]
        case "not_sent":
            return [c.FailSubmission(**common, classification="retryable",
                                     message=f"not sent: {answer.reason}")]
        case "unexpected":
            return [c.FailSubmission(**common, classification="needs_human", http_status=http,
                                     message=f"unexpected HTTP {http}")]
    return [c.MarkOutcomeUnknown(**common, reason=answer.reason or "answer lost",
                                 http_status=http)]


def status_commands(
    order_id: UUID, job: JobStatus, waiting: Waiting | None, retrieve_url: str,
    raw: Any = None,
) -> list[c.Command]:
    """``raw``: what Planviewer sent for this job, for audit (``msgspec.Raw`` keeps it verbatim);
    by default the fields we read of it."""
    progress = job.progress
    current = progress.current if progress else None
    total = progress.total if progress else None
    if raw is None:
        raw = {"uuid": job.uuid, "status": job.status,
               "progress": None if progress is None else {"current": current, "total": total}}
    common = {
        "order_id": order_id, "source": "poll", "raw": raw,
        "dedupe_key": f"{job.uuid}:{job.status}:{current}:{total}",
    }
    if job.status in STATUS_MAP:
        commands: list[c.Command] = [
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
    return [c.ChangeStatus(**common, raw_status=job.status, normalized=None)]
