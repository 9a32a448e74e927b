"""Block Kit builders: data in, dicts out (pure). Public messages never carry the full number or address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .erasure import ApprovalPolicy, ErasureRequest, State
from .holdings import Holdings
from .targets import TargetKind

Blocks = list[dict[str, Any]]

WHAT_GONG_DELETES = {
    TargetKind.PHONE: "*What Gong will delete:* leads and contacts whose phone or mobile number matches, the "
    "emails sent to or from them, and the calls they appear in.",
    TargetKind.EMAIL: "*What Gong will delete:* emails sent to or from the address, calls where it appears (as a "
    "lead, contact, attendee or speaker), and leads or contacts with the address.",
}
_CANNOT_UNDO = (
    "*This cannot be undone.* Deletion is not immediate: it may take several hours.\n"
    "Delete the person from your CRM and email system first, or Gong will import them again."
)

STATE_LINES = {
    State.PENDING: ":hourglass_flowing_sand: Waiting for approval",
    State.APPROVED: ":gear: Approved: sending the erase request to Gong…",
    State.SUBMITTED: ":white_check_mark: Submitted to Gong",
    State.VERIFIED: ":white_check_mark: Verified erased",
    State.UNVERIFIED: ":warning: Not verified: Gong still held data at the last check (see thread)",
    State.FAILED: ":x: Failed: Gong did not accept the erase request (see thread)",
    State.REJECTED: ":no_entry: Rejected",
    State.CANCELLED: ":heavy_minus_sign: Cancelled by the requester",
    State.EXPIRED: ":hourglass: Expired before it was approved",
    State.DRAFT: ":pencil2: Not submitted yet",
}


def escape(text: str) -> str:
    """Slack's three control characters, so user text cannot ping (<!channel>) or spoof links (<url|label>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(action_id: str, text: str, request_id: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": request_id,
    }
    if style:
        button["style"] = style
    return button


def _date(ts: float) -> str:
    fallback = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(ts)}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _reason(request: ErasureRequest) -> str:
    return escape(request.reason) if request.reason else "_none given_"


def usage() -> tuple[str, Blocks]:
    text = (
        "*Erase a person's data from Gong*\n"
        "`/gong-erase <phone number> [reason or ticket]`, for example `/gong-erase +1 425 555 2671 DSR-1234`\n"
        "`/gong-erase <email address> [reason or ticket]`, for example `/gong-erase jane.doe@example.com DSR-1234`\n"
        "• Write the number with `+` and the country code; spaces, dashes and brackets are fine.\n"
        "• No extensions (`ext. 12`): Gong would glue them onto the number.\n"
        "• You confirm privately first; then the request is posted here for an approver, and only after "
        "approval is anything sent to Gong.\n"
        "`/gong-erase status <request id>` · the request's history (requester and approvers)\n"
        "`/gong-erase list` · your requests, and for approvers everything waiting\n"
        "`/gong-erase lookup <number or address>` · what became of earlier requests for it (approvers)"
    )
    return "How to use /gong-erase", [_section(text)]


def refusal(message: str) -> tuple[str, Blocks]:
    return message, [_section(f":warning: {message}")]


def notice(message: str) -> tuple[str, Blocks]:
    return message, [_section(message)]


def confirmation(request: ErasureRequest) -> tuple[str, Blocks]:
    """The requester's private check of exactly what will be erased."""
    lines = [f"*You are about to request erasure of* `{escape(request.identifier or '')}`"]
    if request.kind is TargetKind.PHONE:
        lines.append(f"Written internationally: {request.display} · Country: {escape(request.country or 'unknown')}")
    lines.append(f"*Reason:* {_reason(request)}")
    due = due_text(request, request.created_at)
    if due:
        lines.append(f"*Due:* {due}")
    blocks: Blocks = [_section("\n".join(lines))]
    if not request.number_valid:
        blocks.append(
            _section(
                ":warning: *This number is possible but not valid* for its country: no phone line is known to "
                "use it. Check it against the data subject's request before you submit."
            )
        )
    blocks += [
        _section(WHAT_GONG_DELETES[request.kind] + "\n" + _CANNOT_UNDO),
        _context(
            f"Request `{request.id}` · only you can see this · submitting posts it in this channel "
            f"with the {request.kind.noun} masked, for approval"
        ),
        {
            "type": "actions",
            "block_id": "erase_confirm",
            "elements": [
                _button("erase_submit", "Submit for approval", request.id, "primary"),
                _button("erase_cancel", "Cancel", request.id),
            ],
        },
    ]
    return f"Confirm erase request {request.id}", blocks


