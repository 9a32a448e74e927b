"""Wording shared by messages, reports and the Home tab (pure): states, reasons, deadlines, what Gong holds."""

from __future__ import annotations

from typing import Any

from ..domain.approval import ApprovalPolicy
from ..domain.holdings import Holdings
from ..domain.request import ErasureRequest, State
from ..domain.target import TargetKind
from .blocks import button, escape, group, user

__all__ = [
    "NOUN", "STATE_LINES", "approve_button", "approvers_of", "describe_approvers", "describe_holdings",
    "describe_notified", "due_text", "reason_text",
]  # fmt: skip

NOUN = {TargetKind.PHONE: "number", TargetKind.EMAIL: "address", TargetKind.BATCH: "identifiers",
        TargetKind.SUBJECT: "identifiers"}  # fmt: skip

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


def describe_notified(policy: ApprovalPolicy) -> str:
    """Who a new request and its reminders mention (GONG_ERASE_NOTIFY, else the approvers)."""
    users, groups = policy.notified()
    return ", ".join([user(u) for u in sorted(users)] + [group(g) for g in sorted(groups)])


def describe_approvers(policy: ApprovalPolicy) -> str:
    """Every listed approver and approver group, as mentions."""
    return ", ".join([user(u) for u in sorted(policy.users)] + [group(g) for g in sorted(policy.groups)])


def approvers_of(request: ErasureRequest) -> str:
    """Who has approved so far, as mentions."""
    return ", ".join(user(u) for u in request.approvals)


def reason_text(request: ErasureRequest) -> str:
    """The requester's reason, escaped (it is shown in public)."""
    return escape(request.reason) if request.reason else "_none given_"


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
    approve = button("erase_approve", "Approve", request.id, "primary")
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
