"""One request's messages (pure): the private confirmation, the public approval message and its parts, the
decision modals, and the private answers and receipts (its thread's notes: render.notes). Public messages never
carry the full number or address."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from ..domain.approval import ApprovalPolicy
from ..domain.batch import BatchItem
from ..domain.phones import parse_number
from ..domain.request import ErasureRequest, Event, State
from ..domain.target import TargetKind
from ..errors import InputRejected
from .blocks import (
    Blocks,
    Message,
    button,
    context,
    escape,
    header,
    modal_view,
    section,
    slack_date,
    text_input,
    user,
)
from .words import (
    NOUN,
    STATE_LINES,
    approve_button,
    approvers_of,
    describe_approvers,
    describe_holdings,
    describe_notified,
    due_text,
    reason_text,
)

__all__ = [
    "CANNOT_UNDO",
    "approval_message",
    "approval_recorded",
    "break_glass_mark",
    "break_glass_modal",
    "closed_ephemeral",
    "confirm_buttons",
    "confirmation",
    "decide_blocks",
    "done_in_home",
    "fields_section",
    "receipt",
    "reject_modal",
    "revealed",
    "routed_note",
    "submitted_ephemeral",
    "usage",
    "who_can_approve",
]

WHAT_GONG_DELETES = {
    TargetKind.PHONE: "*What Gong will delete:* leads and contacts whose phone or mobile number matches, the "
    "emails sent to or from them, and the calls they appear in.",
    TargetKind.EMAIL: "*What Gong will delete:* emails sent to or from the address, calls where it appears (as a "
    "lead, contact, attendee or speaker), and leads or contacts with the address.",
}


CANNOT_UNDO = (
    "*This cannot be undone.* Deletion is not immediate: it may take several hours.\n"
    "Delete the person from your CRM and email system first, or Gong will import them again."
)


def usage() -> Message:
    """`/gong-erase help`: what the command takes, with examples."""
    text = (
        "*Erase a person's data from Gong*\n"
        "`/gong-erase <phone number> [reason or ticket]`, for example `/gong-erase +1 425 555 2671 DSR-1234`\n"
        "`/gong-erase <email address> [reason or ticket]`, for example `/gong-erase jane.doe@example.com DSR-1234`\n"
        "• Write the number with `+` and the country code; spaces, dashes and brackets are fine.\n"
        "• No extensions (`ext. 12`): Gong would glue them onto the number.\n"
        "• You confirm privately first; then the request is posted here for an approver, and only after "
        "approval is anything sent to Gong.\n"
        "`/gong-erase bulk` · many identifiers at once: paste a list or attach a CSV file, one approval for all\n"
        "`/gong-erase status <request id>` · the request's history (requester and approvers)\n"
        "`/gong-erase list` · your requests, and for approvers everything waiting\n"
        "`/gong-erase lookup <number or address>` · what became of earlier requests for it (approvers)"
    )
    return "How to use /gong-erase", [section(text)]


def confirmation(request: ErasureRequest) -> Message:
    """The requester's private check of exactly what will be erased."""
    lines = [f"*You are about to request erasure of* `{escape(request.identifier or '')}`"]
    if request.kind is TargetKind.PHONE:
        lines.append(f"Written internationally: {request.display} · Country: {escape(request.country or 'unknown')}")
    lines.append(f"*Reason:* {reason_text(request)}")
    due = due_text(request, request.created_at)
    if due:
        lines.append(f"*Due:* {due}")
    blocks: Blocks = [section("\n".join(lines))]
    if not request.number_valid:
        blocks.append(
            section(
                ":warning: *This number is possible but not valid* for its country: no phone line is known to "
                "use it. Check it against the data subject's request before you submit."
            )
        )
    blocks += [
        section(WHAT_GONG_DELETES[request.kind] + "\n" + CANNOT_UNDO),
        context(
            f"Request `{request.id}` · only you can see this · submitting posts it in this channel "
            f"with the {NOUN[request.kind]} masked, for approval"
        ),
        confirm_buttons(request.id),
    ]
    return f"Confirm erase request {request.id}", blocks