def submitted_ephemeral(request: ErasureRequest) -> tuple[str, Blocks]:
    return f"Request {request.id} submitted for approval", [
        _section(
            f":outbox_tray: Request `{request.id}` for {request.masked} was posted in this channel for approval. "
            "You'll see the outcome in its thread."
        )
    ]


def proof(masked: str, requests: list[ErasureRequest]) -> tuple[str, Blocks]:
    """What the bot can prove about a number or address from its keyed hash alone (ephemeral, approvers)."""
    if not requests:
        text = f":mag: No record of an erase request for {escape(masked)}."
        return text, [_section(text)]
    blocks: Blocks = [_section(f":mag: *{len(requests)} erase request(s) for {escape(masked)}*")]
    for request in requests[:20]:
        approvers = ", ".join(f"<@{user}>" for user in request.approvals) or "nobody"
        lines = [
            f"*`{request.id}`* · {STATE_LINES[request.state]}",
            f"Requested {_date(request.created_at)} by <@{request.requester}> · reason: {_reason(request)}",
        ]
        if request.decided_at and request.state is not State.EXPIRED:
            verb = {State.REJECTED: "Rejected", State.CANCELLED: "Cancelled"}.get(request.state, "Approved")
            who = f"<@{request.decided_by}>" if verb != "Approved" else approvers
            lines.append(f"{verb} {_date(request.decided_at)} by {who}")
        if request.gong_request_id:
            lines.append(f"Gong requestId `{escape(request.gong_request_id)}`")
        if request.state in {State.VERIFIED, State.UNVERIFIED} and request.checked_at:
            lines.append(f"Last checked {_date(request.checked_at)}")
        elif request.next_check_at:
            lines.append(f"Next check {_date(request.next_check_at)}")
        blocks.append(_section("\n".join(lines)[:3000]))
    if len(requests) > 20:
        blocks.append(_context(f"…and {len(requests) - 20} older request(s); `python -m bot audit export` has all."))
    return f"{len(requests)} erase request(s) for {masked}", blocks


_EVENT_WORDS = {
    "created": "drafted", "submit": "submitted for approval", "approve": "approved (decided)",
    "approval": "approved", "reject": "rejected", "cancel": "cancelled", "expire": "expired",
    "posted": "posted in the channel", "previewed": "looked up what Gong holds", "gong_call": "called Gong",
    "gong_attempt": "Gong answered", "gong_accepted": "Gong accepted the erase", "gong_failed": "the erase failed",
    "verified_erased": "verified erased", "still_held": "checked: Gong still held data",
    "reminded": "reminded approvers", "revealed": "looked at the full identifier",
    "gong_budget_spent": "waited for Gong's daily allowance",
}  # fmt: skip


def status(request: ErasureRequest, trail: list[dict[str, Any]]) -> tuple[str, Blocks]:
    """`/gong-erase status <id>`: where the request stands and what happened to it, oldest first."""
    head = (
        f"*`{request.id}`* · {request.masked} · {STATE_LINES[request.state]}\n"
        f"Requested {_date(request.created_at)} by <@{request.requester}> · reason: {_reason(request)}"
    )
    lines = []
    for row in trail[-40:]:
        what = _EVENT_WORDS.get(row["event"], row["event"])
        status_code = row["detail"].get("status") if row["event"] == "gong_attempt" else None
        lines.append(
            f"{_date(row['at'])} · {_actor(row['actor'])} {what}" + (f" ({status_code})" if status_code else "")
        )
    history = "\n".join(lines) or "_nothing yet_"
    if len(trail) > 40:
        history = f"_…{len(trail) - 40} earlier event(s)_\n" + history
    return f"Request {request.id}: {request.state.value}", [_section(head[:3000]), _section(history[-3000:])]


