"""The erase request: its states, the one transition table, and what each move causes next (pure).

Theory of operation
-------------------
A request is born a DRAFT that only its requester sees. Submitting makes it PENDING: it is posted publicly,
with the identifier masked, for the approvers. The approval that reaches the required number moves it to
APPROVED, and only that move causes the one erase job. Gong's answer moves it to SUBMITTED (accepted) or FAILED;
scheduled lookups later move a submitted request to VERIFIED or UNVERIFIED. REJECTED, CANCELLED and EXPIRED end a
request before anything reached Gong::

    DRAFT ─submit─▶ PENDING ─approve─▶ APPROVED ─gong_accepted─▶ SUBMITTED ─verified_erased─▶ VERIFIED
      │               │                   └─gong_failed─▶ FAILED      └─still_held─▶ UNVERIFIED
      └cancel, expire └reject, cancel, expire ─▶ REJECTED, CANCELLED, EXPIRED

Every move is a row of TRANSITIONS, which names the state it leads to and the jobs it causes; events that change
no state but still cause work (an approval short of the number, a preview, a reminder) are rows of NOTES. The
functions here only plan: `plan_move` returns a `Move` (or raises IllegalTransition before anything is written)
and `follow_ups` the jobs of a note. `adapters.store.Tx.move` writes a plan as one conditional
`UPDATE … WHERE id = ? AND state = ?` with its audit row and its jobs, in one BEGIN IMMEDIATE transaction.

Guarantees, and where each is enforced:

- One decision per request: the conditional write (adapters.store); the loser of a race reads the new state and
  is refused politely (service.decisions).
- No erase without approval: only (PENDING, APPROVE) causes GONG_ERASE (this table), and a unique index allows
  one erase job per request whatever happens above it (adapters.schema).
- Work is never lost to a crash: jobs are written with the move that causes them, so a dead process leaves work
  to resume, never half a decision (adapters.store, worker).
- Proof without the data: a move after which the request is over (`is_over`) wipes the identifier in the same
  write; the keyed hash and the mask remain (adapters.store).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..errors import IllegalTransition
from .audit import AuditEvent
from .deadlines import Deadline
from .holdings import Holdings
from .jobs import Kind, NewJob
from .target import TargetKind

__all__ = [
    "NOTES", "OPEN", "TERMINAL", "TRANSITIONS", "ErasureRequest", "Event", "Move", "Schedule", "State",
    "Transition", "follow_ups", "is_expired", "is_over", "next_nudge", "next_state", "plan_move",
]  # fmt: skip


class State(StrEnum):
    """Where a request stands."""

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
    """What moves a request from one state to another."""

    SUBMIT = "submit"
    APPROVE = "approve"  # the approval that reaches the required number
    REJECT = "reject"
    CANCEL = "cancel"
    EXPIRE = "expire"
    GONG_ACCEPTED = "gong_accepted"
    GONG_FAILED = "gong_failed"
    VERIFIED_ERASED = "verified_erased"
    STILL_HELD = "still_held"  # after the last check
    RETRY = "retry"  # a batch's failed items are sent again (domain.batch); a single request is never retried


@dataclass(frozen=True)
class Transition:
    """One legal move: the state it leads to and the jobs it causes, in order."""

    to: State
    causes: tuple[Kind, ...] = ()


_TELL = (Kind.REFRESH_PARENT, Kind.THREAD_NOTE)  # update the public message, and say it in its thread
_RECEIPT = (Kind.RECEIPT,)  # and tell the requester by DM, when the deployment wants receipts

TRANSITIONS: dict[tuple[State, Event], Transition] = {
    (State.DRAFT, Event.SUBMIT): Transition(State.PENDING, (Kind.POST_APPROVAL, Kind.PREVIEW, Kind.REMIND, *_RECEIPT)),
    (State.DRAFT, Event.CANCEL): Transition(State.CANCELLED),
    (State.DRAFT, Event.EXPIRE): Transition(State.EXPIRED),
    # the approval that decides is also an APPROVAL note, whose refresh of the message goes with it
    (State.PENDING, Event.APPROVE): Transition(State.APPROVED, (Kind.GONG_ERASE, *_RECEIPT)),
    (State.PENDING, Event.REJECT): Transition(State.REJECTED, (*_TELL, *_RECEIPT)),
    (State.PENDING, Event.CANCEL): Transition(State.CANCELLED, _TELL),
    (State.PENDING, Event.EXPIRE): Transition(State.EXPIRED, (*_TELL, *_RECEIPT)),
    (State.APPROVED, Event.GONG_ACCEPTED): Transition(State.SUBMITTED, (*_TELL, Kind.VERIFY, *_RECEIPT)),
    (State.APPROVED, Event.GONG_FAILED): Transition(State.FAILED, (*_TELL, *_RECEIPT)),
    (State.SUBMITTED, Event.VERIFIED_ERASED): Transition(State.VERIFIED, (*_TELL, *_RECEIPT)),
    (State.SUBMITTED, Event.STILL_HELD): Transition(State.UNVERIFIED, (*_TELL, *_RECEIPT)),
    # A batch whose run is over may send its failed items again; its items keep their identifiers for it, the
    # batch itself has none, so these moves do not keep the states below from being over (see TERMINAL).
    (State.SUBMITTED, Event.RETRY): Transition(State.APPROVED, (Kind.REFRESH_PARENT,)),
    (State.FAILED, Event.RETRY): Transition(State.APPROVED, (Kind.REFRESH_PARENT,)),
    (State.VERIFIED, Event.RETRY): Transition(State.APPROVED, (Kind.REFRESH_PARENT,)),
    (State.UNVERIFIED, Event.RETRY): Transition(State.APPROVED, (Kind.REFRESH_PARENT,)),
}

# Audit events that change no state but cause work.
NOTES: dict[AuditEvent, tuple[Kind, ...]] = {
    AuditEvent.APPROVAL: (Kind.REFRESH_PARENT,),  # "1 of 2 approvals", or "approved by …"
    AuditEvent.PREVIEWED: (Kind.REFRESH_PARENT,),
    AuditEvent.STILL_HELD: (Kind.VERIFY, Kind.THREAD_NOTE),  # the next check, and the result of this one
    AuditEvent.CHECK_FAILED: (Kind.VERIFY, Kind.THREAD_NOTE),
    AuditEvent.REMINDED: (Kind.REFRESH_PARENT, Kind.REMIND),  # the days left move on; the next nudge
    AuditEvent.BUDGET_SPENT: (Kind.THREAD_NOTE,),
}

TERMINAL = frozenset(State) - {state for state, event in TRANSITIONS if event is not Event.RETRY}
OPEN = frozenset({State.DRAFT, State.PENDING})


@dataclass(frozen=True)
class Schedule:
    """When follow-up work falls due, from the settings: reminders of approvers, checks after the erase."""

    remind_after: float = 0.0  # seconds until the first nudge of a pending request; 0: never
    verify_after: tuple[float, ...] = ()  # seconds after Gong accepted; empty: no checks
    receipts: bool = False  # tell requesters by DM what became of their requests


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
    identifier_unreadable: bool = False  # the stored identifier did not decrypt: nothing may be sent for it
    decision_note: str | None = None  # why an approver rejected it, in their words (the identifier scrubbed)
    message_channel: str | None = None  # where the approval message was posted, when not in `channel`
    break_glass: str | None = None  # the requester approved it themselves, with this justification

    @property
    def thread_channel(self) -> str:
        """The channel of the approval message and its thread (an approvals channel, or where it was made)."""
        return self.message_channel or self.channel


@dataclass(frozen=True)
class Move:
    """A planned move: from and to, whether the identifier goes with it, and the jobs it causes."""

    event: Event
    from_state: State
    to_state: State
    wipe: bool
    jobs: tuple[NewJob, ...]


def next_state(state: State, event: Event) -> State:
    """The state `event` moves `state` to; raises IllegalTransition for any move not in the table."""
    return _transition(state, event).to


def plan_move(
    request: ErasureRequest,
    event: Event,
    *,
    now: float,
    schedule: Schedule,
    payloads: Mapping[Kind, Mapping[str, Any]] | None = None,
) -> Move:
    """What `event` does to `request`: raises IllegalTransition (nothing planned) unless the table allows it."""
    transition = _transition(request.state, event)
    told = {Kind.RECEIPT: {"event": event.value}} | dict(payloads or {})
    jobs = _jobs(transition.causes, request, now, schedule, told)
    return Move(event, request.state, transition.to, is_over(transition.to, schedule), jobs)


def follow_ups(
    request: ErasureRequest,
    event: AuditEvent,
    *,
    now: float,
    schedule: Schedule,
    payloads: Mapping[Kind, Mapping[str, Any]] | None = None,
) -> tuple[NewJob, ...]:
    """The jobs an audit event that changes no state causes (none for most)."""
    return _jobs(NOTES.get(event, ()), request, now, schedule, payloads or {})


def is_over(state: State, schedule: Schedule) -> bool:
    """Nothing more will be done with the identifier: it is wiped with the move into `state`."""
    return state in TERMINAL or (state is State.SUBMITTED and not schedule.verify_after)


def is_expired(created_at: float, ttl: int, now: float) -> bool:
    """An open request past its time to live can no longer be submitted or approved."""
    return now >= created_at + ttl


def next_nudge(remind_after: float, nudges: int, request: ErasureRequest, now: float) -> float:
    """Seconds until the next reminder: backing off (1×, 2×, 4×…), except as a legal deadline nears: within a
    week at most 4×, within two days (or overdue) every interval."""
    interval: float = remind_after * 2.0**nudges
    if request.deadline is not None:
        left = request.deadline.days_left(now)
        if left <= 2:
            return remind_after
        if left <= 7:
            return min(interval, remind_after * 4)
    return interval


def _transition(state: State, event: Event) -> Transition:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state.value, event.value) from None


def _jobs(
    kinds: tuple[Kind, ...],
    request: ErasureRequest,
    now: float,
    schedule: Schedule,
    payloads: Mapping[Kind, Mapping[str, Any]],
) -> tuple[NewJob, ...]:
    planned = (_scheduled(kind, request, now, schedule, payloads.get(kind, {})) for kind in kinds)
    return tuple(job for job in planned if job is not None)


def _scheduled(
    kind: Kind, request: ErasureRequest, now: float, schedule: Schedule, payload: Mapping[str, Any]
) -> NewJob | None:
    """When a job runs: most at once; reminders and checks by the schedule (None: not at all); receipts only
    when the deployment wants them."""
    if kind is Kind.RECEIPT and not schedule.receipts:
        return None
    if kind is Kind.REMIND:
        nudges = int(payload.get("nudges", 0))
        if not schedule.remind_after:
            return None
        run_at = now + next_nudge(schedule.remind_after, nudges, request, now)
        if run_at >= request.expires_at:
            return None  # the request expires first; expiry says all there is to say
        return NewJob(kind, request.id, run_at, {"nudges": nudges})
    if kind is Kind.VERIFY:
        check = int(payload.get("check", 0))
        accepted_at = float(payload.get("accepted_at", now))
        if check >= len(schedule.verify_after):
            return None
        return NewJob(kind, request.id, accepted_at + schedule.verify_after[check],
                      {"check": check, "accepted_at": accepted_at})  # fmt: skip
    return NewJob(kind, request.id, now, dict(payload))
