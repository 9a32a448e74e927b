"""The App Home tab: what waits for an approver, and each person's own requests (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.approval import ApprovalPolicy
from ..domain.request import ErasureRequest
from .blocks import button, context, escape, header, section, slack_date, user
from .words import STATE_LINES, approve_button, describe_holdings, due_text, reason_text

__all__ = ["home_view"]

MAX_PENDING_SHOWN = 20  # 4 blocks each; Slack allows 100 blocks in a view
MAX_OWN_SHOWN = 15


def home_view(
    user_id: str,
    mine: list[ErasureRequest],
    pending: list[ErasureRequest] | None,
    *,
    policy: ApprovalPolicy,
    now: float,
    notice: str | None = None,
    unreadable: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`pending` is None for people who are not approvers: they see only their own requests. `unreadable`:
    approver groups Slack would not read, shown to approvers so that someone fixes the setting."""
    blocks: list[dict[str, Any]] = [
        header("Gong erase requests"),
    ]
    if notice:
        blocks.append(section(notice[:3000]))
    if unreadable:
        broken = ", ".join(f"`{escape(group)}` ({escape(code)})" for group, code in sorted(unreadable.items())[:10])
        blocks.append(context(f":warning: Approver group(s) {broken} cannot be read, so their members cannot approve "
                              "until an admin fixes GONG_ERASE_APPROVERS (`python -m bot check` says how). Everyone "
                              "else listed can."))  # fmt: skip
    if pending is not None:
        blocks.append(
            section(f"*Waiting for approval* ({len(pending)})" if pending else "*Nothing waits for approval.*")
        )
        for request in pending[:MAX_PENDING_SHOWN]:
            blocks += _pending(request, user_id, policy, now)
        if len(pending) > MAX_PENDING_SHOWN:
            blocks.append(context(f"…and {len(pending) - MAX_PENDING_SHOWN} more, oldest first in "
                                   "`/gong-erase list`; approve them in their channel messages."))  # fmt: skip
        blocks.append({"type": "divider"})
    lines = [
        f"`{r.id}` · {r.masked} · {STATE_LINES[r.state]} · {slack_date(r.created_at)}" for r in mine[:MAX_OWN_SHOWN]
    ]
    text = "*Your requests*\n" + ("\n".join(lines) if lines else "_none yet: start one with `/gong-erase`_")
    blocks.append(section(text[:3000]))
    if len(mine) > MAX_OWN_SHOWN:
        blocks.append(context("Older ones: `/gong-erase list`, or `/gong-erase status <request id>`."))
    return {"type": "home", "blocks": blocks}


def _pending(request: ErasureRequest, user_id: str, policy: ApprovalPolicy, now: float) -> list[dict[str, Any]]:
    requested = f"requested by {user(request.requester)} {slack_date(request.created_at)}"
    lines = [
        f"*`{request.id}`* · {request.masked} · {requested}",
        f"Reason: {reason_text(request)} · approvals {len(request.approvals)} of {request.required_approvals}",
    ]
    if request.preview is not None:
        lines.append(f"Gong holds: {describe_holdings(request.preview)}")
    due = due_text(request, now)
    if due:
        lines.append(f"Due: {due}")
    elements = [approve_button(request), button("erase_reject", "Reject", request.id, "danger")]
    if user_id in request.approvals:
        elements = [elements[1]]  # already approved by this person; they may still reject
    return [
        section("\n".join(lines)[:3000]),
        {"type": "actions", "block_id": f"home_{request.id}", "elements": elements},
        context(f"Expires {slack_date(request.expires_at)} · the channel message has the same buttons"),
    ]
