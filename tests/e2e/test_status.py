"""`/gong-erase status <id>` and `/gong-erase list`: where things stand, privately, for those entitled to know."""

from __future__ import annotations

from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    GROUP_MEMBER,
    OUTSIDER,
    REQUESTER,
    BotProcess,
    SignedSlack,
    all_text,
    button_value,
    fresh_number,
    submit_request,
)


def test_status_shows_the_history_to_the_requester_and_approvers_only(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """`status <id>` shows the history in words to the requester and approvers, and refuses others."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed, reason="DSR-STATUS")
    request_id = button_value(parent.blocks, "erase_approve")
    slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, timeout=20, what="submitted")
    for who in (REQUESTER, GROUP_MEMBER):
        said = all_text(slack_user.command_answered_later(f"status {request_id.lower()}", user=who)["blocks"])
        assert request_id in said and "DSR-STATUS" in said and "Submitted to Gong" in said
        for step in ("drafted", "submitted for approval", "approved (decided)", "called Gong", "Gong answered (200)",
                     "Gong accepted the erase"):  # fmt: skip
            assert step in said, step
        assert f"<@{APPROVER}> approved (decided)" in said and e164 not in said
    refused = all_text(slack_user.command_answered_later(f"status {request_id}", user=OUTSIDER)["blocks"])
    assert "Only the person who made a request and the approvers" in refused and "DSR-STATUS" not in refused
    unknown = all_text(slack_user.command_answered_later("status ER-00000000")["blocks"])
    assert "can't find that erase request" in unknown
    malformed = all_text(slack_user.command_answered_later("status 12345")["blocks"])
    assert "/gong-erase status ER-" in malformed


def test_list_shows_your_requests_and_everything_pending_to_approvers(
    slack_user: SignedSlack, fake_slack: FakeSlack
) -> None:
    """`list` shows your own requests, and to approvers everything pending, newest first."""
    first, second = fresh_number(), fresh_number()
    mine = submit_request(slack_user, first[0])
    theirs = submit_request(slack_user, second[0], requester="UOTHERREQ")
    mine_id, theirs_id = button_value(mine.blocks, "erase_approve"), button_value(theirs.blocks, "erase_approve")
    own = all_text(slack_user.command_answered_later("list", user=REQUESTER)["blocks"])
    assert mine_id in own and theirs_id not in own and "Waiting for approval*" not in own
    approver = all_text(slack_user.command_answered_later("list", user=APPROVER)["blocks"])
    assert "*Waiting for approval*" in approver and mine_id in approver and theirs_id in approver
    assert approver.index(theirs_id) < approver.index(mine_id)  # newest first
    assert first[1] not in own + approver and second[1] not in approver
