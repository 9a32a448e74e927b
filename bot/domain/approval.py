"""Who may approve, and how approvals add up to a decision (pure)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..errors import IllegalTransition, NotAllowed, Why
from .request import Event, State

__all__ = ["ApprovalOutcome", "ApprovalPolicy", "count_approval"]


@dataclass(frozen=True)
class ApprovalPolicy:
    """Who may approve, and how many distinct approvals a request needs."""

    users: frozenset[str]
    groups: frozenset[str]
    required: int = 1
    allow_self_approval: bool = False
    break_glass: bool = False  # a requester who is an approver may approve their own request, with a justification
    notify_users: frozenset[str] | None = None  # GONG_ERASE_NOTIFY: who new requests and reminders mention;
    notify_groups: frozenset[str] | None = None  # None: the approvers themselves

    @property
    def notifies_others(self) -> bool:
        """Whether new requests and reminders mention others than the approvers (GONG_ERASE_NOTIFY)."""
        return self.notify_users is not None or self.notify_groups is not None

    def notified(self) -> tuple[frozenset[str], frozenset[str]]:
        """The users and groups a new request and its reminders mention."""
        if not self.notifies_others:
            return self.users, self.groups
        return self.notify_users or frozenset(), self.notify_groups or frozenset()

    def is_approver(self, user_id: str, user_groups: Collection[str]) -> bool:
        """A listed user, or a member of a listed user group."""
        return user_id in self.users or any(group in self.groups for group in user_groups)

    def needs_groups(self, user_id: str) -> bool:
        """Whether telling if `user_id` is an approver takes a look at the user groups (not for listed users)."""
        return bool(self.groups) and user_id not in self.users

    def check_approver(self, user_id: str, requester_id: str, user_groups: Collection[str],
                       justification: str = "") -> None:  # fmt: skip
        """Raise NotAllowed unless `user_id` may approve this request (their own only with self-approval on, or
        break-glass with a justification)."""
        if not self.is_approver(user_id, user_groups):
            raise NotAllowed(Why.NOT_APPROVER)
        if user_id == requester_id and not self.allow_self_approval:
            if not self.break_glass:
                raise NotAllowed(Why.SELF_APPROVAL)
            if not justification.strip():
                raise NotAllowed(Why.BREAK_GLASS_JUSTIFY)

    def asks_break_glass(self, user_id: str, requester_id: str, user_groups: Collection[str]) -> bool:
        """Whether this approval is a requester approving their own request under break-glass: it needs a
        justification first."""
        return (self.break_glass and not self.allow_self_approval and user_id == requester_id
                and self.is_approver(user_id, user_groups))  # fmt: skip


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
