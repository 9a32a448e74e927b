"""A batch's jobs (and those of one person's several identifiers), once it is read (see jobs.intake): once
approved, erase its items one after the other, each its own durable job that queues the next; tell its progress;
check its items later; upload the results file at the end.

The items of one batch go one at a time, in list order (a unique index allows one live item job per batch), each
through the shared Gong budget: the budget paces them at Gong's rate, and a single request's erase still finds
its slot between two items."""

from __future__ import annotations

import logging
from typing import Any

from ...adapters.store import Tx
from ...domain.audit import AuditEvent
from ...domain.batch import (
    BatchItem,
    BatchView,
    ItemEvent,
    ItemOutcome,
    item_is_over,
)
from ...domain.gong import GongAccepted
from ...domain.jobs import Job, Kind, NewJob
from ...domain.request import ErasureRequest, Event, State
from ...domain.target import TargetKind
from ...render import batches as render
from ...render import notes, refusals, subjects
from ..batches import view_of
from .context import JobContext, finish
from .gong_calls import erase_within_budget
from .lookups import LookupFailed, lookup_within_budget
from .notify import slack_job

__all__ = ["PROGRESS_EVERY", "SAMPLE_SIZE", "give_up_item", "item_erase", "preview", "results_file", "start",
           "thread_note", "verify", "view"]  # fmt: skip

log = logging.getLogger(__name__)

PROGRESS_EVERY = 3.0  # seconds between two progress updates of the approval message (chat.update is tier 3)
SAMPLE_SIZE = 25  # identifiers the approvers' preview looks up: Gong's daily allowance is shared by everything


def view(ctx: JobContext, batch: ErasureRequest) -> BatchView:
    """The batch as its messages show it."""
    return view_of(ctx.store, batch, rate=ctx.calls_per_second, checks=len(ctx.schedule.verify_after))


# -- the approvers' preview ---------------------------------------------------------------------------------------


def preview(ctx: JobContext, job: Job, batch: ErasureRequest) -> None:
    """Look up a sample of the batch (at most SAMPLE_SIZE, spread over the list) for the approvers."""
    if batch.state is not State.PENDING:
        finish(ctx, job)
        return
    items = ctx.store.batch.items(batch.id, [ItemOutcome.WAITING])
    step = max(1, len(items) / SAMPLE_SIZE)
    sample = [items[int(i * step)] for i in range(min(SAMPLE_SIZE, len(items)))]
    held = failed = 0
    for item in sample:
        found = lookup_within_budget(ctx, job, item.kind, item.identifier)
        if found is None:
            return  # put back (budget, a 429): the sample is looked up again when it runs
        if isinstance(found, LookupFailed):
            failed += 1
        elif not found.holdings.empty:
            held += 1
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        tx.batch.set_facts(batch.id, sampled=len(sample) - failed, sampled_held=held)
        tx.note(batch, AuditEvent.PREVIEWED, actor="gong", now=now,
                detail={"sampled": len(sample), "held": held, "failed": failed})  # fmt: skip
    ctx.wake()


# -- execution ----------------------------------------------------------------------------------------------------


def start(ctx: JobContext, job: Job, batch: ErasureRequest) -> None:
    """The batch's one erase job (caused by its approval, as a single request's): queue its first item."""
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        if batch.state is State.APPROVED:
            tx.batch.set_facts(batch.id, progress_at=now)  # the approval just redrew the message: 3 s from now
            _next_item(tx, batch, after=0, now=now, first_check=_first_check(ctx, now))
    ctx.wake()
    log.info("batch %s approved: sending its items to Gong", batch.id)


def item_erase(ctx: JobContext, job: Job, batch: ErasureRequest) -> None:
    """Send one item's erase to Gong within the budget; record its answer and queue the next item."""
    line = int(job.payload.get("line") or 0)
    item = ctx.store.batch.item(batch.id, line)
    if batch.state is not State.APPROVED or item is None or item.outcome is not ItemOutcome.WAITING:
        _settle(ctx, job, batch, None, after=line)  # nothing to send for it: on to the next
        return
    if item.unreadable or not item.identifier:
        _settle(ctx, job, batch, item, failure=refusals.unreadable_identifier(item.kind))
        return
    attempt: dict[str, Any] = {"line": line, "attempt": job.attempts, "masked": item.masked}

    def audit_the_call(tx: Tx) -> None:  # with the booking, before the call (see erase.erase)
        tx.note(batch, AuditEvent.GONG_CALL, actor="gong", now=ctx.clock(), detail=attempt)
        tx.batch.count_attempt(item)

    answer = erase_within_budget(ctx, job, batch, item.kind, item.identifier, attempt, audit_the_call)
    if answer.accepted is not None:
        _settle(ctx, job, batch, item, accepted=answer.accepted)
    elif answer.failure:
        errors = "; ".join(getattr(answer.error, "errors", ()))
        failure = answer.failure + (f" Gong said: {errors}" if errors else "")
        _settle(ctx, job, batch, item, failure=failure, gong_id=getattr(answer.error, "request_id", None))
    elif answer.slot is not None and answer.slot.daily_exhausted:
        _resumes_at(ctx, batch, ctx.clock() + answer.slot.wait)


