"""Private answers about what is going on: status, list and proof lookups (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..domain.audit import AuditEvent, AuditRow
from ..domain.batch import BatchItem, ItemOutcome
from ..domain.request import ErasureRequest, State
from ..domain.target import TargetKind
from .blocks import Blocks, Message, context, escape, section, slack_date, user
from .words import STATE_LINES, approvers_of, reason_text

__all__ = ["audit_checkpoint", "overview", "proof", "status"]


def proof(
    masked: str, requests: list[ErasureRequest], in_batches: Sequence[tuple[ErasureRequest, BatchItem]] = ()
) -> Message:
    """What the bot can prove about a number or address from its keyed hash alone (ephemeral, approvers): its own
    requests, and the lines of batches that listed it."""
    if not requests and not in_batches:
        text = f":mag: No record of an erase request for {escape(masked)}."
        return text, [section(text)]
    blocks: Blocks = [section(f":mag: *{len(requests) + len(in_batches)} erase request(s) for {escape(masked)}*")]
    for batch, item in in_batches[:10]:
        gong_id = f" · Gong requestId `{escape(item.gong_request_id)}`" if item.gong_request_id else ""
        blocks.append(section(
            f"*`{batch.id}`* line {item.line} ({_of(batch)}) · item {item.outcome.value}{gong_id}\n"
            f"Requested {slack_date(batch.created_at)} by {user(batch.requester)} · reason: {reason_text(batch)} · "
            f"batch: {STATE_LINES[batch.state]}"[:3000]))  # fmt: skip
    for request in requests[:20]:
        approvers = approvers_of(request) or "nobody"
        lines = [
            f"*`{request.id}`* · {STATE_LINES[request.state]}",
            f"Requested {slack_date(request.created_at)} by {user(request.requester)} · reason: {reason_text(request)}",
        ]
        if request.decided_at and request.state is not State.EXPIRED:
            verb = {State.REJECTED: "Rejected", State.CANCELLED: "Cancelled"}.get(request.state, "Approved")
            who = user(str(request.decided_by)) if verb != "Approved" else approvers
            lines.append(f"{verb} {slack_date(request.decided_at)} by {who}")
        if request.gong_request_id:
            lines.append(f"Gong requestId `{escape(request.gong_request_id)}`")
        if request.state in {State.VERIFIED, State.UNVERIFIED} and request.checked_at:
            lines.append(f"Last checked {slack_date(request.checked_at)}")
        elif request.next_check_at:
            lines.append(f"Next check {slack_date(request.next_check_at)}")
        blocks.append(section("\n".join(lines)[:3000]))
    if len(requests) > 20:
        blocks.append(context(f"…and {len(requests) - 20} older request(s); `python -m bot audit export` has all."))
    return f"{len(requests)} erase request(s) for {masked}", blocks


EVENT_WORDS: dict[AuditEvent, str] = {
    AuditEvent.CREATED: "drafted", AuditEvent.SUBMIT: "submitted for approval",
    AuditEvent.APPROVE: "approved (decided)", AuditEvent.APPROVAL: "approved", AuditEvent.REJECT: "rejected",
    AuditEvent.CANCEL: "cancelled", AuditEvent.EXPIRE: "expired", AuditEvent.POSTED: "posted in the channel",
    AuditEvent.PREVIEWED: "looked up what Gong holds", AuditEvent.GONG_CALL: "called Gong",
    AuditEvent.GONG_ATTEMPT: "Gong answered", AuditEvent.GONG_ACCEPTED: "Gong accepted the erase",
    AuditEvent.GONG_FAILED: "the erase failed", AuditEvent.VERIFIED_ERASED: "verified erased",
    AuditEvent.STILL_HELD: "checked: Gong still held data", AuditEvent.CHECK_FAILED: "could not check",
    AuditEvent.REMINDED: "reminded approvers", AuditEvent.REVEALED: "looked at the full identifier",
    AuditEvent.BUDGET_SPENT: "waited for Gong's daily allowance", AuditEvent.PROOF_LOOKUP: "looked up the records",
    AuditEvent.KEYS_ROTATED: "re-encrypted under a new key", AuditEvent.RETRY: "sent the failed items again",
    AuditEvent.BATCH_READ: "read the list", AuditEvent.ITEM_FAILED: "an item failed",
    AuditEvent.ITEM_CHECKED: "checked an item", AuditEvent.HASH_KEY_ROTATED: "handed the chain to a new hash key",
}  # fmt: skip


def status(request: ErasureRequest, trail: list[AuditRow], counts: Mapping[ItemOutcome, int] | None = None,
           items: Sequence[BatchItem] = ()) -> Message:  # fmt: skip
    """`/gong-erase status <id>`: where the request stands and what happened to it, oldest first. A batch's
    `counts` say where its items stand, and one person's request lists its `items` (masked); the history leaves
    out what happened to each item (the results file and the export have that)."""
    head = (
        f"*`{request.id}`* · {request.masked} · {STATE_LINES[request.state]}\n"
        f"Requested {slack_date(request.created_at)} by {user(request.requester)} · reason: {reason_text(request)}"
    )
    if counts is not None:
        head += "\nItems: " + " · ".join(f"{n:,} {outcome.value}" for outcome, n in counts.items() if n)
        for item in items:
            gong_id = f" · Gong requestId `{escape(item.gong_request_id)}`" if item.gong_request_id else ""
            head += f"\n• {escape(item.masked)} · {item.outcome.value}{gong_id}"
        trail = [row for row in trail if "line" not in row.detail]
    lines = []
    for row in trail[-40:]:
        what = EVENT_WORDS.get(row.event, row.event.value) if isinstance(row.event, AuditEvent) else escape(row.event)
        status_code = row.detail.get("status") if row.event is AuditEvent.GONG_ATTEMPT else None
        lines.append(
            f"{slack_date(row.at)} · {_actor(row.actor)} {what}" + (f" ({status_code})" if status_code else "")
        )
    history = "\n".join(lines) or "_nothing yet_"
    if len(trail) > 40:
        history = f"_…{len(trail) - 40} earlier event(s)_\n" + history
    return f"Request {request.id}: {request.state.value}", [section(head[:3000]), section(history[-3000:])]


def _of(request: ErasureRequest) -> str:
    """What an item belongs to: a batch, or one person's request."""
    return "one person's identifiers" if request.kind is TargetKind.SUBJECT else f"a batch of {request.masked}"


