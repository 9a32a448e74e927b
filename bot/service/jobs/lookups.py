"""Asking Gong what it holds: the preview approvers see before they decide, and the checks after the erase."""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.audit import AuditEvent
from ...domain.gong import GongLookup
from ...domain.jobs import Job, Kind
from ...domain.request import ErasureRequest, Event, State
from ...domain.target import TargetKind
from ...errors import GongRateLimited, GongRejected, GongUnavailable
from ...render import refusals
from .context import JobContext, finish, retry
from .gong_calls import MAX_RATE_LIMITED, on_time, pause_after_429, take_slot, until_slot

__all__ = ["LookupFailed", "lookup_within_budget", "preview", "verify"]


@dataclass(frozen=True)
class LookupFailed:
    """A lookup that will not succeed by retrying; `reason` is said to people."""

    reason: str


def preview(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """Show the approvers what Gong holds; a failure says why, and the flow goes on without it."""
    if request.state is not State.PENDING:
        finish(ctx, job)  # decided before the lookup ran: nobody needs the preview any more
        return
    found = _lookup(ctx, job, request)
    if found is None:
        return
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        if isinstance(found, LookupFailed):
            tx.set_columns(request.id, now, preview_error=found.reason)
            detail: dict[str, object] = {"error": found.reason}
        else:
            tx.set_columns(request.id, now, preview=found.holdings.to_json(), preview_error=None)
            detail = {"references": found.holdings.references, "gong_request_id": found.request_id}
        tx.note(request, AuditEvent.PREVIEWED, actor="gong", now=now, detail=detail)
    ctx.wake()


def verify(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """One scheduled check after the erase: gone → verified; still there → the next check, or give up."""
    if request.state is not State.SUBMITTED:
        finish(ctx, job)
        return
    found = _lookup(ctx, job, request)
    if found is None:
        return
    check = int(job.payload.get("check", 0))
    accepted_at = float(job.payload.get("accepted_at", request.decided_at or ctx.clock()))
    checks_left = len(ctx.schedule.verify_after) - (check + 1)
    later = accepted_at + ctx.schedule.verify_after[check + 1] if checks_left > 0 else None
    now = ctx.clock()
    failed = isinstance(found, LookupFailed)
    erased = not isinstance(found, LookupFailed) and found.holdings.empty
    note: dict[str, object] = {"note": "check"}
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        if isinstance(found, LookupFailed):
            tx.set_columns(request.id, now, checked_at=now, next_check_at=later)
            detail: dict[str, object] = {"check": check + 1, "error": found.reason}
            note["error"] = found.reason
        else:
            held = found.holdings
            tx.set_columns(request.id, now, checked_at=now, remaining=None if held.empty else held.to_json(),
                           next_check_at=None if held.empty else later)  # fmt: skip
            detail = {"check": check + 1, "references": held.references, "gong_request_id": found.request_id}
        payloads: dict[Kind, dict[str, object]] = {
            Kind.THREAD_NOTE: note, Kind.VERIFY: {"check": check + 1, "accepted_at": accepted_at},
        }  # fmt: skip
        if erased:
            tx.move(request, Event.VERIFIED_ERASED, actor="gong", now=now, detail=detail, payloads=payloads)
        elif later is not None:
            event = AuditEvent.CHECK_FAILED if failed else AuditEvent.STILL_HELD
            tx.note(request, event, actor="gong", now=now, detail=detail, payloads=payloads)
        else:
            tx.move(request, Event.STILL_HELD, actor="gong", now=now, detail=detail, payloads=payloads)
    ctx.wake()


def _lookup(ctx: JobContext, job: Job, request: ErasureRequest) -> GongLookup | LookupFailed | None:
    return lookup_within_budget(ctx, job, request.kind, request.identifier)


def lookup_within_budget(
    ctx: JobContext, job: Job, kind: TargetKind, identifier: str | None
) -> GongLookup | LookupFailed | None:
    """Ask Gong what it holds for one identifier; None when the job was put back to run again (budget, 429, a
    passing error)."""
    if not identifier:
        return LookupFailed(refusals.lookup_failure(gone=kind))
    slot = take_slot(ctx)
    if slot.acquired:
        slot = until_slot(ctx, slot)
    if not slot.acquired:
        retry(ctx, job, slot.wait, "waiting for the Gong call budget")
        return None
    try:
        return ctx.gong.lookup(kind, identifier, at_wire=on_time(ctx, slot))
    except GongRateLimited as exc:
        limited = int(job.payload.get("rate_limited", 0)) + 1
        if limited > MAX_RATE_LIMITED:
            return LookupFailed(refusals.lookup_failure(rate_limited=True))
        wait = pause_after_429(ctx, exc.retry_after, limited)
        retry(ctx, job, wait, "rate limited", job.payload | {"rate_limited": limited})
        return None
    except GongUnavailable as exc:
        failures = int(job.payload.get("failures", 0)) + 1
        if failures >= ctx.retry.max_attempts:
            return LookupFailed(refusals.lookup_failure(error=str(exc)))
        retry(ctx, job, ctx.retry.delay(failures), str(exc), job.payload | {"failures": failures})
        return None
    except GongRejected as exc:
        return LookupFailed(refusals.lookup_failure(exc.status))
