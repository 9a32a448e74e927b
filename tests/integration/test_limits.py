"""Limits that keep one person, one stale group or old rows from growing the bot out of bounds, on a real file."""

from __future__ import annotations

import pytest

from bot.adapters.slack import ApproverGroups
from bot.domain.approval import ApprovalPolicy
from bot.domain.target import parse_erase_text
from bot.errors import Closed, NotAllowed, Refusal, Why
from bot.service.decisions import Decisions, RequestRules
from bot.service.housekeeping import Retention
from bot.service.queries import Queries
from tests.conftest import StoreFactory
from tests.doubles import Clock, Groups

POLICY = ApprovalPolicy(users=frozenset({"UA"}), groups=frozenset({"SPRIV"}), required=1)


def draft(decisions: Decisions, requester: str, n: int) -> str:
    command = parse_erase_text(f"+1 425 555 {4000 + n} DSR-{n}")
    return decisions.start(command, requester=requester, channel="C1", team="T1", trigger_id=f"{requester}-{n}").id


def test_one_person_may_hold_only_so_many_unsubmitted_drafts(open_store: StoreFactory) -> None:
    """The 4th open draft of one person is refused, saying what to do; others are unaffected; a cancel frees one."""
    decisions = Decisions(open_store(), POLICY, Groups(),
                          rules=RequestRules(ttl=3600, max_open_drafts=3))  # fmt: skip
    first = draft(decisions, "UFLOOD", 0)
    draft(decisions, "UFLOOD", 1)
    draft(decisions, "UFLOOD", 2)
    with pytest.raises(Refusal) as refused:
        draft(decisions, "UFLOOD", 3)
    assert refused.value.why is Why.TOO_MANY_DRAFTS and refused.value.facts == {"count": 3}
    assert len(decisions.store.requests_of("UFLOOD", 10)) == 3
    draft(decisions, "UOTHER", 4)
    decisions.cancel(first, "UFLOOD")
    draft(decisions, "UFLOOD", 5)


def test_expired_drafts_do_not_count_against_the_limit(open_store: StoreFactory) -> None:
    """Drafts past their time to live are not open any more, expired by the sweeper or not."""
    clock = Clock()
    decisions = Decisions(open_store(), POLICY, Groups(), clock=clock,
                          rules=RequestRules(ttl=60, max_open_drafts=1))  # fmt: skip
    draft(decisions, "U1", 0)
    clock.now += 61
    draft(decisions, "U1", 1)


def test_a_draft_number_cannot_be_revealed_to_an_approver(open_store: StoreFactory) -> None:
    """Show number works from pending on; on someone's unsubmitted draft it is refused and nothing is audited."""
    store = open_store()
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules())
    queries = Queries(store, POLICY, Groups(), hash_key="")
    request_id = draft(decisions, "UREQ", 0)
    with pytest.raises(Closed):
        queries.reveal(request_id, "UA")
    assert [row.event for row in store.audit_trail(request_id)] == ["created"]
    decisions.submit(request_id, "UREQ", "https://hooks.slack.com/x")
    request, items = queries.reveal(request_id, "UA")
    assert request.identifier == "+14255554000" and items == []


class CountingSlack:
    """usergroups.users.list as the adapter calls it: each call counted, membership changed by the test."""

    def __init__(self) -> None:
        self.members = {"SPRIV": {"UMEMBER"}}
        self.calls = 0

    def group_members(self, group_id: str) -> frozenset[str]:
        self.calls += 1
        return frozenset(self.members.get(group_id, set()))


def test_a_decision_asks_slack_afresh_while_display_may_use_the_cache() -> None:
    """Removed from the group: a cached answer may still list them for display, but a fresh one does not."""
    slack = CountingSlack()
    groups = ApproverGroups(slack, {"SPRIV"}, ttl=60.0)  # type: ignore[arg-type]
    assert groups.groups_of("UMEMBER") == {"SPRIV"}
    slack.members["SPRIV"].clear()
    assert groups.groups_of("UMEMBER") == {"SPRIV"} and slack.calls == 1  # display: the cache, as before
    assert groups.groups_of("UMEMBER", fresh=True) == frozenset() and slack.calls == 2


def test_approve_reject_and_reveal_decide_on_fresh_membership(open_store: StoreFactory) -> None:
    """The use cases that decide ask the directory for fresh membership; a removed member is refused."""
    store = open_store()

    class RecordingGroups(Groups):
        def __init__(self) -> None:
            super().__init__({"SPRIV": {"UMEMBER"}})
            self.fresh: list[bool] = []

        def groups_of(self, user_id: str, *, fresh: bool = False) -> frozenset[str]:
            self.fresh.append(fresh)
            return super().groups_of(user_id, fresh=fresh)

    groups = RecordingGroups()
    decisions = Decisions(store, POLICY, groups, rules=RequestRules())
    request_id = draft(decisions, "UREQ", 0)
    decisions.submit(request_id, "UREQ", "https://hooks.slack.com/x")
    Queries(store, POLICY, groups, hash_key="").reveal(request_id, "UMEMBER")
    groups.members["SPRIV"].clear()
    with pytest.raises(NotAllowed):
        decisions.approve(request_id, "UMEMBER")
    with pytest.raises(NotAllowed):
        decisions.reject(request_id, "UMEMBER")
    assert groups.fresh == [True, True, True]


def test_retention_deletes_finished_jobs_and_old_gong_calls_only(open_store: StoreFactory) -> None:
    """Done jobs and call records past the retention go; queued and dead jobs stay; two days of calls always stay."""
    store = open_store()
    decisions = Decisions(store, POLICY, Groups(), rules=RequestRules())
    request_id = draft(decisions, "UREQ", 0)
    decisions.submit(request_id, "UREQ", "https://hooks.slack.com/x")  # a post_approval and a preview job
    now = 2_000_000_000.0
    with store.transaction() as tx:
        tx.sql.execute(
            "UPDATE jobs SET status = 'done', updated_at = ? WHERE kind = 'post_approval'", [now - 40 * 86400]
        )
        tx.sql.execute("UPDATE jobs SET status = 'dead', updated_at = ? WHERE kind = 'preview'", [now - 40 * 86400])
        for age in (40 * 86400, 1.5 * 86400, 60):
            tx.sql.execute("INSERT INTO gong_calls (at) VALUES (?)", [now - age])
    Retention(store, retention=1.0, clock=lambda: now).prune_if_due()  # asks for 1 s; keeps two days all the same
    kinds = [row["kind"] for row in store.database.reader().query("SELECT kind FROM jobs")]
    ages = [now - row["at"] for row in store.database.reader().query("SELECT at FROM gong_calls ORDER BY at")]
    assert kinds == ["preview"] and ages == [1.5 * 86400, 60]
