"""Every refusal over real HTTP: a private message saying what to do instead, and nothing changes."""

from __future__ import annotations

import pytest

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    OUTSIDER,
    REQUESTER,
    BotProcess,
    SignedSlack,
    all_text,
    button_value,
    fresh_number,
    request_count,
    request_state,
    submit_request,
)


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_empty_or_help_shows_usage_privately(slack_user: SignedSlack, bot: BotProcess, text: str) -> None:
    """An empty command or `help` shows the usage privately and records nothing."""
    before = request_count(bot)
    ack = slack_user.command(text)
    assert ack["response_type"] == "ephemeral"
    assert "/gong-erase <phone number>" in all_text(ack["blocks"])
    assert request_count(bot) == before


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("425 555 2671 DSR-1", "leading +"),
        ("+1 425 555 2671 ext. 12 DSR-1", "extension"),
        ("+1 425 55 DSR-1", "can exist"),
        ("+1-800-FLOWERS", "letters"),
        ("+1 425 555 2671 " + "x" * 2990, "characters"),
    ],
)
def test_bad_numbers_are_refused_privately_and_record_nothing(
    slack_user: SignedSlack, bot: BotProcess, fake_slack: FakeSlack, text: str, says: str
) -> None:
    """No plus, extensions, impossible numbers, letters, huge input: an ephemeral refusal, no request."""
    before, posts = request_count(bot), len(fake_slack.posts())
    ack = slack_user.command(text)
    assert ack["response_type"] == "ephemeral"
    assert says in all_text(ack["blocks"])
    assert "erase_submit" not in all_text(ack["blocks"])
    assert request_count(bot) == before and len(fake_slack.posts()) == posts
    assert "Traceback" not in bot.logs()


def test_possible_but_invalid_number_gets_a_visible_warning(slack_user: SignedSlack) -> None:
    """A number of the right length that its country does not use is allowed, with a warning."""
    ack = slack_user.command("+1 200 555 2671 DSR-2")
    assert "possible but not valid" in all_text(ack["blocks"])
    assert button_value(ack["blocks"], "erase_submit").startswith("ER-")


def test_only_the_requester_can_submit(slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess) -> None:
    """Someone else's Submit on a draft is refused, naming the requester; the draft stays a draft."""
    typed, _ = fresh_number()
    request_id = button_value(slack_user.command(typed)["blocks"], "erase_submit")
    _, url = slack_user.click("erase_submit", request_id, OUTSIDER, ephemeral=True)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="refusal")
    assert "Only <@UREQUESTER>" in all_text(refusal[0]["blocks"])
    assert request_state(bot, request_id) == "draft"


def test_cancelling_the_private_confirmation_replaces_it(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess, fake_gong: FakeGong
) -> None:
    """Cancel replaces the private confirmation; a late Submit of it is refused and nothing is posted."""
    typed, e164 = fresh_number()
    request_id = button_value(slack_user.command(typed)["blocks"], "erase_submit")
    _, url = slack_user.click("erase_cancel", request_id, REQUESTER, ephemeral=True)
    replaced = fake_slack.wait_for(lambda: fake_slack.responded(url), what="replacement")
    assert replaced[0]["replace_original"] is True and "Cancelled" in all_text(replaced[0]["blocks"])
    # a late submit of the cancelled draft is refused
    _, url = slack_user.click("erase_submit", request_id, REQUESTER, ephemeral=True)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="refusal")
    assert "cancelled" in all_text(refusal[0]["blocks"])
    assert fake_gong.calls_for(e164) == []
    assert not [m for m in fake_slack.posts() if request_id in m.text]


def test_self_approval_is_refused(slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong) -> None:
    """An approver who made the request cannot approve it themself."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed, requester=APPROVER)
    request_id = button_value(parent.blocks, "erase_approve")
    _, url = slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    refusal = fake_slack.wait_for(lambda: fake_slack.responded(url), what="refusal")
    assert "can't approve it yourself" in all_text(refusal[0]["blocks"])
    assert fake_gong.calls_for(e164) == [] and "erase_approve" in parent.action_ids()


def test_unknown_request_id_is_refused(slack_user: SignedSlack, fake_slack: FakeSlack) -> None:
    """A button carrying no known request id (or something else entirely) is refused with what to do."""
    for value in ["ER-ZZZZZZZZ", "+14255552671", "'; DROP TABLE requests; --"]:
        _, url = slack_user.click("erase_approve", value, APPROVER)
        refusal = fake_slack.wait_for(lambda url=url: fake_slack.responded(url), what="refusal")
        assert "/gong-erase" in all_text(refusal[0]["blocks"])


def test_channel_outside_the_allowed_list_is_refused(start_bot: BotFactory, fake_slack: FakeSlack) -> None:
    """GONG_ERASE_CHANNELS by ID or name: other channels are refused and nothing is recorded."""
    restricted = start_bot(GONG_ERASE_CHANNELS=f"{CHANNEL} #legal")
    user = SignedSlack(restricted.url, fake_slack)
    typed, _ = fresh_number()
    ack = user.command(typed, channel="CRANDOM", channel_name="random")
    assert "can't be made in this channel" in all_text(ack["blocks"])
    assert request_count(restricted) == 0
    assert "erase_submit" in all_text(user.command(typed, channel="CLEGAL", channel_name="legal")["blocks"])
    assert "erase_submit" in all_text(user.command(typed)["blocks"])
