"""The transition table and the approval policy: every illegal move raises and changes nothing."""

from __future__ import annotations

import itertools

import pytest

from bot.erasure import (
    OPEN,
    TERMINAL,
    TRANSITIONS,
    ApprovalPolicy,
    Event,
    State,
    count_approval,
    explain_closed,
    is_expired,
    next_state,
)
from bot.errors import IllegalTransition, NotAllowed


def test_table_reaches_every_state_and_terminal_states_have_no_exit() -> None:
    """Every state is reachable from draft, and terminal states allow no move at all."""
    reachable, frontier = {State.DRAFT}, [State.DRAFT]
    while frontier:
        state = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(State)
    assert {State.VERIFIED, State.UNVERIFIED, State.FAILED, State.REJECTED, State.CANCELLED, State.EXPIRED} == TERMINAL


@pytest.mark.parametrize(("state", "event"), sorted(itertools.product(State, Event)))
def test_each_pair_is_either_in_the_table_or_raises(state: State, event: Event) -> None:
    """Legal moves give the table's target; every other pair raises IllegalTransition."""
    if (state, event) in TRANSITIONS:
        assert next_state(state, event) is TRANSITIONS[(state, event)]
    else:
        with pytest.raises(IllegalTransition):
            next_state(state, event)


def test_erasure_is_only_reachable_through_approval() -> None:
    """Only APPROVE leads to approved, and only approved can be submitted to Gong."""
    assert [pair for pair, target in TRANSITIONS.items() if target is State.APPROVED] == [
        (State.PENDING, Event.APPROVE)
    ]
    assert [pair for pair, target in TRANSITIONS.items() if target is State.SUBMITTED] == [
        (State.APPROVED, Event.GONG_ACCEPTED)
    ]
    # verification only follows an erase Gong accepted
    assert {source for (source, _), target in TRANSITIONS.items() if target in {State.VERIFIED, State.UNVERIFIED}} == {
        State.SUBMITTED
    }


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
    with pytest.raises(IllegalTransition):
        count_approval(state, (), "UA", 1)


POLICY = ApprovalPolicy(users=frozenset({"UA", "UB"}), groups=frozenset({"SPRIV"}), required=2)


def test_policy_listed_users_and_group_members_may_approve() -> None:
    """A listed user or a member of a listed group is an approver; others are refused with who to ask."""
    POLICY.check_approver("UA", "UREQ", ())
    POLICY.check_approver("UGROUPIE", "UREQ", {"SPRIV"})
    with pytest.raises(NotAllowed, match="<@UA>, <@UB>, <!subteam\\^SPRIV>"):
        POLICY.check_approver("UX", "UREQ", {"SOTHER"})


def test_policy_refuses_self_approval_unless_allowed() -> None:
    """The requester cannot approve their own request unless GONG_ERASE_ALLOW_SELF_APPROVAL is set."""
    with pytest.raises(NotAllowed, match="yourself"):
        POLICY.check_approver("UA", "UA", ())
    allowing = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset(), allow_self_approval=True)
    allowing.check_approver("UA", "UA", ())


def test_expiry_is_inclusive_of_the_ttl() -> None:
    assert not is_expired(100.0, 60, 159.9)
    assert is_expired(100.0, 60, 160.0)


def test_every_state_has_an_explanation_for_late_clicks() -> None:
    assert all(explain_closed(state) for state in State)
    assert {State.DRAFT, State.PENDING} == OPEN
