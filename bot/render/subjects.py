"""One person's request with several identifiers (pure): the private confirmation listing each, the public
message listing each masked with where it stands, and the outcome listing each, with a retry of the failed ones."""

from __future__ import annotations

from ..domain.approval import ApprovalPolicy
from ..domain.batch import BatchItem, BatchView, ItemOutcome
from ..domain.request import ErasureRequest, State
from ..domain.subject import SubjectCommand
from ..domain.target import TargetKind
from .batches import after_retries
from .blocks import Blocks, Message, button, context, escape, header, section, user
from .refusals import explain
from .requests import CANNOT_UNDO, WHAT_GONG_DELETES, break_glass_mark, confirm_buttons, decide_blocks, fields_section
from .words import STATE_LINES, due_text, reason_text

__all__ = ["approval_message", "confirmation", "summary"]

_ITEM_LINES = {
    ItemOutcome.WAITING: ":hourglass_flowing_sand: waiting", ItemOutcome.ACCEPTED: ":white_check_mark: accepted",
    ItemOutcome.VERIFIED: ":white_check_mark: verified erased", ItemOutcome.UNVERIFIED: ":warning: not verified",
    ItemOutcome.FAILED: ":x: failed", ItemOutcome.REFUSED: ":no_entry: refused, not sent",
}  # fmt: skip


def confirmation(request: ErasureRequest, command: SubjectCommand) -> Message:
    """The requester's private check: every identifier in full, with its own warnings, and every refused one."""
    lines = [f"*You are about to request erasure of one person's data, {len(command.targets)} identifiers:*"]
    for target in command.targets:
        where = f" · {escape(target.display)} · {escape(target.country or 'unknown')}" \
            if target.kind is TargetKind.PHONE else ""  # fmt: skip
        warning = " · :warning: possible but not valid for its country" if not target.valid else ""
        lines.append(f"• `{escape(target.identifier)}`{where}{warning}")
    for refused in command.refused:
        lines.append(f"• :no_entry: `{escape(refused.masked)}` is not sent: {escape(explain(refused.refusal))}")
    if command.duplicates:
        lines.append(f"_{command.duplicates} repeated identifier(s) merged._")
    lines.append(f"*Reason:* {reason_text(request)}")
    due = due_text(request, request.created_at)
    if due:
        lines.append(f"*Due:* {due}")
    kinds = sorted({target.kind for target in command.targets}, key=lambda kind: kind.value, reverse=True)
    blocks: Blocks = [
        section("\n".join(lines)[:3000]),
        section("\n".join(WHAT_GONG_DELETES[kind] for kind in kinds) + "\n" + CANNOT_UNDO),
        context(f"Request `{request.id}` · only you can see this · submitting posts it in this channel with every "
                "identifier masked, for one approval; each identifier is then erased once"),
        confirm_buttons(request.id),
    ]  # fmt: skip
    return f"Confirm erase request {request.id} ({len(command.targets)} identifiers)", blocks


def _item_line(item: BatchItem) -> str:
    line = f"• {escape(item.masked)} · {_ITEM_LINES[item.outcome]}"
    if item.gong_request_id:
        line += f" · Gong requestId `{escape(item.gong_request_id)}`"
    if item.outcome is ItemOutcome.FAILED and item.error:
        line += f" · {escape(item.error)[:200]}"
    return line


def approval_message(view: BatchView, policy: ApprovalPolicy, now: float | None = None) -> Message:
    """The public request: each identifier masked, with where it stands; the single request's buttons."""
    request = view.request
    status = STATE_LINES[request.state]
    if request.decided_by and request.state in {State.REJECTED, State.CANCELLED}:
        status += f" by {user(request.decided_by)}"
    listed = "\n".join(_item_line(item) for item in view.items)
    blocks: Blocks = [
        header(f"Gong erase request {request.id}"),
        fields_section(request, policy, now, []),
        section((f"*One person, {view.facts.items} identifiers:*\n" + listed)[:3000]),
        section(f"*Status:* {status}"),
    ]  # fmt: skip
    blocks += break_glass_mark(request)
    if request.state is State.PENDING:
        facts = view.facts
        if facts.sampled is not None:
            blocks.append(section(f":mag: *Gong holds data for {facts.sampled_held} of {facts.sampled}* of these "
                                  "identifiers right now."))  # fmt: skip
        blocks += decide_blocks(request, show="Show identifiers")
    return f"Gong erase request {request.id} ({request.state.value})", blocks


def summary(view: BatchView) -> Message:
    """The threaded outcome: each identifier, Gong's requestId or why it failed; Retry for the failed ones."""
    failed = view.counts[ItemOutcome.FAILED]
    accepted = view.progress.done
    icon = ":white_check_mark:" if not failed else ":warning:" if accepted else ":x:"
    head = (f"{icon} *Gong accepted {accepted} of {accepted + failed} erase request(s)* for `{view.request.id}`"
            f"{after_retries(view)}. "
            "Gong deletes asynchronously: it may take several hours.")  # fmt: skip
    blocks: Blocks = [section((head + "\n" + "\n".join(_item_line(item) for item in view.items))[:3000])]
    if failed:
        blocks.append({"type": "actions", "block_id": "erase_after", "elements": [
            button("erase_retry", f"Retry the {failed} failed", view.request.id, "primary")]})  # fmt: skip
        blocks.append(context("Approvers may send the failed identifiers again, without another approval."))
    return f"Request {view.request.id}: {accepted} accepted, {failed} failed", blocks
