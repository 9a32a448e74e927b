"""The transition table, what each move causes, the wipe rule and the approval policy (pure, no database)."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from bot.domain.approval import ApprovalPolicy, count_approval
from bot.domain.audit import AuditEvent
from bot.domain.jobs import Kind
from bot.domain.request import (
    NOTES,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    ErasureRequest,
    Event,
    Schedule,
    State,
    follow_ups,
    is_expired,
    is_over,
    next_state,
    plan_move,
)
from bot.errors import IllegalTransition, NotAllowed, Why
from bot.render.refusals import CLOSED, explain

NOW = 1_700_000_000.0
SCHEDULE = Schedule(remind_after=3600.0, verify_after=(6 * 3600.0, 24 * 3600.0))
REQUEST = ErasureRequest(
    id="ER-ABCDEFGH", state=State.DRAFT, identifier="+14255552671", masked="+1 ••• ••• 2671",
    display="+1 425-555-2671", country="United States", number_valid=True, reason="DSR-1", requester="UREQ",
    channel="C1", created_at=NOW, expires_at=NOW + 86400, required_approvals=1,
)  # fmt: skip


def test_table_reaches_every_state_and_terminal_states_have_no_exit() -> None:
    """Every state is reachable from draft, and terminal states allow no move at all."""
    reachable, frontier = {State.DRAFT}, [State.DRAFT]
    while frontier:
        state = frontier.pop()
        for (source, _), transition in TRANSITIONS.items():
            if source is state and transition.to not in reachable:
                reachable.add(transition.to)
                frontier.append(transition.to)
    assert reachable == set(State)
    assert {State.VERIFIED, State.UNVERIFIED, State.FAILED, State.REJECTED, State.CANCELLED, State.EXPIRED} == TERMINAL


@pytest.mark.parametrize(("state", "event"), sorted(itertools.product(State, Event)))
def test_each_pair_is_either_in_the_table_or_raises(state: State, event: Event) -> None:
    """Legal moves give the table's target; every other pair raises IllegalTransition and plans nothing."""
    if (state, event) in TRANSITIONS:
        assert next_state(state, event) is TRANSITIONS[(state, event)].to
        move = plan_move(dataclasses.replace(REQUEST, state=state), event, now=NOW, schedule=SCHEDULE)
        assert (move.from_state, move.to_state) == (state, TRANSITIONS[(state, event)].to)
    else:
        with pytest.raises(IllegalTransition):
            next_state(state, event)
        with pytest.raises(IllegalTransition):
            plan_move(dataclasses.replace(REQUEST, state=state), event, now=NOW, schedule=SCHEDULE)


def test_erasure_is_only_reachable_through_approval() -> None:
    """Only APPROVE leads to approved from an undecided request and causes the erase job (a batch's RETRY returns
    there only from states that approval alone leads to); only approved can be submitted to Gong."""
    into_approved = [pair for pair, t in TRANSITIONS.items() if t.to is State.APPROVED]
    assert [pair for pair in into_approved if pair[1] is not Event.RETRY] == [(State.PENDING, Event.APPROVE)]
    retried_from = {state for state, event in into_approved if event is Event.RETRY}
    assert retried_from == {State.SUBMITTED, State.FAILED, State.VERIFIED, State.UNVERIFIED}
    assert not {t.to for (state, _), t in TRANSITIONS.items() if state in OPEN} & retried_from
    assert [pair for pair, t in TRANSITIONS.items() if Kind.GONG_ERASE in t.causes] == [(State.PENDING, Event.APPROVE)]
    assert not [event for event, causes in NOTES.items() if Kind.GONG_ERASE in causes]
    assert [pair for pair, t in TRANSITIONS.items() if t.to is State.SUBMITTED] == [
        (State.APPROVED, Event.GONG_ACCEPTED)
    ]
    # verification only follows an erase Gong accepted
    assert {source for (source, _), t in TRANSITIONS.items() if t.to in {State.VERIFIED, State.UNVERIFIED}} == {
        State.SUBMITTED
    }


