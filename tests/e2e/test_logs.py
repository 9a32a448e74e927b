"""The log tells an admin what happened, in one format: with LOG_FORMAT=json every line (the bot's, gunicorn's)
is a JSON object, and every state change, Gong outcome, verification, reminder and lookup has its line — with
the number masked, never in clear."""

from __future__ import annotations

import json

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong, references
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    REQUESTER,
    SignedSlack,
    all_text,
    button_value,
    fresh_number,
    submit_request,
)


def test_json_logs_have_a_line_for_each_event_and_never_the_number(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """One request approved, erased and verified; one reminded then rejected; one cancelled; one proof lookup:
    each step is a JSON line with its audit fields, gunicorn's own lines are JSON too, no number appears."""
    bot = start_bot(LOG_FORMAT="json", GONG_ERASE_VERIFY_AFTER="1s", GONG_ERASE_REMIND_AFTER="1s")
    user = SignedSlack(bot.url, fake_slack)
    typed, erased = fresh_number()
    fake_gong.hold(erased, references(calls=2), erased_after=0.0)
    parent = submit_request(user, typed)
    user.click("erase_approve", button_value(parent.blocks, "erase_approve"), APPROVER, message_ts=parent.ts)
    fake_slack.wait_for(lambda: "Verified erased" in all_text(parent.blocks), timeout=20, what="verification")
    typed_2, rejected = fresh_number()
    reminded = submit_request(user, typed_2)
    fake_slack.wait_for(lambda: len(fake_slack.thread(CHANNEL, reminded.ts)) >= 1, timeout=10, what="a reminder")
    user.reject(button_value(reminded.blocks, "erase_reject"), APPROVER, message_ts=reminded.ts)
    typed_3, cancelled = fresh_number()
    third = submit_request(user, typed_3)
    user.click("erase_cancel", button_value(third.blocks, "erase_cancel"), REQUESTER, message_ts=third.ts)
    fake_slack.wait_for(lambda: "Cancelled" in third.all_text and "Rejected" in reminded.all_text, what="decisions")
    assert "1 erase request(s)" in all_text(user.command_answered_later(f"lookup {typed}", user=APPROVER)["blocks"])

    lines = [line for line in bot.logs().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line, or this fails
    assert any(e["logger"].startswith("gunicorn") for e in entries)  # gunicorn's "Booting worker" too
    events = {(e["audit"]["event"], e["audit"].get("to_state")) for e in entries if "audit" in e}
    for expected in [("approve", "approved"), ("gong_attempt", None), ("gong_accepted", "submitted"),
                     ("verified_erased", "verified"), ("reminded", None), ("reject", "rejected"),
                     ("cancel", "cancelled"), ("proof_lookup", None)]:  # fmt: skip
        name, state = expected
        assert any(event == name and (state is None or to == state) for event, to in events), expected
    attempt = next(e["audit"] for e in entries if e.get("audit", {}).get("event") == "gong_attempt")
    assert attempt["detail"]["status"] == 200 and attempt["detail"]["gong_request_id"]
    looked_up = next(e["audit"] for e in entries if e.get("audit", {}).get("event") == "proof_lookup")
    assert looked_up["detail"]["masked"].endswith(erased[-4:])
    text = bot.logs()
    for e164 in (erased, rejected, cancelled):
        assert e164 not in text and e164[2:] not in text and e164[-7:] not in text