def confirm_buttons(request_id: str, *, bulk: bool = False) -> dict[str, Any]:
    """Submit and Cancel under a private confirmation (a batch's have their own action ids)."""
    prefix = "bulk" if bulk else "erase"
    return {"type": "actions", "block_id": f"{prefix}_confirm", "elements": [
        button(f"{prefix}_submit", "Submit for approval", request_id, "primary"),
        button(f"{prefix}_cancel", "Cancel", request_id)]}  # fmt: skip


def submitted_ephemeral(request: ErasureRequest, where: str | None = None) -> Message:
    """Replaces the requester's confirmation once the request is posted (here, or in the approvals channel)."""
    place = "in this channel" if where in {None, request.channel} else f"in <#{where}>"
    return f"Request {request.id} submitted for approval", [
        section(
            f":outbox_tray: Request `{request.id}` for {escape(request.masked)} was posted {place} for approval. "
            "You'll see the outcome in its thread."
        )
    ]


_RECEIPTS = {
    Event.SUBMIT: ":outbox_tray: Your request `{id}` for {masked} was posted for approval.",
    Event.APPROVE: ":white_check_mark: Your request `{id}` for {masked} was approved by {approvers}; the erase is on "
    "its way to Gong.",
    Event.REJECT: ":no_entry: Your request `{id}` for {masked} was rejected by {decider}{why}. Nothing was sent to "
    "Gong.",
    Event.EXPIRE: ":hourglass: Your request `{id}` for {masked} expired before it was approved. Nothing was sent to "
    "Gong; start a new one if it is still needed.",
    Event.GONG_ACCEPTED: ":white_check_mark: Gong accepted the erase of {masked} (`{id}`{gong_id}). Gong deletes over "
    "several hours; the bot checks later and will tell you.",
    Event.GONG_FAILED: ":x: The erase of {masked} (`{id}`) failed: {failure} The thread says what to do.",
    Event.VERIFIED_ERASED: ":white_check_mark: Verified: Gong holds nothing for {masked} any more (`{id}`).",
    Event.STILL_HELD: ":warning: Not verified: Gong still held data for {masked} at the last check (`{id}`{gong_id}). "
    "Contact Gong support (help@gong.io) with the requestId.",
}


def receipt(request: ErasureRequest, event: Event) -> Message:
    """What the requester is told by DM at each outcome: masked, and a link to the request's thread."""
    words = _RECEIPTS.get(event, "Your request `{id}` for {masked} is now " + request.state.value + ".")
    gong_id = f", Gong requestId `{escape(request.gong_request_id)}`" if request.gong_request_id else ""
    text = words.format(
        id=request.id, masked=escape(request.masked), approvers=approvers_of(request) or "the approvers",
        decider=user(str(request.decided_by)) if request.decided_by else "an approver",
        why=f": {escape(request.decision_note)}" if request.decision_note else "", gong_id=gong_id,
        failure=escape(request.failure or "Gong did not accept it."),
    )  # fmt: skip
    if request.message_ts:
        link = f"https://slack.com/archives/{request.thread_channel}/p{request.message_ts.replace('.', '')}"
        text += f" <{link}|See the request>."
    return text.split("\n", 1)[0][:150], [section(text[:3000])]


def routed_note(request: ErasureRequest, where: str) -> Message:
    """In the channel a request was made in, when it went to the approvals channel: no identifier, no reason."""
    what = "Bulk erase request" if request.kind is TargetKind.BATCH else "Erase request"
    text = f":outbox_tray: {what} `{request.id}` submitted for approval in <#{where}> by {user(request.requester)}."
    return f"{what} {request.id} submitted for approval", [section(text)]


def closed_ephemeral(request: ErasureRequest) -> Message:
    """Replaces the requester's confirmation once they cancelled it."""
    line = STATE_LINES[request.state]
    return f"Request {request.id}: {request.state.value}", [
        section(f"{line}: request `{request.id}` for {request.masked}. Nothing was sent to Gong.")
    ]