def test_a_retry_of_a_batch_does_not_keep_a_failed_request_from_being_over() -> None:
    """A failed or finished request is still over (its identifier wiped with the move), though a batch in the
    same state may be retried."""
    assert {State.FAILED, State.VERIFIED, State.UNVERIFIED} <= TERMINAL
    assert is_over(State.FAILED, SCHEDULE)


def test_every_move_is_an_audit_event() -> None:
    """Each Event is written to the audit log under its own name."""
    assert {event.value for event in Event} <= {event.value for event in AuditEvent}


def test_submitting_posts_previews_and_schedules_the_first_reminder() -> None:
    """Submit causes the approval message (with the response_url it was given), the preview and a reminder."""
    move = plan_move(REQUEST, Event.SUBMIT, now=NOW, schedule=SCHEDULE,
                     payloads={Kind.POST_APPROVAL: {"response_url": "https://hooks.example/1"}})  # fmt: skip
    assert [(job.kind, job.run_at) for job in move.jobs] == [
        (Kind.POST_APPROVAL, NOW), (Kind.PREVIEW, NOW), (Kind.REMIND, NOW + 3600.0)
    ]  # fmt: skip
    assert move.jobs[0].payload == {"response_url": "https://hooks.example/1"}
    assert not move.wipe
    quiet = plan_move(REQUEST, Event.SUBMIT, now=NOW, schedule=Schedule())
    assert [job.kind for job in quiet.jobs] == [Kind.POST_APPROVAL, Kind.PREVIEW]  # reminders off


def test_closing_a_public_request_tells_its_message_and_thread_but_a_draft_nobody() -> None:
    """Reject, cancel and expire of a pending request update the message and thread; of a draft, nothing."""
    pending = dataclasses.replace(REQUEST, state=State.PENDING)
    for event in (Event.REJECT, Event.CANCEL, Event.EXPIRE):
        move = plan_move(pending, event, now=NOW, schedule=SCHEDULE)
        assert [job.kind for job in move.jobs] == [Kind.REFRESH_PARENT, Kind.THREAD_NOTE] and move.wipe
    for event in (Event.CANCEL, Event.EXPIRE):
        move = plan_move(REQUEST, event, now=NOW, schedule=SCHEDULE)
        assert move.jobs == () and move.wipe


def test_an_accepted_erase_schedules_the_first_check_and_keeps_the_identifier_for_it() -> None:
    """Gong accepted: told, and checked `verify_after[0]` later; with no checks, the identifier goes at once."""
    approved = dataclasses.replace(REQUEST, state=State.APPROVED)
    move = plan_move(approved, Event.GONG_ACCEPTED, now=NOW, schedule=SCHEDULE)
    assert [job.kind for job in move.jobs] == [Kind.REFRESH_PARENT, Kind.THREAD_NOTE, Kind.VERIFY]
    assert move.jobs[2].run_at == NOW + 6 * 3600.0 and move.jobs[2].payload == {"check": 0, "accepted_at": NOW}
    assert not move.wipe
    unchecked = plan_move(approved, Event.GONG_ACCEPTED, now=NOW, schedule=Schedule())
    assert [job.kind for job in unchecked.jobs] == [Kind.REFRESH_PARENT, Kind.THREAD_NOTE] and unchecked.wipe


def test_a_check_that_finds_data_schedules_the_next_one_from_the_acceptance() -> None:
    """Still held after check 1 of 2: the next check falls at acceptance + verify_after[1]; after the last, none."""
    submitted = dataclasses.replace(REQUEST, state=State.SUBMITTED)
    later = NOW + 7 * 3600.0
    payloads = {Kind.VERIFY: {"check": 1, "accepted_at": NOW}, Kind.THREAD_NOTE: {"note": "check"}}
    jobs = follow_ups(submitted, AuditEvent.STILL_HELD, now=later, schedule=SCHEDULE, payloads=payloads)
    assert [(job.kind, job.run_at) for job in jobs] == [(Kind.VERIFY, NOW + 24 * 3600.0), (Kind.THREAD_NOTE, later)]
    past_the_last = follow_ups(submitted, AuditEvent.STILL_HELD, now=later, schedule=SCHEDULE,
                               payloads={Kind.VERIFY: {"check": 2, "accepted_at": NOW}})  # fmt: skip
    assert [job.kind for job in past_the_last] == [Kind.THREAD_NOTE]


