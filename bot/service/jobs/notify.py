"""Telling people in Slack: the approval message, its updates, the notes in its thread, reminders; and what a
Slack failure means for each (retry, fall back to plain words, or cancel a request that cannot be posted)."""

from __future__ import annotations

import functools
import logging

from ...domain.audit import AuditEvent
from ...domain.jobs import Job, Kind
from ...domain.request import ErasureRequest, Event, State
from ...domain.target import TargetKind
from ...domain.workspace import is_direct_message
from ...errors import SlackError
from ...render import batches, notes, refusals, requests, subjects
from ...render.blocks import Message, plain_fallback
from ..batches import view_of
from .context import Handler, JobContext, finish, retry

__all__ = ["MAX_SLACK_ATTEMPTS", "TRANSIENT_SLACK", "approval_of", "break_glass", "post_approval", "receipt",
           "refresh_parent", "remind", "slack_job", "thread_note"]  # fmt: skip

log = logging.getLogger(__name__)

# Slack errors worth another try later; anything else will not pass by waiting.
TRANSIENT_SLACK = {
    "ratelimited", "connection_error", "internal_error", "fatal_error", "service_unavailable",
    "request_timeout", "http_error", "team_added_to_org",
}  # fmt: skip
_UNREACHABLE_CHANNEL = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}
_BLOCKS_REFUSED = {"invalid_blocks", "invalid_blocks_format"}  # then the words go out without the layout
MAX_SLACK_ATTEMPTS = 8


