"""Calling Gong within the shared budget: take a slot, wait out a 429 deployment-wide, say once when the day's
allowance is spent, and audit what each call came back with."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...adapters.store import Tx
from ...domain.audit import AuditEvent
from ...domain.budget import Slot
from ...domain.gong import GongAccepted
from ...domain.jobs import Job, Kind
from ...domain.request import ErasureRequest
from ...domain.target import TargetKind
from ...errors import GongError, GongRateLimited, GongRejected, GongUnavailable
from ...render import refusals
from .context import JobContext, retry

__all__ = ["MAX_RATE_LIMITED", "EraseAnswer", "erase_within_budget", "on_time", "pause_after_429", "record_attempt",
           "take_slot", "until_slot", "wait_for_budget"]  # fmt: skip

log = logging.getLogger(__name__)

MAX_RATE_LIMITED = 100  # 429s one job sits out before it gives up
POSTPONING = 0.01  # a late call leaves this long after it asked to move the next slot: the write happens between


def take_slot(ctx: JobContext, on_slot: Callable[[Tx], None] | None = None) -> Slot:
    """A slot in the shared Gong budget (a moment ahead: see `until_slot`), with `on_slot` recording the call in
    the same transaction; short waits for a booking are slept here, long ones go back to the job table."""
    while True:
        slot = ctx.budget.acquire(on_slot, cold=not ctx.gong.warm)
        if slot.acquired or slot.daily_exhausted or slot.wait > 1.5 or ctx.stopping.is_set():
            return slot
        ctx.stopping.wait(slot.wait)


def until_slot(ctx: JobContext, slot: Slot) -> Slot:
    """Sleep until the booked slot, so the call leaves on it. A thread woken too late (a busy process) would crowd
    the call booked one interval after this slot: it moves that slot back by its lateness (usually nobody has
    booked it yet), or else takes a new slot. Returns the slot to send on, or, rarely, a refusal to wait any
    longer (then the job goes back to the table)."""
    for _ in range(5):
        ctx.stopping.wait(max(0.0, slot.at - ctx.clock()))
        now = ctx.clock()
        if now <= slot.latest or ctx.stopping.is_set():
            return slot
        postponed = ctx.budget.postpone(slot, now + POSTPONING)
        if postponed is not None:
            slot = postponed
            continue  # sleep the moment the postponing allowed for, then go
        log.debug("woke %.1f ms after the Gong slot; taking the next one", (now - slot.at) * 1000)
        slot = take_slot(ctx)
        if not slot.acquired:
            return slot
    return slot


def on_time(ctx: JobContext, slot: Slot) -> Callable[[], None]:
    """The check `until_slot` made, made again as the request is about to be written: between that check and the
    wire a busy process may stall the thread for tens of ms (the request is built, a connection taken from the pool),
    and a call leaving that late crowds the next. A late call then moves the next slot back by its lateness and
    waits the moment that takes. The next call is booked only a moment ahead of its slot, so it is rarely booked
    yet; if it is, this one goes as it is (a 429 would then pause every process, as Gong asks)."""

    def check() -> None:
        now = ctx.clock()
        if now <= slot.latest or ctx.stopping.is_set():
            return
        moved = ctx.budget.postpone(slot, now + POSTPONING)
        if moved is None:
            log.debug("left %.1f ms after the Gong slot, with the next one booked", (now - slot.at) * 1000)
            return
        ctx.stopping.wait(max(0.0, moved.at - ctx.clock()))

    return check


def pause_after_429(ctx: JobContext, retry_after: float | None, limited: int) -> float:
    """Hold every process's Gong calls for Gong's Retry-After, capped (missing or unreadable: our own backoff
    of at least a second, as Gong counts calls per second); returns that wait. The limit is the company's."""
    cap = ctx.retry.retry_after_cap
    wait = max(1.0, ctx.retry.delay(limited)) if retry_after is None else min(cap, retry_after)
    ctx.budget.pause(ctx.clock() + wait)
    return wait


