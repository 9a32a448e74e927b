"""What a request's thread says (pure): what became of it, its checks, a spent daily allowance, a break-glass
approval, and reminders to the approvers. Public: never the full number or address."""

from __future__ import annotations

from ..domain.approval import ApprovalPolicy
from ..domain.holdings import Holdings
from ..domain.request import ErasureRequest, State
from .blocks import Message, escape, group, section, slack_date, user
from .words import describe_holdings, due_text

__all__ = ["break_glass_note", "budget_note", "check_note", "reminder", "thread_note"]


def break_glass_note(request: ErasureRequest) -> Message:
    """Said in the thread, and to every other approver by DM: the requester approved their own request."""
    text = (
        f":rotating_light: *Break-glass approval:* {user(request.requester)} approved their own request "
        f"`{request.id}` for {escape(request.masked)}. Justification: {escape(request.break_glass or '')}"
    )
    return f"Break-glass approval of {request.id}", [section(text[:3000])]


def budget_note(request: ErasureRequest, resume_at: float) -> Message:
    """Said once in the thread when the day's Gong API allowance is spent and the erase must wait."""
    text = (
        f":hourglass: Approved, but today's Gong API allowance is used up. The erase for {request.masked} "
        f"will be sent automatically when it renews, {slack_date(resume_at)}. Nothing else is needed."
    )
    return "Waiting for Gong's daily API allowance", [section(text)]


def check_note(request: ErasureRequest, error: str | None) -> Message:
    """A verification lookup's result, told in the thread: verified, still there (next check), or given up."""
    checked = slack_date(request.checked_at) if request.checked_at else "just now"
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
        upcoming = f" Next check {slack_date(request.next_check_at)}." if request.next_check_at else ""
        text = f":hourglass: Checked {checked}: {found}. Gong deletes over hours, so this can be expected.{upcoming}"
    return text.split("\n", 1)[0][:150], [section(text[:3000])]


def reminder(request: ErasureRequest, policy: ApprovalPolicy, nudge: int, now: float | None = None) -> Message:
    """A nudge in the thread for the approvers who have not approved yet."""
    users, groups = policy.notified()
    waiting = [user(u) for u in sorted(users) if u not in request.approvals]
    waiting += [group(g) for g in sorted(groups)]
    missing = request.required_approvals - len(request.approvals)
    text = (
        f":bell: {' '.join(waiting)}: request `{request.id}` for {request.masked} still needs {missing} "
        f"approval{'s' * (missing != 1)}. It expires {slack_date(request.expires_at)}."
    )
    due = due_text(request, now)
    if due:
        text += f"\n*Due:* {due}"
    if nudge > 1:
        text += f" (reminder {nudge})"
    return f"Reminder: request {request.id} is waiting for approval", [section(text[:3000])]


def thread_note(request: ErasureRequest) -> Message:
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
        why = f"\n*Reason:* {escape(request.decision_note)}" if request.decision_note else ""
        text = f":no_entry: Rejected by {user(str(request.decided_by))}. Nothing was sent to Gong.{why}"
    elif request.state is State.CANCELLED:
        text = f":heavy_minus_sign: Cancelled by {user(str(request.decided_by))}. Nothing was sent to Gong."
    elif request.state is State.EXPIRED:
        text = ":hourglass: This request expired before it was approved. Nothing was sent to Gong."
    else:
        text = f"Request `{request.id}` is {request.state.value}."
    return text.split("\n", 1)[0][:150], [section(text[:3000])]
