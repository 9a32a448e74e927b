"""One request per data subject: several identifiers before the reason are one request — one confirmation listing
each, one approval, one erase per identifier (each once), one outcome listing each; the failed ones retried by
an approver, alone."""

from __future__ import annotations

import json

from tests.e2e.test_bulk import fresh_address
from tests.fakes.gong import FakeGong, Reply
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
    db_rows,
    fresh_number,
    request_state,
)


def outcomes(slack: FakeSlack, ts: str) -> list[str]:
    return [m.all_text for m in slack.thread(CHANNEL, ts) if "Gong accepted" in m.all_text]


def test_three_identifiers_one_refused_one_failing_then_retried_one_accepted(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """`+1 425 555, <number>, <address> DSR-1234`: the first is refused at parse and listed so; the number fails at
    Gong (400) and the address is accepted; the outcome lists both; Retry (approvers only) re-sends the number
    alone; each reached Gong as often as it should, and lookups of either find the request."""
    (typed, e164), address = fresh_number(), fresh_address()
    fake_gong.script(e164, Reply(400, {"requestId": "r-abnormal", "errors": ["Abnormal deletion"]}))
    ack = slack_user.command(f"+1 425 555, {typed}, {address} DSR-1234")
    said = all_text(ack["blocks"])
    assert "one person's data, 2 identifiers" in said and e164 in said and address in said
    assert "is not sent" in said and "DSR-1234" in said
    request_id = button_value(ack["blocks"], "erase_submit")
    assert request_id.startswith("ER-")
    slack_user.click("erase_submit", request_id, REQUESTER, ephemeral=True)
    parent = fake_slack.wait_for(lambda: next((m for m in fake_slack.posts(CHANNEL) if request_id in m.text), None),
                                 what="the approval message")  # fmt: skip
    assert "One person, 2 identifiers" in parent.all_text and "+1 ••• ••• " + e164[-4:] in parent.all_text
    assert e164 not in fake_slack.everything_public() and address not in fake_slack.everything_public()

    slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    first = fake_slack.wait_for(lambda: outcomes(fake_slack, parent.ts), timeout=20, what="the outcome")[0]
    assert "Gong accepted 1 of 2" in first and "r-abnormal" in first and "Abnormal deletion" in first
    summary = next(m for m in fake_slack.thread(CHANNEL, parent.ts) if "Gong accepted" in m.all_text)
    assert button_value(summary.blocks, "erase_retry") == request_id
    _, url = slack_user.click("erase_retry", request_id, OUTSIDER, message_ts=summary.ts)
    assert "Only approvers" in fake_slack.wait_for(lambda: fake_slack.responded(url), what="refusal")[0]["text"]
    slack_user.click("erase_retry", request_id, APPROVER, message_ts=summary.ts)
    second = fake_slack.wait_for(lambda: len(outcomes(fake_slack, parent.ts)) >= 2 and outcomes(fake_slack, parent.ts),
                                 timeout=20, what="the outcome after the retry")[1]  # fmt: skip
    assert "Gong accepted 2 of 2" in second and "after 1 retry of the failed" in second
    assert "after 1 retry" not in first
    erased = [len(fake_gong.calls_for(identifier, answered=True)) for identifier in (e164, address)]
    assert erased == [2, 1]  # a 429 from the allowance other tests share erases nothing
    found = all_text(slack_user.command_answered_later(f"lookup {address}", user=APPROVER)["blocks"])
    assert request_id in found and "one person's identifiers" in found
    status = all_text(slack_user.command_answered_later(f"status {request_id}")["blocks"])
    assert "2 accepted" in status and "1 refused" in status
    assert "+1 ••• ••• " + e164[-4:] in status and e164 not in status  # each identifier listed, masked


def test_show_identifiers_lists_each_in_full_to_approvers_only_and_is_audited(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """An approver checking they erase the right person sees each identifier of the pending request in full,
    privately; the requester and an outsider are refused; each look is audited; nothing reaches the channel."""
    (typed, e164), address = fresh_number(), fresh_address()
    request_id = button_value(slack_user.command(f"{typed} {address} DSR-77")["blocks"], "erase_submit")
    slack_user.click("erase_submit", request_id, REQUESTER, ephemeral=True)
    parent = fake_slack.wait_for(lambda: next((m for m in fake_slack.posts(CHANNEL) if request_id in m.text), None),
                                 what="the approval message")  # fmt: skip
    assert button_value(parent.blocks, "erase_show_number") == request_id
    _, url = slack_user.click("erase_show_number", request_id, APPROVER, message_ts=parent.ts)
    shown = fake_slack.wait_for(lambda: fake_slack.responded(url), what="the identifiers, privately")[0]
    text = all_text(shown["blocks"])
    assert shown["response_type"] == "ephemeral" and shown.get("replace_original") is False
    assert e164 in text and address in text and "one person's identifiers" in text
    for other in (REQUESTER, OUTSIDER):
        _, url = slack_user.click("erase_show_number", request_id, other, message_ts=parent.ts)
        refused = all_text(fake_slack.wait_for(lambda u=url: fake_slack.responded(u), what="refusal")[0]["blocks"])
        assert "Only approvers" in refused and e164 not in refused and address not in refused
    looked = db_rows(bot, "SELECT actor, detail FROM audit WHERE request_id = ? AND event = 'revealed'", (request_id,))
    assert [row["actor"] for row in looked] == [APPROVER] and json.loads(looked[0]["detail"])["identifiers"] == 2
    assert e164 not in fake_slack.everything_public() and address not in fake_slack.everything_public()
    assert e164 not in bot.logs() and address not in bot.logs()
    assert request_state(bot, request_id) == "pending"


def test_more_than_ten_identifiers_are_refused_pointing_to_bulk(slack_user: SignedSlack) -> None:
    """Eleven identifiers are a batch: refused privately, naming the limit and `/gong-erase bulk`."""
    typed = ", ".join(fresh_number()[0] for _ in range(11))
    refused = all_text(slack_user.command(f"{typed} DSR-1")["blocks"])
    assert "at most 10" in refused and "/gong-erase bulk" in refused and "erase_submit" not in refused
