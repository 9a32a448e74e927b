"""The erase request: its states, the one transition table, and the approval policy (pure)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from .deadlines import Deadline
from .errors import IllegalTransition, NotAllowed
from .holdings import Holdings
from .targets import TargetKind


class State(StrEnum):
    DRAFT = "draft"  # shown privately to the requester, not yet submitted
    PENDING = "pending"  # posted in the channel, waiting for approvals
    APPROVED = "approved"  # enough approvals; the erase job is queued or running
    SUBMITTED = "submitted"  # Gong accepted the erase request; verification checks may be scheduled
    VERIFIED = "verified"  # a later lookup found nothing left in Gong
    UNVERIFIED = "unverified"  # the last scheduled lookup still found data: a case for Gong's support
    FAILED = "failed"  # Gong refused it, or we gave up retrying
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Event(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"  # the approval that reaches the required number
    REJECT = "reject"
    CANCEL = "cancel"
    EXPIRE = "expire"
    GONG_ACCEPTED = "gong_accepted"
    GONG_FAILED = "gong_failed"
    VERIFIED_ERASED = "verified_erased"
    STILL_HELD = "still_held"  # after the last check


TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.DRAFT, Event.SUBMIT): State.PENDING,
    (State.DRAFT, Event.CANCEL): State.CANCELLED,
    (State.DRAFT, Event.EXPIRE): State.EXPIRED,
    (State.PENDING, Event.APPROVE): State.APPROVED,
    (State.PENDING, Event.REJECT): State.REJECTED,
    (State.PENDING, Event.CANCEL): State.CANCELLED,
    (State.PENDING, Event.EXPIRE): State.EXPIRED,
    (State.APPROVED, Event.GONG_ACCEPTED): State.SUBMITTED,
    (State.APPROVED, Event.GONG_FAILED): State.FAILED,
    (State.SUBMITTED, Event.VERIFIED_ERASED): State.VERIFIED,
    (State.SUBMITTED, Event.STILL_HELD): State.UNVERIFIED,
}

TERMINAL = frozenset(State) - {state for state, _ in TRANSITIONS}
OPEN = frozenset({State.DRAFT, State.PENDING})


def next_state(state: State, event: Event) -> State:
    """The state `event` moves `state` to; raises IllegalTransition for any move not in the table."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state.value, event.value) from None


@dataclass(frozen=True)
class ApprovalPolicy:
    """Who may approve, and how many distinct approvals a request needs."""

    users: frozenset[str]
    groups: frozenset[str]
    required: int = 1
    allow_self_approval: bool = False

    def is_approver(self, user_id: str, user_groups: Collection[str]) -> bool:
        return user_id in self.users or any(group in self.groups for group in user_groups)

    def check_approver(self, user_id: str, requester_id: str, user_groups: Collection[str]) -> None:
        """Raise NotAllowed, saying why and who can, unless `user_id` may approve this request."""
        if not self.is_approver(user_id, user_groups):
            raise NotAllowed(
                "Only the configured approvers can approve or reject erase requests. "
                f"Ask one of them: {self.describe_approvers()}."
            )
        if user_id == requester_id and not self.allow_self_approval:
            raise NotAllowed(
                "You made this request, so you can't approve it yourself: another approver has to. "
                f"Approvers: {self.describe_approvers()}."
            )

    def describe_approvers(self) -> str:
        people = [f"<@{user}>" for user in sorted(self.users)] + [f"<!subteam^{g}>" for g in sorted(self.groups)]
        return ", ".join(people)


@dataclass(frozen=True)
class ApprovalOutcome:
    """What one approval click did: recorded (or already counted), and whether it decided the request."""

    approvers: tuple[str, ...]
    newly_recorded: bool
    decided: bool


def count_approval(state: State, approvals: tuple[str, ...], approver: str, required: int) -> ApprovalOutcome:
    """Add `approver` to a pending request's approvals; the same person twice counts once."""
    if state is not State.PENDING:
        raise IllegalTransition(state.value, Event.APPROVE.value)
    newly = approver not in approvals
    after = (*approvals, approver) if newly else approvals
    return ApprovalOutcome(approvers=after, newly_recorded=newly, decided=newly and len(after) >= required)


def is_expired(created_at: float, ttl: int, now: float) -> bool:
    return now >= created_at + ttl


def explain_closed(state: State) -> str:
    """Why a button on a request in `state` no longer does anything, in words for the person who clicked."""
    return {
        State.DRAFT: "This request hasn't been submitted yet.",
        State.APPROVED: "This request is already approved; the erase is being sent to Gong.",
        State.SUBMITTED: "This request was already approved and sent to Gong.",
        State.VERIFIED: "This request was approved, sent to Gong, and Gong has since erased the data.",
        State.UNVERIFIED: "This request was sent to Gong, but the data was still there at the last check; see the "
        "thread.",
        State.FAILED: "This request was approved, but Gong refused it; see the thread. Start a new one if needed.",
        State.REJECTED: "This request was rejected. Start a new one with `/gong-erase` if needed.",
        State.CANCELLED: "This request was cancelled. Start a new one with `/gong-erase` if needed.",
        State.EXPIRED: "This request expired before it was approved. Start a new one with `/gong-erase`.",
        State.PENDING: "This request is still waiting for approval.",
    }[state]


@dataclass(frozen=True)
class ErasureRequest:
    """One erase request as the core sees it; `identifier` is cleared once the request is over."""

    id: str
    state: State
    identifier: str | None = field(repr=False)  # E.164 or the address; never in a repr, log line or traceback
    masked: str
    display: str | None = field(repr=False)
    country: str
    number_valid: bool
    reason: str
    requester: str
    channel: str
    created_at: float
    expires_at: float
    required_approvals: int
    kind: TargetKind = TargetKind.PHONE
    approvals: tuple[str, ...] = ()
    message_ts: str | None = None
    decided_by: str | None = None
    decided_at: float | None = None
    gong_request_id: str | None = None
    failure: str | None = None
    gong_errors: tuple[str, ...] = ()
    preview: Holdings | None = None  # what Gong held when approvers were asked
    preview_error: str | None = None  # why there is no preview
    remaining: Holdings | None = None  # what the last verification lookup still found
    checked_at: float | None = None  # when it ran
    next_check_at: float | None = None
    identifier_hash: str | None = None  # HMAC of the identifier: what remains once the request is over
    deadline: Deadline | None = None  # by when the law wants the data gone
