"""GONG_ERASE_APPROVAL_CHANNEL: approval messages go to the approvals channel whatever channel the command came
from; the origin gets a short note without the identifier (none for a DM); the command works from a DM once an
approvals channel is set, and is refused there, saying why, when none is."""

from __future__ import annotations

import pytest

from tests.conftest import BotFactory
from tests.fakes.slack import FakeSlack, Message
from tests.support import APPROVER, CHANNEL, REQUESTER, BotProcess, SignedSlack, all_text, button_value, fresh_number

APPROVALS = "CAPPROVALS"
DM = "D0REQUESTER"


@pytest.fixture(scope="module")
def routed(start_bot: BotFactory) -> BotProcess:
    return start_bot(GONG_ERASE_APPROVAL_CHANNEL=APPROVALS)


def approval_in(slack: FakeSlack, channel: str, request_id: str) -> Message:
    return slack.wait_for(lambda: next((m for m in slack.posts(channel) if request_id in m.text), None),
                          what=f"the approval message in {channel}")  # fmt: skip


def test_a_request_goes_to_the_approvals_channel_and_the_origin_gets_a_note_without_the_number(
    routed: BotProcess, fake_slack: FakeSlack
) -> None:
    """Made in #privacy-requests: approved, and threaded, in the approvals channel; the origin's note names the
    request and the channel, and no digit of the number."""
    user = SignedSlack(routed.url, fake_slack)
    typed, e164 = fresh_number()
    ack = user.command(f"{typed} DSR-55")
    request_id = button_value(ack["blocks"], "erase_submit")
    _, url = user.click("erase_submit", request_id, REQUESTER, ephemeral=True)
    parent = approval_in(fake_slack, APPROVALS, request_id)
    note = fake_slack.wait_for(lambda: [m for m in fake_slack.posts(CHANNEL) if request_id in m.text],
                               what="the note in the origin channel")[0]  # fmt: skip
    assert f"<#{APPROVALS}>" in note.all_text and e164[-4:] not in note.all_text and "DSR-55" not in note.all_text
    replaced = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the confirmation replaced")[0]
    assert f"<#{APPROVALS}>" in all_text(replaced["blocks"])
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts, channel=APPROVALS)
    reply = fake_slack.wait_for(lambda: fake_slack.thread(APPROVALS, parent.ts), what="the outcome in the thread")
    assert "Gong accepted" in reply[0].all_text
    assert [m for m in fake_slack.posts(CHANNEL) if request_id in m.text] == [note]  # nothing more in the origin


def test_the_command_works_from_a_dm_and_leaves_nothing_in_it(routed: BotProcess, fake_slack: FakeSlack) -> None:
    """From a DM with the bot: the private confirmation, then the approval message in the approvals channel, and
    no note in the DM."""
    user = SignedSlack(routed.url, fake_slack)
    typed, _ = fresh_number()
    ack = user.command(f"{typed} DSR-56", channel=DM, channel_name="directmessage")
    request_id = button_value(ack["blocks"], "erase_submit")
    user.click("erase_submit", request_id, REQUESTER, ephemeral=True, channel=DM)
    approval_in(fake_slack, APPROVALS, request_id)
    assert fake_slack.posts(DM) == []


def test_without_an_approvals_channel_a_dm_is_refused_saying_why(bot: BotProcess, fake_slack: FakeSlack) -> None:
    """No approvals channel: a request from a DM would reach no approver; refused privately, nothing recorded."""
    user = SignedSlack(bot.url, fake_slack)
    refused = user.command(f"{fresh_number()[0]} DSR-57", channel=DM, channel_name="directmessage")
    assert "GONG_ERASE_APPROVAL_CHANNEL" in all_text(refused["blocks"]) and "erase_submit" not in str(refused)
