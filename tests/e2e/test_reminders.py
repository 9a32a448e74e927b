"""A pending request nudges its approvers in its thread, backing off, once per interval across processes."""

from __future__ import annotations

import time

import pytest

from tests.conftest import BotFactory
from tests.fakes.slack import FakeSlack, Message
from tests.support import (
    APPROVER,
    APPROVER_2,
    CHANNEL,
    GROUP,
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


@pytest.fixture(scope="module")
def nudging_bot(start_bot: BotFactory) -> BotProcess:
    """Two processes on one database; first nudge after 1 s, then 2 s, 4 s…; requests expire after 6 s."""
    return start_bot(WEB_CONCURRENCY="2", GONG_ERASE_REMIND_AFTER="1s", GONG_ERASE_REQUEST_TTL="6")


def reminders(slack: FakeSlack, parent: Message) -> list[Message]:
    return [m for m in slack.thread(CHANNEL, parent.ts) if "still needs" in m.all_text]


def reminded_at(bot: BotProcess, request_id: str) -> list[float]:
    rows = db_rows(bot, "SELECT at FROM audit WHERE request_id = ? AND event = 'reminded' ORDER BY id", (request_id,))
    return [float(row["at"]) for row in rows]


def test_pending_request_nudges_with_backoff_until_it_expires(nudging_bot: BotProcess, fake_slack: FakeSlack) -> None:
    """Nudges at ~1 s and ~3 s mention every approver who has not approved; none after expiry at 6 s."""
    user = SignedSlack(nudging_bot.url, fake_slack)
    parent = submit_request(user, fresh_number()[0])
    request_id = button_value(parent.blocks, "erase_approve")
    fake_slack.wait_for(lambda: "expired" in " ".join(m.all_text for m in fake_slack.thread(CHANNEL, parent.ts)),
                        timeout=20, what="expiry")  # fmt: skip
    time.sleep(1.5)
    nudges = reminders(fake_slack, parent)
    assert len(nudges) == 2 == len(reminded_at(nudging_bot, request_id))  # once per interval, two processes
    for mention in (f"<@{APPROVER}>", f"<@{APPROVER_2}>", f"<!subteam^{GROUP}>"):
        assert mention in nudges[0].all_text
    assert f"<@{REQUESTER}>" not in nudges[0].all_text and "reminder 2" in nudges[1].all_text
    first, second = reminded_at(nudging_bot, request_id)
    assert second - first >= 1.9  # the interval doubled
    assert request_state(nudging_bot, request_id) == "expired"


def test_a_decided_request_is_not_nudged_again(nudging_bot: BotProcess, fake_slack: FakeSlack) -> None:
    """Once a request is decided its approvers are not reminded again."""
    user = SignedSlack(nudging_bot.url, fake_slack)
    parent = submit_request(user, fresh_number()[0])
    request_id = button_value(parent.blocks, "erase_approve")
    fake_slack.wait_for(lambda: reminders(fake_slack, parent), timeout=10, what="first nudge")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)  # one click: well inside the 6 s TTL
    fake_slack.wait_for(lambda: "Waiting for approval" not in parent.all_text, what="decided")
    time.sleep(3)  # past the second nudge's time
    assert len(reminders(fake_slack, parent)) == 1 == len(reminded_at(nudging_bot, request_id))


def test_a_deadline_two_days_away_is_shown_and_nudged_every_interval(
    nudging_bot: BotProcess, fake_slack: FakeSlack
) -> None:
    """received:<28 days ago> gdpr: "2 days left" in the confirmation and the message; nudges stop doubling."""
    user = SignedSlack(nudging_bot.url, fake_slack)
    received = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 28 * 86400))
    ack = user.command(f"{fresh_number()[0]} DSR-9 received:{received} gdpr")
    assert "2 days left" in all_text(ack["blocks"]) and "GDPR" in all_text(ack["blocks"])
    parent = submit_request(user, fresh_number()[0], reason=f"DSR-9 received:{received} gdpr")
    assert "*Due*" in parent.all_text and "2 days left" in parent.all_text
    request_id = button_value(parent.blocks, "erase_approve")
    nudged = fake_slack.wait_for(lambda: len(at := reminded_at(nudging_bot, request_id)) >= 3 and at, timeout=10,
                                 what="three nudges recorded")  # fmt: skip
    assert nudged[2] - nudged[1] < 1.9  # not doubled: the deadline is near
    assert "2 days left" in reminders(fake_slack, parent)[0].all_text


def test_an_overdue_request_says_so(nudging_bot: BotProcess, fake_slack: FakeSlack) -> None:
    """A deadline already past is shown as overdue, with the law it comes from."""
    user = SignedSlack(nudging_bot.url, fake_slack)
    received = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 50 * 86400))
    parent = submit_request(user, fresh_number()[0], reason=f"DSR-10 received:{received} ccpa")
    assert "overdue by 5 days" in parent.all_text and "CCPA" in parent.all_text


def test_a_date_in_the_future_is_refused(nudging_bot: BotProcess, fake_slack: FakeSlack) -> None:
    """A `received:` date in the future is refused privately, with no buttons to go on."""
    user = SignedSlack(nudging_bot.url, fake_slack)
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    ack = user.command(f"{fresh_number()[0]} DSR-11 received:{tomorrow}")
    assert "in the future" in all_text(ack["blocks"]) and not [b for b in ack["blocks"] if b["type"] == "actions"]