def test_reminders_stop_before_the_request_expires() -> None:
    """A reminder that would fall after expiry is not scheduled: expiry says all there is to say."""
    pending = dataclasses.replace(REQUEST, state=State.PENDING, expires_at=NOW + 5000)
    first = follow_ups(pending, AuditEvent.REMINDED, now=NOW, schedule=SCHEDULE, payloads={Kind.REMIND: {"nudges": 0}})
    assert [job.kind for job in first] == [Kind.REFRESH_PARENT, Kind.REMIND]
    second = follow_ups(pending, AuditEvent.REMINDED, now=NOW, schedule=SCHEDULE, payloads={Kind.REMIND: {"nudges": 1}})
    assert [job.kind for job in second] == [Kind.REFRESH_PARENT]  # 2 h later is past the expiry


@pytest.mark.parametrize("state", sorted(State))
def test_the_identifier_is_kept_exactly_while_something_may_still_need_it(state: State) -> None:
    """Wiped in every terminal state, and once submitted when no check will follow; kept otherwise."""
    assert is_over(state, SCHEDULE) == (state in TERMINAL)
    assert is_over(state, Schedule()) == (state in TERMINAL or state is State.SUBMITTED)


def test_counting_approvals_n_of_m_and_same_person_twice() -> None:
    """Distinct approvers count; the same person twice counts once; the Nth decides."""
    first = count_approval(State.PENDING, (), "UA", 2)
    assert first.newly_recorded and not first.decided
    again = count_approval(State.PENDING, first.approvers, "UA", 2)
    assert not again.newly_recorded and not again.decided and again.approvers == ("UA",)
    second = count_approval(State.PENDING, first.approvers, "UB", 2)
    assert second.decided and second.approvers == ("UA", "UB")


@pytest.mark.parametrize("state", sorted(set(State) - {State.PENDING}))
def test_approvals_only_count_while_pending(state: State) -> None:
    """An approval of a request that is not pending is an illegal move."""
    with pytest.raises(IllegalTransition):
        count_approval(state, (), "UA", 1)


POLICY = ApprovalPolicy(users=frozenset({"UA", "UB"}), groups=frozenset({"SPRIV"}), required=2)


def test_policy_listed_users_and_group_members_may_approve() -> None:
    """A listed user or a member of a listed group is an approver; others are refused with who to ask."""
    POLICY.check_approver("UA", "UREQ", ())
    POLICY.check_approver("UGROUPIE", "UREQ", {"SPRIV"})
    with pytest.raises(NotAllowed) as refused:
        POLICY.check_approver("UX", "UREQ", {"SOTHER"})
    assert refused.value.why is Why.NOT_APPROVER
    assert "<@UA>, <@UB>, <!subteam^SPRIV>" in explain(refused.value, POLICY)


def test_policy_refuses_self_approval_unless_allowed() -> None:
    """The requester cannot approve their own request unless GONG_ERASE_ALLOW_SELF_APPROVAL is set."""
    with pytest.raises(NotAllowed) as refused:
        POLICY.check_approver("UA", "UA", ())
    assert refused.value.why is Why.SELF_APPROVAL and "yourself" in explain(refused.value, POLICY)
    allowing = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), allow_self_approval=True)
    allowing.check_approver("UA", "UA", ())


def test_group_membership_is_only_asked_when_it_can_matter() -> None:
    """A listed approver needs no look at the user groups; anyone else does, when groups are configured."""
    assert not POLICY.needs_groups("UA") and POLICY.needs_groups("UX")
    assert not ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset()).needs_groups("UX")


def test_expiry_is_inclusive_of_the_ttl() -> None:
    """A request expires at exactly its time to live."""
    assert not is_expired(100.0, 60, 159.9)
    assert is_expired(100.0, 60, 160.0)


def test_every_state_has_an_explanation_for_late_clicks() -> None:
    """A click on a request that has moved on is told, for every state, what became of it."""
    assert set(CLOSED) == set(State) and all(CLOSED.values())
    assert {State.DRAFT, State.PENDING} == OPEN
