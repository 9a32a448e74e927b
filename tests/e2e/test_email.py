"""Erase by email address: the same flow and guarantees as for phone numbers, against Gong's email endpoints."""

from __future__ import annotations

import concurrent.futures
import itertools
import time

from tests.fakes.gong import ERASE_EMAIL, FakeGong, Reply, references
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    GROUP_MEMBER,
    REQUESTER,
    BotProcess,
    SignedSlack,
    all_text,
    button_value,
    request_count,
    request_state,
    submit_request,
)

_addresses = itertools.count(int(time.time()) % 100_000)


def fresh_address() -> str:
    return f"jane.doe+{next(_addresses)}@Example.com"


def test_erase_by_email_end_to_end_with_the_address_masked_in_public(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """Private confirmation with the address, public message with j•••@example.com, one email erase, threaded."""
    typed = fresh_address()
    address = typed.replace("Example.com", "example.com")  # the domain is normalised, the local part kept
    fake_gong.hold(address, references(emails=4, calls=1))
    ack = slack_user.command(f"{typed} DSR-77")
    assert address in all_text(ack["blocks"]) and "emails sent to or from the address" in all_text(ack["blocks"])
    parent = submit_request(slack_user, typed, reason="DSR-78")
    assert "j•••@example.com" in parent.all_text and "Email address" in parent.all_text
    assert "What Gong holds for this address" in parent.all_text and "1 call · 4 emails" in parent.all_text
    assert [c.path for c in fake_gong.lookups_for(address)] == ["/v2/data-privacy/data-for-email-address"]
    request_id = button_value(parent.blocks, "erase_approve")
    with concurrent.futures.ThreadPoolExecutor(6) as pool:  # double clicks and a second approver at once
        list(pool.map(lambda user: slack_user.click("erase_approve", request_id, user, message_ts=parent.ts),
                      [APPROVER, GROUP_MEMBER] * 3))  # fmt: skip
    outcome = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=20, what="outcome")
    assert "Gong accepted the erase request for j•••@example.com" in outcome[0].all_text
    erased = [c for c in fake_gong.calls if c.path == ERASE_EMAIL and c.identifier == address and c.status != 429]
    assert [(c.method, c.status, c.body) for c in erased] == [("POST", 200, b"")]
    assert erased[0].query == {"emailAddress": [address]}
    assert request_state(bot, request_id) == "submitted"
    public = fake_slack.everything_public().lower()
    assert "jane.doe" not in public and "jane.doe" not in bot.logs().lower()


def test_slack_linked_addresses_are_understood(slack_user: SignedSlack) -> None:
    """Slack may send an address as <mailto:…|…>: it is read as the address, not refused."""
    address = fresh_address().lower()
    ack = slack_user.command(f"<mailto:{address}|{address}> DSR-1")
    assert button_value(ack["blocks"], "erase_submit") and address in all_text(ack["blocks"])


def test_an_address_gong_cannot_match_is_refused_and_nothing_is_recorded(
    slack_user: SignedSlack, bot: BotProcess
) -> None:
    """Addresses Gong could not match get the accepted form privately; no request is recorded."""
    before = request_count(bot)
    for typed in ("jane@localhost", "jane.doe@", '"jane doe"@example.com'):
        ack = slack_user.command(f"{typed} DSR-1")
        said = all_text(ack["blocks"])
        assert "jane.doe@example.com" in said  # the form to use instead
        assert ("couldn't match that email address" in said) is (" " not in typed)
        assert not [b for b in ack["blocks"] if b.get("type") == "actions"]
    assert request_count(bot) == before


def test_gong_refusing_an_email_erase_is_explained_and_scrubbed(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """A 400 echoing the address: the thread says what to do, with the address removed from Gong's words."""
    typed = fresh_address()
    address = typed.replace("Example.com", "example.com")
    fake_gong.script(address, Reply(400, {"requestId": "g-400", "errors": [f"Too many objects for {address}"]}))
    parent = submit_request(slack_user, typed, requester=REQUESTER)
    slack_user.click("erase_approve", button_value(parent.blocks, "erase_approve"), APPROVER, message_ts=parent.ts)
    outcome = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=20, what="outcome")
    assert "help@gong.io" in outcome[0].all_text and "g-400" in outcome[0].all_text
    assert "[address removed]" in outcome[0].all_text and "jane.doe" not in outcome[0].all_text