def _actor(actor: str) -> str:
    return f"<@{actor}>" if actor[:1] in {"U", "W"} else actor  # "bot", "gong"


def overview(mine: list[ErasureRequest], pending: list[ErasureRequest] | None) -> tuple[str, Blocks]:
    """`/gong-erase list`: your requests and, for approvers, everything waiting, newest first."""

    def line(request: ErasureRequest) -> str:
        return f"`{request.id}` · {request.masked} · {STATE_LINES[request.state]} · {_date(request.created_at)}"

    blocks: Blocks = [_section("*Your requests*\n" + ("\n".join(map(line, mine)) or "_none_"))]
    if pending is not None:
        blocks.append(_section("*Waiting for approval*\n" + ("\n".join(map(line, pending)) or "_nothing waiting_")))
    blocks.append(_context("Details: `/gong-erase status <request id>`"))
    return "Your erase requests", blocks


def closed_ephemeral(request: ErasureRequest) -> tuple[str, Blocks]:
    line = STATE_LINES[request.state]
    return f"Request {request.id}: {request.state.value}", [
        _section(f"{line}: request `{request.id}` for {request.masked}. Nothing was sent to Gong.")
    ]


def due_text(request: ErasureRequest, now: float | None) -> str | None:
    """`Dec 20, 2026 (GDPR, received Nov 20) · 3 days left`; overdue stands out; None without a deadline."""
    deadline = request.deadline
    if deadline is None:
        return None
    text = (
        f"{deadline.due:%b} {deadline.due.day}, {deadline.due.year} ({deadline.regime.value.upper()}, received "
        f"{deadline.received:%b} {deadline.received.day})"
    )
    if now is None or request.state not in {State.DRAFT, State.PENDING, State.APPROVED}:
        return text
    left = deadline.days_left(now)
    if left < 0:
        return f"{text} · :rotating_light: *overdue by {-left} day{'s' * (left != -1)}*"
    return f"{text} · " + ("*due today*" if left == 0 else f"{left} day{'s' * (left != 1)} left")


def approve_button(request: ErasureRequest) -> dict[str, Any]:
    """Approve, behind a confirmation: the one click that cannot be undone."""
    approve = _button("erase_approve", "Approve", request.id, "primary")
    approve["confirm"] = {
        "title": {"type": "plain_text", "text": "Erase this person's data?"},
        "text": {
            "type": "mrkdwn",
            "text": f"Gong will permanently delete everything it holds for {request.masked}. This cannot be undone.",
        },
        "confirm": {"type": "plain_text", "text": "Approve erase"},
        "deny": {"type": "plain_text", "text": "Go back"},
        "style": "danger",
    }
    return approve


def approval_message(request: ErasureRequest, policy: ApprovalPolicy, now: float | None = None) -> tuple[str, Blocks]:
    """The public request: masked number, escaped reason, approvals so far, and buttons while pending."""
    approvals = ", ".join(f"<@{user}>" for user in request.approvals) or "none yet"
    fields = [f"*Requested by*\n<@{request.requester}>"]
    if request.kind is TargetKind.PHONE:
        fields += [f"*Phone number*\n{request.masked}", f"*Country*\n{escape(request.country or 'unknown')}"]
    else:
        fields.append(f"*Email address*\n{escape(request.masked)}")
    fields += [
        f"*Reason*\n{_reason(request)}",
        f"*Approvals*\n{len(request.approvals)} of {request.required_approvals} needed: {approvals}",
        f"*Who can approve*\n{policy.describe_approvers()}",
    ]
    due = due_text(request, now)
    if due:
        fields.append(f"*Due*\n{due}")
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Gong erase request {request.id}"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": field} for field in fields]},
        _section(f"*Status:* {_status_line(request)}"),
    ]
    if not request.number_valid:
        blocks.append(_context(":warning: The number is possible but not valid for its country."))
    if request.state is State.PENDING:
        blocks.append(_section(_preview_line(request)[:3000]))
        approve = approve_button(request)
        blocks.append(
            {
                "type": "actions",
                "block_id": "erase_decide",
                "elements": [
                    approve,
                    _button("erase_reject", "Reject", request.id, "danger"),
                    _button("erase_show_number", f"Show {request.kind.noun}", request.id),
                    _button("erase_cancel", "Cancel request", request.id),
                ],
            }
        )
        blocks.append(_context(f"Expires {_date(request.expires_at)} if not approved."))
    return f"Gong erase request {request.id} ({request.state.value})", blocks