def slack_job(handler: Handler) -> Handler:
    """Run a handler that talks to Slack; a SlackError becomes a retry, plain words, or giving up."""

    @functools.wraps(handler)
    def run(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
        try:
            handler(ctx, job, request)
        except SlackError as exc:
            _slack_failed(ctx, job, request, exc)

    return run


@slack_job
def post_approval(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """Post the public approval message, then replace the requester's private confirmation."""
    response_url = str(job.payload.get("response_url") or "")
    where = ctx.approval_channel or request.channel
    if request.message_ts is None:
        text, blocks = approval_of(ctx, request)
        ts = ctx.slack.post_message(where, text, blocks)
        now = ctx.clock()
        with ctx.store.transaction() as tx:
            tx.complete(job, now)
            tx.set_columns(request.id, now, message_ts=ts, message_channel=where)
            tx.note(request, AuditEvent.POSTED, actor="bot", now=now, detail={"ts": ts, "channel": where})
        if where != request.channel and not is_direct_message(request.channel):
            _tell_origin(ctx, request, where)
    else:
        finish(ctx, job)
    if response_url:
        _respond(ctx, response_url, requests.submitted_ephemeral(request, where), replace=True)


def _tell_origin(ctx: JobContext, request: ErasureRequest, where: str) -> None:
    """Where the command was typed, a short public note that the request went to the approvals channel, with no
    identifier in it (a courtesy: the approval message is the record)."""
    text, blocks = requests.routed_note(request, where)
    try:
        ctx.slack.post_message(request.channel, text, blocks)
    except SlackError as exc:
        log.info("request %s: could not leave a note in the channel it was made in (%s)", request.id, exc.code)


@slack_job
def refresh_parent(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """Redraw the approval message from the request as it is now."""
    if request.message_ts:
        text, blocks = _plain_if_asked(job, approval_of(ctx, request))
        ctx.slack.update_message(request.thread_channel, request.message_ts, text, blocks)
    finish(ctx, job)


@slack_job
def thread_note(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """Say in the approval message's thread what became of the request (or of a check, or of the budget)."""
    if request.message_ts:
        if job.payload.get("note") == "daily_budget":
            note = notes.budget_note(request, float(job.payload["resume_at"]))
        elif job.payload.get("note") == "break_glass":
            note = notes.break_glass_note(request)
        elif job.payload.get("note") == "check":
            error = job.payload.get("error")
            note = notes.check_note(request, str(error) if error else None)
        else:
            note = notes.thread_note(request)
        text, blocks = _plain_if_asked(job, note)
        ctx.slack.post_message(request.thread_channel, text, blocks, thread_ts=request.message_ts)
    finish(ctx, job)


@slack_job
def remind(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """Nudge the approvers of a request still pending; the domain schedules the next nudge."""
    if request.state is not State.PENDING or not request.message_ts:
        finish(ctx, job)
        return
    nudge = int(job.payload.get("nudges", 0)) + 1
    text, blocks = notes.reminder(request, ctx.policy, nudge, ctx.clock())
    ctx.slack.post_message(request.thread_channel, text, blocks, thread_ts=request.message_ts)
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.complete(job, now)
        tx.note(request, AuditEvent.REMINDED, actor="bot", now=now, detail={"nudge": nudge},
                payloads={Kind.REMIND: {"nudges": nudge}})  # fmt: skip
    ctx.wake()


@slack_job
def receipt(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """Tell the requester by DM (the app's Messages tab) what became of their request: masked, with a link to its
    thread."""
    event = Event(str(job.payload.get("event")))
    text, blocks = requests.receipt(request, event)
    ctx.slack.post_message(request.requester, text, blocks)
    finish(ctx, job)


@slack_job
def break_glass(ctx: JobContext, job: Job, request: ErasureRequest) -> None:
    """A requester approved their own request: every other approver (listed, and members of approver groups) is
    told by DM; one whose DM fails is logged, the others are still told."""
    approvers = set(ctx.policy.users)
    for group in sorted(ctx.policy.groups):
        try:
            approvers |= ctx.slack.group_members(group)
        except SlackError as exc:
            log.warning("could not list approver group %s for the break-glass notice (%s)", group, exc.code)
    text, blocks = notes.break_glass_note(request)
    for approver in sorted(approvers - {request.requester}):
        try:
            ctx.slack.post_message(approver, text, blocks)
        except SlackError as exc:
            log.warning("could not tell %s of the break-glass approval of %s (%s)", approver, request.id, exc.code)
    finish(ctx, job)


def approval_of(ctx: JobContext, request: ErasureRequest) -> Message:
    """The public approval message of a request, or of a batch with its progress."""
    if request.kind.has_items:
        view = view_of(ctx.store, request, rate=ctx.calls_per_second, checks=len(ctx.schedule.verify_after))
        if request.kind is TargetKind.SUBJECT:
            return subjects.approval_message(view, ctx.policy, ctx.clock())
        return batches.approval_message(view, ctx.policy, ctx.clock())
    return requests.approval_message(request, ctx.policy, ctx.clock())


def _respond(ctx: JobContext, response_url: str, message: Message, *, replace: bool) -> None:
    text, blocks = message
    try:
        ctx.slack.respond(response_url, text, blocks, replace)
    except SlackError as exc:  # the ephemeral is a courtesy; the public message is the record
        log.info("could not update the requester's private message (%s)", exc.code)


def _slack_failed(ctx: JobContext, job: Job, request: ErasureRequest, exc: SlackError) -> None:
    transient = exc.code in TRANSIENT_SLACK or exc.code.startswith("http_5")
    if transient and job.attempts < MAX_SLACK_ATTEMPTS:
        delay = exc.retry_after if exc.retry_after is not None else ctx.retry.delay(job.attempts)
        log.warning("job %d (%s) for %s: Slack %s; retrying in %.1fs", job.id, job.kind, request.id,
                    exc.code, delay)  # fmt: skip
        retry(ctx, job, min(delay, ctx.retry.retry_after_cap), exc.code)
        return
    if job.kind is Kind.POST_APPROVAL:
        _undeliverable(ctx, job, request, exc)
        return
    if exc.code in _BLOCKS_REFUSED and not job.payload.get("plain"):
        log.error("job %d (%s) for %s: Slack refused our blocks; sending the words alone", job.id, job.kind,
                  request.id)  # fmt: skip
        retry(ctx, job, 0.0, exc.code, job.payload | {"plain": True})
        return
    log.error("job %d (%s) for %s: Slack refused (%s); giving up", job.id, job.kind, request.id, exc.code)
    with ctx.store.transaction() as tx:
        tx.bury(job, ctx.clock(), exc.code)


def _undeliverable(ctx: JobContext, job: Job, request: ErasureRequest, exc: SlackError) -> None:
    """The approval message cannot be posted: cancel (nothing is public yet) and tell the requester why."""
    now = ctx.clock()
    with ctx.store.transaction() as tx:
        tx.bury(job, now, exc.code)
        if request.state is State.PENDING:
            tx.move(request, Event.CANCEL, actor="bot", now=now, detail={"slack_error": exc.code}, decided_at=now)
    log.warning("request %s: cannot post in channel %s (%s)", request.id, request.channel, exc.code)
    response_url = str(job.payload.get("response_url") or "")
    if response_url:
        text = refusals.undeliverable(request.id, exc.code, unreachable_channel=exc.code in _UNREACHABLE_CHANNEL)
        _respond(ctx, response_url, refusals.refusal(text), replace=True)


def _plain_if_asked(job: Job, message: Message) -> Message:
    """After Slack refused a message's blocks, the retry carries its words as text, with no blocks at all."""
    text, blocks = message
    return (plain_fallback(blocks), []) if job.payload.get("plain") else (text, blocks)