def _actor(actor: str) -> str:
    return user(actor) if actor[:1] in {"U", "W"} else actor  # "bot", "gong"


def overview(mine: list[ErasureRequest], pending: list[ErasureRequest] | None) -> Message:
    """`/gong-erase list`: your requests and, for approvers, everything waiting, newest first."""

    def line(request: ErasureRequest) -> str:
        return f"`{request.id}` · {request.masked} · {STATE_LINES[request.state]} · {slack_date(request.created_at)}"

    blocks: Blocks = [section("*Your requests*\n" + ("\n".join(map(line, mine)) or "_none_"))]
    if pending is not None:
        blocks.append(section("*Waiting for approval*\n" + ("\n".join(map(line, pending)) or "_nothing waiting_")))
    blocks.append(context("Details: `/gong-erase status <request id>`"))
    return "Your erase requests", blocks


def audit_checkpoint(day: str, *, head_id: int, head_hash: str, rows: int) -> Message:
    """The day's record of the chain's head, kept outside the database; `audit verify --head` checks against it."""
    text = (
        f":lock: *Audit checkpoint {day}:* {rows:,} row(s); the last is #{head_id}, sealed `{head_hash}`.\n"
        f"Whoever can edit the database cannot edit this message. Check the log still holds it with "
        f"`python -m bot audit verify --head {head_id}:{head_hash}`."
    )
    return f"Audit checkpoint {day}: row {head_id}", [section(text)]