def _status_line(request: ErasureRequest) -> str:
    line = STATE_LINES[request.state]
    who = f" by <@{request.decided_by}>" if request.decided_by else ""
    if request.state is State.REJECTED:
        return f"{line}{who}"
    if request.state in {State.APPROVED, State.SUBMITTED, State.FAILED, State.VERIFIED, State.UNVERIFIED}:
        approvers = ", ".join(f"<@{user}>" for user in request.approvals)
        suffix = f" · Gong requestId `{escape(request.gong_request_id)}`" if request.gong_request_id else ""
        if request.state is State.VERIFIED and request.checked_at:
            suffix += f" · checked {_date(request.checked_at)}"
        elif request.state is State.SUBMITTED and request.next_check_at:
            suffix += f" · next check {_date(request.next_check_at)}"
        return f"{line} · approved by {approvers}{suffix}"
    return line


def describe_holdings(held: Holdings) -> str:
    """Counts, and masked values only: this goes into a public channel."""
    parts = [f"{held.calls} call{'s' * (held.calls != 1)}", f"{held.emails} email{'s' * (held.emails != 1)}",
             f"{held.meetings} meeting{'s' * (held.meetings != 1)}"]  # fmt: skip
    if held.engagements:
        parts.append(f"{held.engagements} engagement event{'s' * (held.engagements != 1)}")
    parts += [f"{escape(r.system)}: {r.leads} lead(s), {r.contacts} contact(s)" for r in held.crm]
    if held.matching_number_count:
        more = ", …" if held.matching_number_count > len(held.matching_numbers) else ""
        parts.append(f"{held.matching_number_count} matching number(s) ({', '.join(held.matching_numbers)}{more})")
    if held.email_address_count:
        more = ", …" if held.email_address_count > len(held.email_addresses) else ""
        shown = ", ".join(escape(a) for a in held.email_addresses)
        parts.append(f"{held.email_address_count} related email address(es) ({shown}{more})")
    return " · ".join(parts)


def _preview_line(request: ErasureRequest) -> str:
    noun = request.kind.noun
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


def plain_fallback(blocks: Blocks, limit: int = 3000) -> str:
    """The words of a message without its layout, for when Slack refuses the blocks (invalid_blocks)."""
    parts: list[str] = []
    for block in blocks:
        if block.get("type") in {"header", "section"} and "text" in block:
            parts.append(str(block["text"]["text"]))
        if block.get("type") == "section":
            parts.extend(str(field["text"]).replace("\n", ": ", 1) for field in block.get("fields", []))
        elif block.get("type") == "context":
            parts.extend(str(element.get("text", "")) for element in block["elements"])
    text = "\n".join(part for part in parts if part)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def budget_note(request: ErasureRequest, resume_at: float) -> tuple[str, Blocks]:
    """Said once in the thread when the day's Gong API allowance is spent and the erase must wait."""
    text = (
        f":hourglass: Approved, but today's Gong API allowance is used up. The erase for {request.masked} "
        f"will be sent automatically when it renews, {_date(resume_at)}. Nothing else is needed."
    )
    return "Waiting for Gong's daily API allowance", [_section(text)]


