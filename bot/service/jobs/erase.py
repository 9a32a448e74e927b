"""The one erase call to Gong: budgeted, audited before it is sent, retried while the failure may pass."""

from __future__ import annotations

import json
import logging

from ...adapters.store import Tx
from ...domain.audit import AuditEvent
from ...domain.jobs import Job
from ...domain.request import ErasureRequest, Event, State
from ...render import refusals
from .context import JobContext, finish
from .gong_calls import erase_within_budget

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

    answer = erase_within_budget(ctx, job, request, request.kind, request.identifier, attempt, audit_the_call)
    if answer.failure:
        fail_erase(ctx, job, request, answer.failure, answer.error)
        return
    accepted = answer.accepted
    if accepted is None:
        return  # put back: it runs again when the budget, Gong's Retry-After or the backoff allows
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
