"""Decisions over real HTTP: N-of-M approvals, groups, reject, cancel, expiry, self-approval when allowed."""

from __future__ import annotations

import concurrent.futures
import time

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    APPROVER_2,
    CHANNEL,
    GROUP_MEMBER,
    OUTSIDER,
    REQUESTER,
    BotProcess,
    SignedSlack,
    all_text,
    button_value,
    db_rows,
    fresh_number,
    request_state,
    submit_request,
)


def test_two_of_m_needs_two_distinct_approvers(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """With 2 required: one approval (even clicked twice) changes the count only; the second one erases."""
    bot = start_bot(GONG_ERASE_REQUIRED_APPROVALS="2")
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")

    _, url = user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    note = fake_slack.wait_for(lambda: fake_slack.responded(url), what="partial approval note")
    assert "1 of 2" in all_text(note[0]["blocks"])
    fake_slack.wait_for(lambda: "1 of 2 needed: <@UAPPROVER1>" in parent.all_text, what="count shown")
    assert "erase_approve" in parent.action_ids()

    _, url = user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    again = fake_slack.wait_for(lambda: fake_slack.responded(url), what="already approved")
    assert "already approved" in all_text(again[0]["blocks"])
    time.sleep(0.5)
    assert fake_gong.calls_for(e164) == []

    user.click("erase_approve", request_id, GROUP_MEMBER, message_ts=parent.ts)  # via the user group
    fake_gong.wait_for_calls(e164, 1)
    fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, what="submitted")
    assert "<@UAPPROVER1>, <@UGROUPMEMBER>" in parent.all_text
    assert fake_slack.calls_of("usergroups.users.list")


def test_reject_closes_the_request_without_calling_gong(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """Only approvers reject; a rejection closes the request, names who rejected it, and nothing reaches Gong."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_reject")
    _, url = slack_user.click("erase_reject", request_id, OUTSIDER, message_ts=parent.ts)
    assert "Only the configured approvers" in all_text(fake_slack.wait_for(lambda: fake_slack.responded(url))[0])

    slack_user.reject(request_id, APPROVER_2, message_ts=parent.ts)
    fake_slack.wait_for(lambda: "Rejected" in parent.all_text and not parent.action_ids(), what="rejected")
    assert "<@UAPPROVER2>" in parent.all_text
    note = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="thread note")
    assert "Rejected by <@UAPPROVER2>" in note[0].all_text

    _, url = slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    late = fake_slack.wait_for(lambda: fake_slack.responded(url), what="late approval refused")
    assert "was rejected" in all_text(late[0]["blocks"])
    assert fake_gong.calls_for(e164) == []
    assert request_state(bot, request_id) == "rejected"


def test_requester_can_cancel_while_pending_and_others_cannot(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """The requester may withdraw a pending request; anyone else's Cancel is refused and changes nothing."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_cancel")
    _, url = slack_user.click("erase_cancel", request_id, APPROVER, message_ts=parent.ts)
    assert "can cancel it" in all_text(fake_slack.wait_for(lambda: fake_slack.responded(url))[0])
    assert "erase_cancel" in parent.action_ids()

    slack_user.click("erase_cancel", request_id, REQUESTER, message_ts=parent.ts)
    fake_slack.wait_for(lambda: "Cancelled" in parent.all_text and not parent.action_ids(), what="cancelled")
    note = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="thread note")
    assert "Nothing was sent to Gong" in note[0].all_text
    assert fake_gong.calls_for(e164) == []


