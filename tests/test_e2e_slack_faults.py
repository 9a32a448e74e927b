"""When Slack refuses, the decision still stands and the requester learns what to do."""

from __future__ import annotations

from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    REQUESTER,
    BotProcess,
    SignedSlack,
    all_text,
    button_value,
    fresh_number,
    request_state,
    submit_request,
)


def test_bot_not_in_channel_tells_the_requester_to_invite_it(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """Nothing is half-posted: the request is closed and the private message says to /invite the bot."""
    fake_slack.not_in.add("CNOTIN")
    typed, _ = fresh_number()
    ack = slack_user.command(typed, channel="CNOTIN")
    request_id = button_value(ack["blocks"], "erase_submit")
    _, url = slack_user.click("erase_submit", request_id, REQUESTER, ephemeral=True, channel="CNOTIN")
    reply = fake_slack.wait_for(lambda: fake_slack.responded(url), what="private explanation")
    assert "/invite" in all_text(reply[0]["blocks"]) and reply[0]["replace_original"] is True
    assert not fake_slack.posts("CNOTIN")
    assert request_state(bot, request_id) == "cancelled"


def test_rate_limited_update_is_retried_and_the_erase_is_recorded_meanwhile(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """chat.update answering 429 ratelimited: the outcome is already in the database, the message follows."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    fake_slack.fail_next("chat.update", "ratelimited", 429, {"Retry-After": "1"})
    slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, timeout=20, what="update after retry")
    assert any(call.error == "ratelimited" for call in fake_slack.calls_of("chat.update"))
    assert request_state(bot, request_id) == "submitted"
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="outcome in the thread")
    assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [200]
