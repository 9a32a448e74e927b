"""Private answers about what is going on: status, list and proof lookups (pure)."""

from __future__ import annotations

from typing import Any

from .blocks import STATE_LINES, Blocks, context, escape, reason_text, section, slack_date
from .erasure import ErasureRequest, State


def proof(masked: str, requests: list[ErasureRequest]) -> tuple[str, Blocks]:
    """What the bot can prove about a number or address from its keyed hash alone (ephemeral, approvers)."""
    if not requests:
        text = f":mag: No record of an erase request for {escape(masked)}."
        return text, [section(text)]
    blocks: Blocks = [section(f":mag: *{len(requests)} erase request(s) for {escape(masked)}*")]
    for request in requests[:20]:
        approvers = ", ".join(f"<@{user}>" for user in request.approvals) or "nobody"
        lines = [
            f"*`{request.id}`* · {STATE_LINES[request.state]}",
            f"Requested {slack_date(request.created_at)} by <@{request.requester}> · reason: {reason_text(request)}",
        ]
        if request.decided_at and request.state is not State.EXPIRED:
            verb = {State.REJECTED: "Rejected", State.CANCELLED: "Cancelled"}.get(request.state, "Approved")
            who = f"<@{request.decided_by}>" if verb != "Approved" else approvers
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


_EVENT_WORDS = {
    "created": "drafted", "submit": "submitted for approval", "approve": "approved (decided)",
    "approval": "approved", "reject": "rejected", "cancel": "cancelled", "expire": "expired",
    "posted": "posted in the channel", "previewed": "looked up what Gong holds", "gong_call": "called Gong",
    "gong_attempt": "Gong answered", "gong_accepted": "Gong accepted the erase", "gong_failed": "the erase failed",
    "verified_erased": "verified erased", "still_held": "checked: Gong still held data",
    "check_failed": "could not check", "reminded": "reminded approvers", "revealed": "looked at the full identifier",
    "gong_budget_spent": "waited for Gong's daily allowance",
}  # fmt: skip


def status(request: ErasureRequest, trail: list[dict[str, Any]]) -> tuple[str, Blocks]:
    """`/gong-erase status <id>`: where the request stands and what happened to it, oldest first."""
    head = (
        f"*`{request.id}`* · {request.masked} · {STATE_LINES[request.state]}\n"
        f"Requested {slack_date(request.created_at)} by <@{request.requester}> · reason: {reason_text(request)}"
    )
    lines = []
    for row in trail[-40:]:
        what = _EVENT_WORDS.get(row["event"], row["event"])
        status_code = row["detail"].get("status") if row["event"] == "gong_attempt" else None
        lines.append(
            f"{slack_date(row['at'])} · {_actor(row['actor'])} {what}" + (f" ({status_code})" if status_code else "")
        )
    history = "\n".join(lines) or "_nothing yet_"
    if len(trail) > 40:
        history = f"_…{len(trail) - 40} earlier event(s)_\n" + history
    return f"Request {request.id}: {request.state.value}", [section(head[:3000]), section(history[-3000:])]


def _actor(actor: str) -> str:
    return f"<@{actor}>" if actor[:1] in {"U", "W"} else actor  # "bot", "gong"


def overview(mine: list[ErasureRequest], pending: list[ErasureRequest] | None) -> tuple[str, Blocks]:
    """`/gong-erase list`: your requests and, for approvers, everything waiting, newest first."""

    def line(request: ErasureRequest) -> str:
        return f"`{request.id}` · {request.masked} · {STATE_LINES[request.state]} · {slack_date(request.created_at)}"

    blocks: Blocks = [section("*Your requests*\n" + ("\n".join(map(line, mine)) or "_none_"))]
    if pending is not None:
        blocks.append(section("*Waiting for approval*\n" + ("\n".join(map(line, pending)) or "_nothing waiting_")))
    blocks.append(context("Details: `/gong-erase status <request id>`"))
    return "Your erase requests", blocks