def give_up_item(ctx: JobContext, job: Job, batch: ErasureRequest, error: str) -> None:
    """An item's job kept crashing: the item fails (its approvers hear it in the summary), and the batch goes on."""
    item = ctx.store.batch.item(batch.id, int(job.payload.get("line") or 0))
    waiting = item if item is not None and item.outcome is ItemOutcome.WAITING else None
    _settle(ctx, job, batch, waiting, failure=refusals.gong_internal_error(error), after=item.line if item else 0)


def _settle(ctx: JobContext, job: Job, batch: ErasureRequest, item: BatchItem | None, *,
            accepted: GongAccepted | None = None, failure: str = "", gong_id: str | None = None,
            after: int = 0) -> None:  # fmt: skip
    """Record the item's answer (none: it was not waiting), and queue the next item or end the batch, in one
    transaction with the job's completion: a crash leaves the item to send again, never the chain broken."""
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        if item is not None and accepted is not None:
            to = tx.batch.move_item(
                item,
                ItemEvent.GONG_ACCEPTED,
                now=now,
                gong_request_id=accepted.request_id,
                error="",
                wipe=item_is_over(ItemOutcome.ACCEPTED, len(ctx.schedule.verify_after)),
            )
            tx.note(batch, AuditEvent.GONG_ATTEMPT, actor="gong", now=now,
                    detail={"line": item.line, "masked": item.masked, "status": accepted.status, "outcome": to.value,
                            "gong_request_id": accepted.request_id, "elapsed_ms": accepted.elapsed_ms})  # fmt: skip
        elif item is not None:
            to = tx.batch.move_item(item, ItemEvent.GONG_FAILED, now=now, wipe=False, error=failure,
                                    gong_request_id=gong_id)  # fmt: skip
            tx.note(batch, AuditEvent.ITEM_FAILED, actor="gong", now=now,
                    detail={"line": item.line, "masked": item.masked, "failure": failure, "gong_request_id": gong_id,
                            "outcome": to.value})  # fmt: skip
        current = tx.get_request(batch.id)
        if current is not None and current.state is State.APPROVED:
            _next_item(tx, current, after=item.line if item else after, now=now, first_check=_first_check(ctx, now))
    ctx.wake()


def _next_item(tx: Tx, batch: ErasureRequest, *, after: int, now: float, first_check: float | None) -> None:
    """Queue the next waiting item's job, telling the progress at most every PROGRESS_EVERY seconds; or, when
    none is left, end the batch's run: submitted when Gong accepted any item, else failed."""
    line = tx.batch.next_waiting(batch.id, after)
    facts = tx.batch.facts(batch.id)
    if line is not None:
        tx.enqueue(NewJob(Kind.ITEM_ERASE, batch.id, now, {"line": line}), now)
        if facts is not None and facts.resume_at is not None:
            tx.batch.set_facts(batch.id, resume_at=None)
        if facts is not None and (facts.progress_at is None or now - facts.progress_at >= PROGRESS_EVERY):
            tx.batch.set_facts(batch.id, progress_at=now)
            tx.enqueue(NewJob(Kind.REFRESH_PARENT, batch.id, now), now)
        return
    counts = tx.batch.counts(batch.id)
    sent = counts[ItemOutcome.ACCEPTED] + counts[ItemOutcome.VERIFIED] + counts[ItemOutcome.UNVERIFIED]
    detail = {"accepted": sent, "failed": counts[ItemOutcome.FAILED], "refused": counts[ItemOutcome.REFUSED]}
    tx.batch.set_facts(batch.id, ended_at=now, progress_at=now, resume_at=None)
    if sent:
        tx.move(batch, Event.GONG_ACCEPTED, actor="gong", now=now, detail=detail, next_check_at=first_check)
    else:
        tx.move(batch, Event.GONG_FAILED, actor="gong", now=now, detail=detail,
                failure="Gong accepted none of the batch's items")  # fmt: skip


def _first_check(ctx: JobContext, now: float) -> float | None:
    return now + ctx.schedule.verify_after[0] if ctx.schedule.verify_after else None


def _resumes_at(ctx: JobContext, batch: ErasureRequest, resume_at: float) -> None:
    """The day's allowance is spent: the approval message says when the batch goes on."""
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        facts = tx.batch.facts(batch.id)
        if facts is not None and facts.resume_at is None:
            tx.batch.set_facts(batch.id, resume_at=resume_at, progress_at=now)
            tx.enqueue(NewJob(Kind.REFRESH_PARENT, batch.id, now), now)
    ctx.wake()


# -- checks after the erase ---------------------------------------------------------------------------------------


