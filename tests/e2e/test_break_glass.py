"""GONG_ERASE_ALLOW_SELF_APPROVAL=break-glass: a requester who is an approver approves their own request only
after typing a justification; it is marked as break-glass on the message, in the thread and the audit, and every
other approver is told by DM."""

from __future__ import annotations

import json

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    APPROVER_2,
    CHANNEL,
    GROUP,
    GROUP_MEMBER,
    REQUESTER,
    SignedSlack,
    button_value,
    db_rows,
    fresh_number,
    request_state,
    submit_request,
)


def test_a_self_approval_needs_a_justification_is_marked_and_every_other_approver_is_told(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Approve by the requester opens the justification modal (nothing decided); an empty one is refused beside the
    field; with one, the request is approved once and marked; the other approvers get a DM, the requester none."""
    bot = start_bot(GONG_ERASE_ALLOW_SELF_APPROVAL="break-glass",
                    GONG_ERASE_APPROVERS=f"{REQUESTER} {APPROVER} {APPROVER_2} {GROUP}")  # fmt: skip
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    response, _ = user.click("erase_approve", request_id, REQUESTER, message_ts=parent.ts)
    modal = user.modal_opened_by(response, "the break-glass modal")
    assert modal["callback_id"] == "erase_break_glass" and request_state(bot, request_id) == "pending"
    empty = user.submit_view(modal, {"break_glass": {"justification": {"type": "plain_text_input", "value": " "}}})
    assert empty.json()["response_action"] == "errors" and request_state(bot, request_id) == "pending"
    values = {"break_glass": {"justification": {"type": "plain_text_input", "value": "Approvers on leave, DSR-8 due"}}}
    assert user.submit_view(modal, values).status_code == 200
    assert len(fake_gong.wait_for_calls(e164, 1)) == 1
    fake_slack.wait_for(lambda: "Break-glass" in parent.all_text, what="the message marked")
    notes = fake_slack.wait_for(lambda: [m for m in fake_slack.thread(CHANNEL, parent.ts) if "Break-glass" in
                                         m.all_text], what="the thread note")  # fmt: skip
    assert "Approvers on leave" in notes[0].all_text
    for approver in (APPROVER, APPROVER_2, GROUP_MEMBER):
        told = fake_slack.wait_for(lambda a=approver: [m for m in fake_slack.posts(a) if request_id in m.all_text],
                                   what=f"the DM to {approver}")  # fmt: skip
        assert "Break-glass" in told[0].all_text and e164 not in told[0].all_text
    assert not [m for m in fake_slack.posts(REQUESTER) if "Break-glass" in m.all_text]
    audited = db_rows(bot, "SELECT detail FROM audit WHERE request_id = ? AND event = 'approval'", (request_id,))
    assert "Approvers on leave" in json.loads(audited[0]["detail"])["break_glass"]
