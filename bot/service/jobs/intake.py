"""Reading a batch: its pasted list and its file (fetched from Slack with the bot token), stored one row per
line; then the requester's private confirmation, or why nothing in it can be erased."""

from __future__ import annotations

import logging
from typing import Any

from ...domain.audit import AuditEvent
from ...domain.batch import MAX_BATCH_BYTES, Intake, ItemOutcome, item_facts, read_sources
from ...domain.integrity import identifier_hash, items_digest
from ...domain.jobs import Job
from ...domain.request import ErasureRequest, Event, State
from ...domain.target import Target
from ...errors import InputRejected, SlackError
from ...render import batches as render
from ...render import refusals
from .batch import view
from .context import JobContext, finish, retry
from .notify import MAX_SLACK_ATTEMPTS, TRANSIENT_SLACK

__all__ = ["give_up_intake", "intake"]

log = logging.getLogger(__name__)


def intake(ctx: JobContext, job: Job, batch: ErasureRequest) -> None:
    """Read the pasted list and the file, store one row per line, and show the requester what was understood
    (or why nothing can be done with it), privately."""
    if batch.state is not State.DRAFT:
        finish(ctx, job)
        return
    unread = ctx.store.batch.unread(batch.id)
    if unread is not None:
        pasted, url = unread
        try:
            data = ctx.slack.download(url, MAX_BATCH_BYTES) if url else None
            read = read_sources(pasted, data)
        except SlackError as exc:
            if exc.code in TRANSIENT_SLACK and job.attempts < MAX_SLACK_ATTEMPTS:
                retry(ctx, job, ctx.retry.delay(job.attempts), exc.code)
                return
            _refuse(ctx, job, batch, render.file_unreadable(exc.code), {"slack_error": exc.code})
            return
        except InputRejected as refusal:
            _refuse(ctx, job, batch, render.intake_refused(refusals.explain(refusal)), {"why": refusal.why.value})
            return
        if not read.items:
            _refuse(ctx, job, batch, render.nothing_to_erase(batch, read), {"refused": len(read.refused)})
            return
        _record(ctx, batch, read)
    _confirm(ctx, job, batch)


def _record(ctx: JobContext, batch: ErasureRequest, read: Intake) -> None:
    def hash_of(target: Target) -> str | None:
        return identifier_hash(ctx.hash_key, target.kind, target.identifier) if ctx.hash_key else None

    now = ctx.clock()
    counts = {"items": len(read.items), "phones": read.phones, "addresses": read.addresses,
              "duplicates": read.duplicates, "refused": len(read.refused)}  # fmt: skip
    with ctx.store.transaction() as tx:
        if tx.batch.unread(batch.id) is None:
            return  # another worker read it first
        tx.batch.record_intake(batch.id, read, hash_of, render.refused_words, now)
        tx.set_columns(batch.id, now, masked=render.size(len(read.items)))
        sealed = items_digest(item_facts(tx.batch.items(batch.id)))
        tx.note(batch, AuditEvent.BATCH_READ, actor="bot", now=now, detail=counts | {"items_digest": sealed})
    log.info("batch %s read: %d item(s), %d duplicate(s) merged, %d line(s) refused", batch.id, len(read.items),
             read.duplicates, len(read.refused))  # fmt: skip


def _confirm(ctx: JobContext, job: Job, batch: ErasureRequest) -> None:
    fresh = ctx.store.get_request(batch.id) or batch
    refused = ctx.store.batch.items(batch.id, [ItemOutcome.REFUSED], limit=render.SHOWN_REFUSALS)
    text, blocks = render.confirmation(view(ctx, fresh), refused)
    try:
        ctx.slack.post_ephemeral(batch.channel, batch.requester, text, blocks)
    except SlackError as exc:
        if exc.code in TRANSIENT_SLACK and job.attempts < MAX_SLACK_ATTEMPTS:
            retry(ctx, job, ctx.retry.delay(job.attempts), exc.code)
            return
        log.warning("batch %s: cannot show the requester the confirmation (%s); cancelling it", batch.id, exc.code)
        now = ctx.clock()
        with ctx.store.transaction() as tx:
            tx.bury(job, now, exc.code)
            tx.move(fresh, Event.CANCEL, actor="bot", now=now, detail={"slack_error": exc.code}, decided_at=now)
        return
    finish(ctx, job)


def give_up_intake(ctx: JobContext, job: Job, batch: ErasureRequest, error: str) -> None:
    """Reading the batch kept crashing: it ends, and the requester is told to try again."""
    if batch.state is not State.DRAFT:
        with ctx.store.transaction() as tx:
            tx.bury(job, ctx.clock(), error)
        return
    message = render.intake_refused(f"The bot hit an internal error reading the list ({error}); ask an admin to "
                                    "check its logs.")  # fmt: skip
    _refuse(ctx, job, batch, message, {"error": error})


def _refuse(ctx: JobContext, job: Job, batch: ErasureRequest, message: tuple[str, list[dict[str, Any]]],
            detail: dict[str, Any]) -> None:  # fmt: skip
    """Nothing in the batch can be erased: it ends here, nothing is kept of its list, and the requester is told."""
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        tx.batch.forget_intake(batch.id, now)
        tx.move(batch, Event.CANCEL, actor="bot", now=now, detail=detail, decided_at=now)
    text, blocks = message
    try:
        ctx.slack.post_ephemeral(batch.channel, batch.requester, text, blocks)
    except SlackError as exc:
        log.warning("batch %s: cannot tell the requester why it was refused (%s)", batch.id, exc.code)