def verify(ctx: JobContext, job: Job, batch: ErasureRequest) -> None:
    """One round of checks: every item Gong accepted and not yet found erased is looked up (an item found erased
    is not checked again); the round ends with one note in the thread, with counts."""
    if batch.state is not State.SUBMITTED:
        finish(ctx, job)
        return
    check = int(job.payload.get("check", 0))
    accepted_at = float(job.payload.get("accepted_at", batch.decided_at or ctx.clock()))
    last_round = check + 1 >= len(ctx.schedule.verify_after)
    for item in ctx.store.batch.items(batch.id, [ItemOutcome.ACCEPTED]):
        if item.checks > check:
            continue  # checked in this round before a restart
        found = lookup_within_budget(ctx, job, item.kind, item.identifier)
        if found is None:
            return  # put back; the round goes on from here when it runs again
        now = ctx.clock()
        erased = not isinstance(found, LookupFailed) and found.holdings.empty
        with ctx.store.transaction() as tx:
            checked = {"line": item.line, "masked": item.masked, "check": check + 1}
            if isinstance(found, LookupFailed):
                checked["error"] = found.reason
            else:
                checked |= {"references": found.holdings.references, "gong_request_id": found.request_id}
            outcome = item.outcome
            if erased:
                outcome = tx.batch.move_item(item, ItemEvent.VERIFIED_ERASED, now=now, wipe=True, checks=check + 1)
            elif last_round:
                outcome = tx.batch.move_item(item, ItemEvent.STILL_HELD, now=now, wipe=True, checks=check + 1)
            else:
                tx.batch.count_check(item, check + 1)
            tx.note(batch, AuditEvent.ITEM_CHECKED, actor="gong", now=now, detail=checked | {"outcome": outcome.value})
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        counts = tx.batch.counts(batch.id)
        tally = {"verified": counts[ItemOutcome.VERIFIED], "still_held": counts[ItemOutcome.ACCEPTED],
                 "unverified": counts[ItemOutcome.UNVERIFIED]}  # fmt: skip
        payloads: dict[Kind, dict[str, Any]] = {
            Kind.THREAD_NOTE: {"note": "batch_check", "round": check + 1} | tally,
            Kind.VERIFY: {"check": check + 1, "accepted_at": accepted_at},
        }
        detail = {"check": check + 1} | tally
        more = counts[ItemOutcome.ACCEPTED] and not last_round
        later = accepted_at + ctx.schedule.verify_after[check + 1] if more else None
        tx.set_columns(batch.id, now, checked_at=now, next_check_at=later)
        if counts[ItemOutcome.ACCEPTED]:
            tx.note(batch, AuditEvent.STILL_HELD, actor="gong", now=now, detail=detail, payloads=payloads)
        else:
            event = Event.STILL_HELD if counts[ItemOutcome.UNVERIFIED] else Event.VERIFIED_ERASED
            tx.move(batch, event, actor="gong", now=now, detail=detail, payloads=payloads)
    ctx.wake()


# -- the end ------------------------------------------------------------------------------------------------------


@slack_job
def thread_note(ctx: JobContext, job: Job, batch: ErasureRequest) -> None:
    """Say in the thread what became of the batch: its summary when its run ends (then the results file follows),
    a round of checks, a spent daily allowance, or a decision that ended it."""
    if not batch.message_ts:
        finish(ctx, job)
        return
    note = job.payload.get("note")
    summary = checked = False
    if note == "daily_budget":
        text, blocks = render.budget_note(batch, float(job.payload["resume_at"]))
    elif note == "batch_check":
        text, blocks = render.check_note(batch, job.payload)
        checked = batch.kind is TargetKind.BATCH and not int(job.payload.get("still_held", 0))
    elif batch.state in {State.SUBMITTED, State.FAILED} and batch.kind is TargetKind.SUBJECT:
        text, blocks = subjects.summary(view(ctx, batch))  # ten at most: listed, no results file
    elif batch.state in {State.SUBMITTED, State.FAILED}:
        text, blocks = render.summary(view(ctx, batch))
        summary = True
    else:
        text, blocks = notes.thread_note(batch)
    ctx.slack.post_message(batch.thread_channel, text, blocks, thread_ts=batch.message_ts)
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        if summary or checked:  # at the end of the run, and again with what the last checks found
            tx.enqueue(NewJob(Kind.RESULTS_FILE, batch.id, now, {"checked": checked}), now)
    ctx.wake()


@slack_job
def results_file(ctx: JobContext, job: Job, batch: ErasureRequest) -> None:
    """Upload the results file into the thread: one row per line of the list, never an identifier; once when the
    run ends, and once more when the checks are over, each item's outcome then the checks' verdict."""
    if batch.message_ts:
        items = ctx.store.batch.items(batch.id)
        name, content, title = render.results_file(batch, items, checked=bool(job.payload.get("checked")))
        ctx.slack.upload_file(batch.thread_channel, batch.message_ts, name, content, title)
    finish(ctx, job)
