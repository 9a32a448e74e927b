"""GONG_ERASE_NOTIFY: who new requests and reminders mention, apart from who may decide (the approvers)."""

from __future__ import annotations

from tests.conftest import BotFactory
from tests.fakes.slack import FakeSlack
from tests.support import APPROVER, APPROVER_2, CHANNEL, SignedSlack, button_value, fresh_number, submit_request

NOTIFIED = "UNOTIFIED"
NOTIFIED_GROUP = "SNOTIFY"


def test_new_requests_and_reminders_mention_the_notified_and_only_approvers_decide(
    start_bot: BotFactory, fake_slack: FakeSlack
) -> None:
    """The message and its reminder mention the notified (not the approvers); a notified non-approver is refused;
    an approver's approval decides."""
    bot = start_bot(GONG_ERASE_NOTIFY=f"{NOTIFIED} {NOTIFIED_GROUP}", GONG_ERASE_REMIND_AFTER="1s")
    fake_slack.users.add(NOTIFIED)
    user = SignedSlack(bot.url, fake_slack)
    parent = submit_request(user, fresh_number()[0])
    said = parent.all_text
    assert f"<@{NOTIFIED}>" in said and f"<!subteam^{NOTIFIED_GROUP}>" in said
    assert f"<@{APPROVER}>" not in said and f"<@{APPROVER_2}>" not in said
    reminder = fake_slack.wait_for(lambda: [m for m in fake_slack.thread(CHANNEL, parent.ts) if "still needs" in
                                            m.all_text], timeout=10, what="a reminder")[0]  # fmt: skip
    assert f"<@{NOTIFIED}>" in reminder.all_text and f"<@{APPROVER}>" not in reminder.all_text
    request_id = button_value(parent.blocks, "erase_approve")
    _, url = user.click("erase_approve", request_id, NOTIFIED, message_ts=parent.ts)
    assert "Only the configured approvers" in fake_slack.wait_for(lambda: fake_slack.responded(url), what="no")[0][
        "text"]  # fmt: skip
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, what="approved by an approver")
