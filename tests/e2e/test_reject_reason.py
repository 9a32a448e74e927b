"""Reject with a reason: Reject opens a modal; the reason is shown in the thread and sealed in the audit log; a
request decided while the modal was open stays decided, and the approver is told privately."""

from __future__ import annotations

import json

from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    APPROVER_2,
    CHANNEL,
    OUTSIDER,
    BotProcess,
    SignedSlack,
    button_value,
    db_rows,
    fresh_number,
    request_state,
    submit_request,
)


def test_the_reason_given_in_the_modal_is_threaded_shown_and_sealed_without_the_number(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """Reject → modal (erase_reject_reason, block reject_reason, action reason, required, 500 characters); the
    submitted reason reaches the thread, the message and the audit row, the number typed in it masked."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_reject")
    before = set(fake_slack.opened_by)
    answer = slack_user.reject(request_id, APPROVER, f"Ticket DSR-77 is for another person, not {typed}",
                               message_ts=parent.ts)  # fmt: skip
    assert answer is not None and answer.status_code == 200 and not answer.content.strip()
    modal = next(v for t, v in fake_slack.opened_by.items() if t not in before)
    assert modal["callback_id"] == "erase_reject_reason"
    field = next(b for b in modal["blocks"] if b.get("block_id") == "reject_reason")
    assert field["element"]["action_id"] == "reason" and field["element"]["max_length"] == 500
    assert not field.get("optional")
    note = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="the rejection in the thread")
    assert "Rejected by" in note[0].all_text and "Ticket DSR-77 is for another person" in note[0].all_text
    fake_slack.wait_for(lambda: "DSR-77" in parent.all_text, what="the reason on the message")
    assert e164 not in fake_slack.everything_public() and typed not in fake_slack.everything_public()
    rows = db_rows(bot, "SELECT detail FROM audit WHERE request_id = ? AND event = 'reject'", (request_id,))
    assert "DSR-77" in json.loads(rows[0]["detail"])["reason"] and e164[-4:] in json.loads(rows[0]["detail"])["reason"]
    assert e164 not in rows[0]["detail"]


def test_a_request_approved_while_the_modal_was_open_stays_approved_and_the_rejecter_is_told(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """The one-decision guarantee holds across the modal: its submission after the approval changes nothing, and
    the approver gets a private explanation in the channel."""
    typed, _ = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    response, _ = slack_user.click("erase_reject", request_id, APPROVER_2, message_ts=parent.ts)
    modal = slack_user.modal_opened_by(response, "the reject modal")
    slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_slack.wait_for(lambda: request_state(bot, request_id) in {"approved", "submitted"}, what="the approval")
    seen = len(fake_slack.ephemeral_to(APPROVER_2))
    values = {"reject_reason": {"reason": {"type": "plain_text_input", "value": "too late"}}}
    assert slack_user.submit_view(modal, values, APPROVER_2).status_code == 200
    told = fake_slack.wait_for(lambda: fake_slack.ephemeral_to(APPROVER_2)[seen:], what="the private explanation")
    assert "already approved" in told[0].all_text
    assert request_state(bot, request_id) in {"approved", "submitted"}
    decisions = db_rows(bot, "SELECT event FROM audit WHERE request_id = ? AND event IN ('approve', 'reject')",
                        (request_id,))  # fmt: skip
    assert [row["event"] for row in decisions] == ["approve"]


def test_someone_who_may_not_reject_gets_no_modal_but_a_private_refusal(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """An outsider's Reject opens nothing and is refused privately; the request waits on."""
    typed, _ = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_reject")
    before = set(fake_slack.opened_by)
    _, url = slack_user.click("erase_reject", request_id, OUTSIDER, message_ts=parent.ts)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the refusal")[0]
    assert "Only the configured approvers can reject" in refusal["text"]
    assert set(fake_slack.opened_by) == before and request_state(bot, request_id) == "pending"