def approval_recorded(request: ErasureRequest) -> Message:
    """To an approver whose approval counted but did not yet decide."""
    missing = request.required_approvals - len(request.approvals)
    text = (
        f":ballot_box_with_check: Your approval of `{request.id}` is recorded ({len(request.approvals)} of "
        f"{request.required_approvals}). It needs {missing} more before anything is sent to Gong."
    )
    return text, [section(text)]


_DONE_IN_HOME = {"erase_approve": "approved: the erase is on its way to Gong", "erase_reject": "rejected"}


def done_in_home(action_id: str, request_id: str) -> Message:
    """Atop the Home tab, after a click there that needs no other answer."""
    text = f":white_check_mark: `{request_id}` {_DONE_IN_HOME.get(action_id, 'updated')}."
    return text, [section(text)]


def break_glass_modal(request: ErasureRequest, *, channel: str, home: bool) -> dict[str, Any]:
    """A requester approving their own request (break-glass): the justification first; every other approver is
    told."""
    return modal_view("erase_break_glass", _decision_metadata(request, channel, home), title="Break-glass approval",
                      submit="Approve my request", close="Go back", blocks=[
        section(f":rotating_light: You made `{request.id}` for {escape(request.masked)}. Approving it yourself is "
                "*break-glass*: it is marked so on the request, in its thread and in the audit log, and every other "
                "approver is told by DM. Use it only when no other approver can act in time."),
        text_input("break_glass", "justification", "Justification", max_length=500, multiline=True),
    ])  # fmt: skip


def reject_modal(request: ErasureRequest, *, channel: str, home: bool) -> dict[str, Any]:
    """`erase_reject`: the approver says why (required: a refusal must be documented), then it is decided."""
    return modal_view("erase_reject_reason", _decision_metadata(request, channel, home), title="Reject the request",
                      submit="Reject", close="Go back", blocks=[
        section(f"Reject `{request.id}` for {escape(request.masked)}? Nothing will be sent to Gong. Your reason is "
                "shown in the request's thread and kept in the audit log."),
        text_input("reject_reason", "reason", "Why is it rejected?", max_length=500, multiline=True,
                   placeholder="e.g. the ticket is for another person"),
    ])  # fmt: skip


def _decision_metadata(request: ErasureRequest, channel: str, home: bool) -> str:
    """What a decision's modal carries back to listeners.views: the request, and where the click came from."""
    return json.dumps({"request_id": request.id, "channel": channel, "home": home})


def approval_message(request: ErasureRequest, policy: ApprovalPolicy, now: float | None = None) -> Message:
    """The public request: masked number, escaped reason, approvals so far, and buttons while pending."""
    if request.kind is TargetKind.PHONE:
        what = [f"*Phone number*\n{request.masked}", f"*Country*\n{escape(request.country or 'unknown')}"]
    else:
        what = [f"*Email address*\n{escape(request.masked)}"]
    blocks: Blocks = [
        header(f"Gong erase request {request.id}"),
        fields_section(request, policy, now, what),
        section(f"*Status:* {_status_line(request)}"),
    ]
    if not request.number_valid:
        blocks.append(context(":warning: The number is possible but not valid for its country."))
    blocks += break_glass_mark(request)
    if request.state is State.PENDING:
        blocks.append(section(_preview_line(request)[:3000]))
        blocks += decide_blocks(request, show=f"Show {NOUN[request.kind]}")
    return f"Gong erase request {request.id} ({request.state.value})", blocks


def fields_section(request: ErasureRequest, policy: ApprovalPolicy, now: float | None, what: list[str]
                   ) -> dict[str, Any]:  # fmt: skip
    """The fields of every approval message: who asked, `what` for, why, the approvals so far, who can approve,
    and the deadline."""
    fields = [
        f"*Requested by*\n{user(request.requester)}", *what, f"*Reason*\n{reason_text(request)}",
        f"*Approvals*\n{len(request.approvals)} of {request.required_approvals} needed: "
        f"{approvers_of(request) or 'none yet'}",
        *who_can_approve(policy),
    ]  # fmt: skip
    due = due_text(request, now)
    if due:
        fields.append(f"*Due*\n{due}")
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": field} for field in fields]}