def check_note(request: ErasureRequest, error: str | None) -> tuple[str, Blocks]:
    """A verification lookup's result, told in the thread: verified, still there (next check), or given up."""
    checked = _date(request.checked_at) if request.checked_at else "just now"
    gong_id = f"`{escape(request.gong_request_id)}`" if request.gong_request_id else "_not returned_"
    found = (
        f"couldn't check ({escape(error)})"
        if error
        else f"Gong still held {describe_holdings(request.remaining or Holdings())}"
    )
    if request.state is State.VERIFIED:
        text = f":white_check_mark: *Verified erased:* Gong holds nothing for {request.masked} any more ({checked})."
    elif request.state is State.UNVERIFIED:
        text = (
            f":warning: *Not verified.* At the last check ({checked}) {found}. Contact Gong support "
            f"(help@gong.io) with requestId {gong_id}."
        )
    else:
        upcoming = f" Next check {_date(request.next_check_at)}." if request.next_check_at else ""
        text = f":hourglass: Checked {checked}: {found}. Gong deletes over hours, so this can be expected.{upcoming}"
    return text.split("\n", 1)[0][:150], [_section(text[:3000])]


def reminder(
    request: ErasureRequest, policy: ApprovalPolicy, nudge: int, now: float | None = None
) -> tuple[str, Blocks]:
    """A nudge in the thread for the approvers who have not approved yet."""
    waiting = [f"<@{user}>" for user in sorted(policy.users) if user not in request.approvals]
    waiting += [f"<!subteam^{group}>" for group in sorted(policy.groups)]
    missing = request.required_approvals - len(request.approvals)
    text = (
        f":bell: {' '.join(waiting)}: request `{request.id}` for {request.masked} still needs {missing} "
        f"approval{'s' * (missing != 1)}. It expires {_date(request.expires_at)}."
    )
    due = due_text(request, now)
    if due:
        text += f"\n*Due:* {due}"
    if nudge > 1:
        text += f" (reminder {nudge})"
    return f"Reminder: request {request.id} is waiting for approval", [_section(text[:3000])]


def revealed(request: ErasureRequest) -> tuple[str, Blocks]:
    """The full identifier, for one approver's eyes (ephemeral), to check against their ticket."""
    if request.kind is TargetKind.PHONE:
        shown = f"`{request.display}` (as Gong gets it: `{request.identifier}`)"
    else:
        shown = f"`{escape(request.identifier or '')}`"
    return f"Request {request.id}", [
        _section(
            f":eyes: Request `{request.id}` is for {shown}. Only you can see this; it was recorded in the "
            "audit log that you looked."
        )
    ]


def thread_note(request: ErasureRequest) -> tuple[str, Blocks]:
    """The reply under the approval message telling what became of the request."""
    if request.state is State.SUBMITTED:
        request_id = f"`{escape(request.gong_request_id)}`" if request.gong_request_id else "_not returned_"
        text = (
            f":white_check_mark: Gong accepted the erase request for {request.masked}.\n"
            f"Gong requestId: {request_id}\n"
            "Gong deletes asynchronously: it may take several hours before the data is gone."
        )
    elif request.state is State.FAILED:
        text = f":x: The erase request for {request.masked} failed: {escape(request.failure or 'unknown error')}"
        if request.gong_errors:
            text += "\nGong said: " + "; ".join(f"`{escape(error)}`" for error in request.gong_errors)
        if request.gong_request_id:
            text += f"\nGong requestId: `{escape(request.gong_request_id)}`"
    elif request.state is State.REJECTED:
        text = f":no_entry: Rejected by <@{request.decided_by}>. Nothing was sent to Gong."
    elif request.state is State.CANCELLED:
        text = f":heavy_minus_sign: Cancelled by <@{request.decided_by}>. Nothing was sent to Gong."
    elif request.state is State.EXPIRED:
        text = ":hourglass: This request expired before it was approved. Nothing was sent to Gong."
    else:
        text = f"Request `{request.id}` is {request.state.value}."
    return text.split("\n", 1)[0][:150], [_section(text[:3000])]
