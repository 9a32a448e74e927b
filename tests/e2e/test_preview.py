"""Approvers see what Gong holds before they decide, and an approver can check the full number privately."""

from __future__ import annotations

import pytest

from tests.fakes.gong import FakeGong, Reply, references
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
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


def test_the_approval_message_shows_what_gong_holds_counts_and_masks_only(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """Calls, emails, meetings, CRM leads and contacts, matching numbers and addresses: counted and masked."""
    typed, e164 = fresh_number()
    national = e164[2:]
    fake_gong.hold(e164, references(calls=3, emails=2, meetings=1, leads=1, contacts=2,
                                    numbers=(e164, f"({national[:3]}) {national[3:6]}-{national[6:]}"),
                                    addresses=("jane.doe@example.com",)))  # fmt: skip
    parent = submit_request(slack_user, typed)
    shown = parent.all_text
    assert "What Gong holds for this number" in shown
    assert "3 calls · 2 emails · 1 meeting" in shown and "Salesforce: 1 lead(s), 2 contact(s)" in shown
    assert "2 matching number(s)" in shown and "1 related email address(es) (j•••@example.com)" in shown
    public = fake_slack.everything_public()
    assert national not in public.replace(" ", "").replace("-", "") and "jane.doe" not in public
    assert len(fake_gong.lookups_for(e164, answered=True)) == 1  # looked once…
    assert fake_gong.calls_for(e164) == []  # …and did not erase
    assert "Looking up what Gong holds" in all_text(parent.history[0])  # posted first, the preview after
    assert request_state(bot, request_id(parent)) == "pending"


@pytest.mark.parametrize(
    ("answer", "says"),
    [(references(), "Gong holds nothing for this number"), ({"requestId": "only-id"}, "Gong holds nothing"),
     ({"calls": [{"id": "1"}]}, "1 call · 0 emails · 0 meetings")],
    ids=["empty-lists", "lists-omitted", "partial"],
)  # fmt: skip
def test_nothing_held_or_partial_data_is_said_plainly(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, answer: dict[str, object], says: str
) -> None:
    """The preview says plainly when Gong holds nothing, and summarises partial answers."""
    typed, e164 = fresh_number()
    fake_gong.hold(e164, answer)
    parent = submit_request(slack_user, typed)
    assert says in parent.all_text


@pytest.mark.parametrize(
    ("replies", "says"),
    [([Reply(401, {"errors": ["Access denied"]})], "api:data-privacy:read"),
     ([Reply(500, {"errors": ["x"]})] * 3, "Gong did not answer")],
    ids=["no-read-scope", "gong-down"],
)  # fmt: skip
def test_preview_unavailable_says_why_and_the_flow_goes_on(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, replies: list[Reply], says: str
) -> None:
    """A lookup that fails for good: the message says "preview unavailable" and why; approving still erases."""
    typed, e164 = fresh_number()
    fake_gong.script_lookup(e164, *replies)
    parent = submit_request(slack_user, typed)
    assert "Preview unavailable" in parent.all_text and says in parent.all_text
    slack_user.click("erase_approve", request_id(parent), APPROVER, message_ts=parent.ts)
    outcome = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=20, what="outcome")
    assert "Gong accepted" in outcome[0].all_text


def test_a_rate_limited_preview_waits_and_then_arrives(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """A preview that draws a 429 waits Gong's Retry-After, then shows what Gong holds."""
    typed, e164 = fresh_number()
    fake_gong.hold(e164, references(calls=1))
    fake_gong.script_lookup(e164, Reply(429, {"errors": ["limit"]}, {"Retry-After": "1"}))
    parent = submit_request(slack_user, typed)
    assert "1 call · 0 emails" in parent.all_text
    lookups = fake_gong.lookups_for(e164)
    assert lookups[0].status == 429 and lookups[-1].status == 200 and lookups[-1].at - lookups[0].at >= 0.9


def test_show_number_reveals_it_to_approvers_only_and_is_audited(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """An approver (or a member of the approver group) sees the full number privately; others are refused."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request = button_value(parent.blocks, "erase_show_number")
    for approver in (APPROVER, GROUP_MEMBER):
        _, url = slack_user.click("erase_show_number", request, approver, message_ts=parent.ts)
        shown = fake_slack.wait_for(lambda u=url: fake_slack.responded(u), what="the number, privately")[0]
        assert shown["response_type"] == "ephemeral" and e164 in all_text(shown["blocks"])
        assert shown.get("replace_original") is False
    for other in (OUTSIDER, REQUESTER):
        _, url = slack_user.click("erase_show_number", request, other, message_ts=parent.ts)
        refused = fake_slack.wait_for(lambda u=url: fake_slack.responded(u), what="refusal")[0]
        assert "Only approvers" in all_text(refused["blocks"]) and e164 not in all_text(refused["blocks"])
    looked = db_rows(bot, "SELECT actor FROM audit WHERE request_id = ? AND event = 'revealed'", (request,))
    assert [row["actor"] for row in looked] == [APPROVER, GROUP_MEMBER]
    assert e164 not in fake_slack.everything_public() and e164 not in bot.logs()
    assert request_state(bot, request) == "pending"


def request_id(parent: object) -> str:
    return button_value(parent.blocks, "erase_approve")  # type: ignore[attr-defined]