def test_expired_request_shows_it_by_itself_and_cannot_be_approved(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Past GONG_ERASE_REQUEST_TTL the message turns to expired without a click, and approval is refused."""
    bot = start_bot(GONG_ERASE_REQUEST_TTL="2")
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    fake_slack.wait_for(lambda: "Expired" in parent.all_text and not parent.action_ids(), timeout=10, what="expired")
    _, url = user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="refusal")
    assert "expired" in all_text(refusal[0]["blocks"])
    assert fake_gong.calls_for(e164) == []


def test_self_approval_when_allowed(start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong) -> None:
    """With GONG_ERASE_ALLOW_SELF_APPROVAL an approver may approve their own request, and it is erased."""
    bot = start_bot(GONG_ERASE_ALLOW_SELF_APPROVAL="true")
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed, requester=APPROVER)
    user.click("erase_approve", button_value(parent.blocks, "erase_approve"), APPROVER, message_ts=parent.ts)
    fake_gong.wait_for_calls(e164, 1)


def press(slack_user: SignedSlack, action_id: str, request_id: str, user: str, ts: str) -> None:
    """A click; Reject is answered in its modal as soon as it opens (none opens once the request is decided)."""
    if action_id == "erase_reject":
        slack_user.reject(request_id, user, message_ts=ts, wait=3, required=False)
    else:
        slack_user.click(action_id, request_id, user, message_ts=ts)


def test_approve_reject_and_cancel_racing_give_one_outcome(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Approve, reject and cancel clicked at the same moment on two processes, repeatedly: one decision each."""
    bot = start_bot(WEB_CONCURRENCY="2")
    slack_user = SignedSlack(bot.url, fake_slack)
    for _ in range(3):
        typed, e164 = fresh_number()
        parent = submit_request(slack_user, typed)
        request_id = button_value(parent.blocks, "erase_approve")
        clicks = [("erase_approve", APPROVER), ("erase_reject", APPROVER_2), ("erase_cancel", REQUESTER)] * 3
        with concurrent.futures.ThreadPoolExecutor(len(clicks)) as pool:
            list(pool.map(lambda c: press(slack_user, c[0], request_id, c[1], parent.ts), clicks))
        notes = fake_slack.wait_for(lambda p=parent: fake_slack.thread(CHANNEL, p.ts), what="one outcome")
        time.sleep(0.5)
        state = request_state(bot, request_id)
        assert state in {"submitted", "rejected", "cancelled"}
        assert len(fake_slack.thread(CHANNEL, parent.ts)) == 1 == len(notes)
        gong_calls = [c for c in fake_gong.calls_for(e164) if c.status != 429]
        assert len(gong_calls) == (1 if state == "submitted" else 0)
        decisions = db_rows(
            bot, "SELECT event FROM audit WHERE request_id = ? AND event IN ('approve', 'reject', 'cancel')",
            (request_id,),
        )  # fmt: skip
        assert len(decisions) == 1
    deciders = {
        line.split("]")[0].split("[")[-1]
        for line in bot.logs().splitlines()
        if "bot.service.decisions" in line or "bot.listeners.actions" in line
    }
    assert len(deciders) == 2  # the clicks were handled by both processes


def test_a_member_removed_from_the_approver_group_cannot_approve_a_moment_later(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Membership seen a moment ago (and cached for display) does not count: an approval asks Slack afresh."""
    fake_slack.groups["SREMOVABLE"] = ["UTEMPORARY"]
    bot = start_bot(GONG_ERASE_APPROVERS=f"{APPROVER} SREMOVABLE")
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    seen = all_text(user.command_answered_later("list", user="UTEMPORARY")["blocks"])
    assert request_id in seen  # an approver a moment ago: the list shows what waits for them
    fake_slack.groups["SREMOVABLE"] = []
    _, url = user.click("erase_approve", request_id, "UTEMPORARY", message_ts=parent.ts)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the refusal")[0]
    assert "Only the configured approvers" in all_text(refusal["blocks"])
    assert request_state(bot, request_id) == "pending" and fake_gong.calls_for(e164) == []


def test_a_stale_group_id_is_skipped_and_a_real_member_still_approves(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """GONG_ERASE_APPROVERS naming a group Slack no longer has (no_such_subteam) used to block every group
    approval; now that group is skipped (one warning in the log, however many clicks), a member of the working
    group approves, an outsider's refusal names who can approve, and approvers see the problem on the Home tab."""
    bot = start_bot(GONG_ERASE_APPROVERS=f"{APPROVER} SPRIVACY SBAD")
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    _, url = user.click("erase_approve", request_id, OUTSIDER, message_ts=parent.ts)
    refusal = all_text(fake_slack.wait_for(lambda: fake_slack.responded(url), what="the refusal")[0]["blocks"])
    assert "Only the configured approvers" in refusal and f"<@{APPROVER}>" in refusal
    user.click("erase_approve", request_id, GROUP_MEMBER, message_ts=parent.ts)
    assert [c.status for c in fake_gong.wait_for_calls(e164, 1)] == [200]
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="the outcome")
    assert bot.logs().count("approver group SBAD cannot be read (no_such_subteam)") == 1
    home = user.open_home(APPROVER)
    assert "`SBAD` (no_such_subteam) cannot be read" in all_text(home["blocks"])