def break_glass_mark(request: ErasureRequest) -> Blocks:
    """The mark of a requester's own approval (break-glass) on its message; none otherwise."""
    if not request.break_glass:
        return []
    return [context(f":rotating_light: *Break-glass:* approved by its own requester: "
                    f"{escape(request.break_glass)}"[:3000])]  # fmt: skip


def decide_blocks(request: ErasureRequest, *, show: str | None = None) -> Blocks:
    """Approve (behind its confirmation), Reject, `show` (the full identifier, for a single request) and Cancel,
    and when the request expires."""
    elements = [approve_button(request), button("erase_reject", "Reject", request.id, "danger")]
    if show:
        elements.append(button("erase_show_number", show, request.id))
    elements.append(button("erase_cancel", "Cancel request", request.id))
    return [{"type": "actions", "block_id": "erase_decide", "elements": elements},
            context(f"Expires {slack_date(request.expires_at)} if not approved.")]  # fmt: skip


def who_can_approve(policy: ApprovalPolicy) -> list[str]:
    """The approvers, mentioned; or, when others are to be notified (GONG_ERASE_NOTIFY), those, and the approvers
    named by their number (a mention would notify them too)."""
    if not policy.notifies_others:
        return [f"*Who can approve*\n{describe_approvers(policy)}"]
    count = len(policy.users) + len(policy.groups)
    return [f"*For the attention of*\n{describe_notified(policy) or '_nobody_'}",
            f"*Who can approve*\n{count} configured approver(s) and group(s)"]  # fmt: skip


def _status_line(request: ErasureRequest) -> str:
    line = STATE_LINES[request.state]
    who = f" by {user(request.decided_by)}" if request.decided_by else ""
    if request.state is State.REJECTED:
        why = f": {escape(request.decision_note)}" if request.decision_note else ""
        return f"{line}{who}{why}"
    if request.state in {State.APPROVED, State.SUBMITTED, State.FAILED, State.VERIFIED, State.UNVERIFIED}:
        approvers = approvers_of(request)
        suffix = f" · Gong requestId `{escape(request.gong_request_id)}`" if request.gong_request_id else ""
        if request.state is State.VERIFIED and request.checked_at:
            suffix += f" · checked {slack_date(request.checked_at)}"
        elif request.state is State.SUBMITTED and request.next_check_at:
            suffix += f" · next check {slack_date(request.next_check_at)}"
        return f"{line} · approved by {approvers}{suffix}"
    return line


def _preview_line(request: ErasureRequest) -> str:
    noun = NOUN[request.kind]
    if request.preview_error:
        return f":warning: *Preview unavailable:* {escape(request.preview_error)}. Approvers can still decide."
    if request.preview is None:
        return f":mag: Looking up what Gong holds for this {noun}…"
    if request.preview.empty:
        return (
            f":information_source: *Gong holds nothing for this {noun}* right now. Approvers may reject the "
            "request, or approve it anyway (data can arrive later from your CRM or email)."
        )
    return f":mag: *What Gong holds for this {noun}:* {describe_holdings(request.preview)}"


def revealed(request: ErasureRequest, items: Sequence[BatchItem] = ()) -> Message:
    """The full identifier (one person's request: each one still kept), for one approver's eyes (ephemeral), to
    check against their ticket."""
    after = "Only you can see this; it was recorded in the audit log that you looked."
    if items:
        listed = "\n".join(f"• {_shown(item.kind, item.identifier or '')}" for item in items)
        text = f":eyes: Request `{request.id}` is for one person's identifiers:\n{listed}\n{after}"
    else:
        shown = _shown(request.kind, request.identifier or "", request.display)
        text = f":eyes: Request `{request.id}` is for {shown}. {after}"
    return f"Request {request.id}", [section(text[:3000])]


def _shown(kind: TargetKind, identifier: str, display: str | None = None) -> str:
    """An identifier in full: a number as people read it and as Gong gets it."""
    if kind is not TargetKind.PHONE:
        return f"`{escape(identifier)}`"
    if display is None:
        with contextlib.suppress(InputRejected):
            display = parse_number(identifier).international
    return f"`{escape(display or identifier)}` (as Gong gets it: `{identifier}`)"