def wait_for_budget(ctx: JobContext, job: Job, request: ErasureRequest, slot: Slot) -> None:
    """Put the erase back until the budget allows it; the first time the day's budget is spent, say so."""
    now = ctx.clock()
    resume_at = now + slot.wait
    payload = dict(job.payload)
    with ctx.store.transaction() as tx:
        if slot.daily_exhausted and not payload.get("budget_noted"):
            payload["budget_noted"] = True
            tx.note(request, AuditEvent.BUDGET_SPENT, actor="bot", now=now, detail={"resume_at": resume_at},
                    payloads={Kind.THREAD_NOTE: {"note": "daily_budget", "resume_at": resume_at}})  # fmt: skip
        tx.retry(job, now, run_at=resume_at, error="waiting for the Gong call budget", payload=payload)
    if slot.daily_exhausted:
        ctx.wake()
        log.warning("request %s: Gong's daily call budget is spent; resuming at %s", request.id,
                    time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(resume_at)))  # fmt: skip


def record_attempt(ctx: JobContext, request: ErasureRequest, detail: dict[str, object], started: float) -> None:
    """Audit what one erase call came back with, and how long it took."""
    detail["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    with ctx.store.transaction() as tx:
        tx.note(request, AuditEvent.GONG_ATTEMPT, actor="gong", now=ctx.clock(), detail=detail)


@dataclass(frozen=True)
class EraseAnswer:
    """What one erase call within the budget came to: Gong took it; it will not succeed (`failure`, in words for
    people, with Gong's `error`); or neither, and the job was put back (the budget, a 429, a failure that may
    pass), `slot` saying why when the budget did."""

    accepted: GongAccepted | None = None
    failure: str = ""
    error: GongError | None = None
    slot: Slot | None = None


def erase_within_budget(  # noqa: PLR0917 (the job, whose request, what to send, how to audit it)
    ctx: JobContext, job: Job, request: ErasureRequest, kind: TargetKind, identifier: str, attempt: dict[str, Any],
    on_slot: Callable[[Tx], None],
) -> EraseAnswer:  # fmt: skip
    """Send one erase in a slot of the shared budget (`on_slot` audits it with the booking, before it goes), and
    sort Gong's answer: accepted, given up on, or put back to run again; every answer but success is audited here
    (`attempt` says which call it was)."""
    slot = take_slot(ctx, on_slot=on_slot)
    if slot.acquired:
        slot = until_slot(ctx, slot)
    if not slot.acquired:
        wait_for_budget(ctx, job, request, slot)
        return EraseAnswer(slot=slot)
    started = time.monotonic()
    try:
        return EraseAnswer(accepted=ctx.gong.erase(kind, identifier, at_wire=on_time(ctx, slot)))
    except GongRateLimited as exc:
        limited = int(job.payload.get("rate_limited", 0)) + 1
        wait = pause_after_429(ctx, exc.retry_after, limited)
        record_attempt(
            ctx,
            request,
            attempt
            | {"status": 429, "retry_after": exc.retry_after, "gong_request_id": exc.request_id, "error": str(exc)},
            started,
        )
        if limited > MAX_RATE_LIMITED:
            return EraseAnswer(failure=refusals.gong_gave_up(str(exc), limited, rate_limited=True), error=exc)
        log.info("%s: Gong rate limit, retrying in %.1fs", request.id, wait)
        retry(ctx, job, wait, "rate limited", job.payload | {"rate_limited": limited})
    except GongUnavailable as exc:
        failures = int(job.payload.get("failures", 0)) + 1
        record_attempt(ctx, request, attempt | {"status": exc.status, "error": str(exc),
                                                "gong_request_id": exc.request_id}, started)  # fmt: skip
        if failures >= ctx.retry.max_attempts:
            return EraseAnswer(failure=refusals.gong_gave_up(str(exc), failures), error=exc)
        delay = ctx.retry.delay(failures)
        log.warning("%s: %s; retry %d in %.1fs", request.id, exc, failures, delay)
        retry(ctx, job, delay, str(exc), job.payload | {"failures": failures})
    except GongRejected as exc:
        record_attempt(ctx, request, attempt | {"status": exc.status, "error": str(exc), "errors": list(exc.errors),
                                                "gong_request_id": exc.request_id}, started)  # fmt: skip
        return EraseAnswer(failure=refusals.gong_failure(exc.status), error=exc)
    return EraseAnswer()
