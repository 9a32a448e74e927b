"""The one erase call to Gong: budgeted, audited before it is sent, retried while the failure may pass."""

from __future__ import annotations

import json
import logging
import time

from ...adapters.store import Tx
from ...domain.audit import AuditEvent
from ...domain.jobs import Job
from ...domain.request import ErasureRequest, Event, State
from ...errors import GongRateLimited, GongRejected, GongUnavailable
from ...render import refusals
from .context import JobContext, finish, retry
from .gong_calls import MAX_RATE_LIMITED, pause_after_429, record_attempt, take_slot, until_slot, wait_for_budget

__all__ = ["erase", "fail_erase", "give_up_erase"]

log = logging.getLogger(__name__)


def erase(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """Send the approved erase to Gong and record its answer as the request's next move."""
    if request.state is State.APPROVED and request.identifier_unreadable:
        fail_erase(ctx, job, request, refusals.unreadable_identifier(request.kind))
        return
    if request.state is not State.APPROVED or not request.identifier:
        log.warning("erase job %d skipped: request %s is %s", job.id, request.id, request.state)
        finish(ctx, job)
        return
    attempt = {"attempt": job.attempts, "masked": request.masked}

    def audit_the_call(tx: Tx) -> None:
        # Written with the booking, before the call: if this process dies mid-call, the audit still shows it
        # went out; and nothing is written between the booking and the send, so it leaves on its slot.
        tx.note(request, AuditEvent.GONG_CALL, actor="gong", now=ctx.clock(), detail=attempt)

    slot = take_slot(ctx, on_slot=audit_the_call)
    if slot.acquired:
        slot = until_slot(ctx, slot)
    if not slot.acquired:
        wait_for_budget(ctx, job, request, slot)
        return
    started = time.monotonic()
    try:
        accepted = ctx.gong.erase(request.kind, request.identifier)
    except GongRateLimited as exc:
        limited = int(job.payload.get("rate_limited", 0)) + 1
        wait = pause_after_429(ctx, exc.retry_after, limited)
        answer = {"status": 429, "retry_after": exc.retry_after, "gong_request_id": exc.request_id, "error": str(exc)}
        record_attempt(ctx, request, attempt | answer, started)
        if limited > MAX_RATE_LIMITED:
            fail_erase(ctx, job, request, refusals.gong_gave_up(str(exc), limited, rate_limited=True), exc)
            return
        log.info("request %s: Gong rate limit, retrying in %.1fs", request.id, wait)
        retry(ctx, job, wait, "rate limited", job.payload | {"rate_limited": limited})
        return
    except GongUnavailable as exc:
        failures = int(job.payload.get("failures", 0)) + 1
        record_attempt(ctx, request, attempt | {"status": exc.status, "error": str(exc),
                                                "gong_request_id": exc.request_id}, started)  # fmt: skip
        if failures >= ctx.retry.max_attempts:
            fail_erase(ctx, job, request, refusals.gong_gave_up(str(exc), failures), exc)
            return
        delay = ctx.retry.delay(failures)
        log.warning("request %s: %s; retry %d in %.1fs", request.id, exc, failures, delay)
        retry(ctx, job, delay, str(exc), job.payload | {"failures": failures})
        return
    except GongRejected as exc:
        record_attempt(ctx, request, attempt | {"status": exc.status, "error": str(exc), "errors": list(exc.errors),
                                                "gong_request_id": exc.request_id}, started)  # fmt: skip
        fail_erase(ctx, job, request, refusals.gong_failure(exc.status), exc)
        return
    now = ctx.clock()
    first_check = now + ctx.schedule.verify_after[0] if ctx.schedule.verify_after else None
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        tx.note(request, AuditEvent.GONG_ATTEMPT, actor="gong", now=now,
                detail=attempt | {"status": accepted.status, "gong_request_id": accepted.request_id,
                                  "elapsed_ms": accepted.elapsed_ms})  # fmt: skip
        tx.move(request, Event.GONG_ACCEPTED, actor="gong", now=now, detail={"gong_request_id": accepted.request_id},
                gong_request_id=accepted.request_id, next_check_at=first_check)  # fmt: skip
    ctx.wake()
    log.info("request %s: Gong accepted the erase (requestId %s)", request.id, accepted.request_id)


def fail_erase(ctx: JobContext, job: Job, request: ErasureRequest, failure: str, exc: Exception | None = None) -> None:
    """The erase will not succeed: the request fails, with Gong's errors and requestId, and its thread is told."""
    errors = list(getattr(exc, "errors", ()))
    gong_request_id = getattr(exc, "request_id", None)
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        tx.move(request, Event.GONG_FAILED, actor="gong", now=now,
                detail={"failure": failure, "errors": errors, "gong_request_id": gong_request_id},
                failure=failure, gong_request_id=gong_request_id, gong_errors=json.dumps(errors))  # fmt: skip
    ctx.wake()
    log.error("request %s: erase failed: %s", request.id, failure)


def give_up_erase(ctx: JobContext, job: Job, request: ErasureRequest, error: str) -> None:
    """The erase job kept crashing: fail the request (its approvers must hear), or bury a job with no work left."""
    if request.state is State.APPROVED:
        fail_erase(ctx, job, request, refusals.gong_internal_error(error))
        return
    with ctx.store.transaction() as tx:
        tx.bury(job, ctx.clock(), error)
