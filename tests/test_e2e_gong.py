"""Each Gong failure mode over real HTTP ends in one clear threaded outcome, audited attempt by attempt."""

from __future__ import annotations

import json

import pytest

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong, Reply
from tests.fakes.slack import FakeSlack, Message
from tests.support import (
    APPROVER,
    CHANNEL,
    BotProcess,
    SignedSlack,
    button_value,
    db_rows,
    free_port,
    fresh_number,
    submit_request,
)


def approve_and_wait(user: SignedSlack, fake_slack: FakeSlack, parent: Message) -> tuple[Message, str]:
    """Approve; return the threaded outcome and the request id."""
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=30, what="outcome")
    return replies[0], request_id


def attempts(bot: BotProcess, request_id: str) -> list[dict[str, object]]:
    rows = db_rows(bot, "SELECT detail FROM audit WHERE request_id = ? AND event = 'gong_attempt' ORDER BY id",
                   (request_id,))  # fmt: skip
    return [json.loads(str(row["detail"])) for row in rows]


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (Reply(400, {"requestId": "gong-req-400", "errors": ["Too many objects for <!channel> +1 425 555 0000"]}),
         "help@gong.io"),
        (Reply(403, {"requestId": "gong-req-403", "errors": ["Forbidden"]}), "not allowed to erase"),
    ],
)  # fmt: skip
def test_final_refusals_are_threaded_with_gongs_errors_escaped(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess, reply: Reply, says: str
) -> None:
    """400 / 403: one attempt, a failure in plain words with Gong's errors (escaped) and requestId."""
    typed, e164 = fresh_number()
    fake_gong.script(e164, reply)
    parent = submit_request(slack_user, typed)
    outcome, request_id = approve_and_wait(slack_user, fake_slack, parent)
    assert says in outcome.all_text
    assert str(reply.body["requestId"]) in outcome.all_text
    assert "<!channel>" not in outcome.all_text and "5550000" not in outcome.all_text.replace(" ", "")
    fake_slack.wait_for(lambda: "Failed" in parent.all_text and not parent.action_ids(), what="parent failed")
    assert len(fake_gong.calls_for(e164)) == 1
    assert [a["status"] for a in attempts(bot, request_id)] == [reply.status]


def test_rejected_credentials_say_so(start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong) -> None:
    """A wrong access key: Gong answers 401 and the thread names the credentials, no retries."""
    bot = start_bot(GONG_ACCESS_KEY_SECRET="wrong")
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    outcome, _ = approve_and_wait(user, fake_slack, parent)
    assert "credentials" in outcome.all_text and "GONG_ACCESS_KEY" in outcome.all_text
    assert [c.status for c in fake_gong.calls_for(e164)] == [401]
    assert "wrong" not in bot.logs()


@pytest.mark.parametrize(
    "first",
    [
        Reply(500, {"requestId": "r500", "errors": ["Unexpected error"]}),
        Reply(503, raw=b"<html>Service Unavailable</html>"),
        Reply(429, {"errors": ["limit"]}, {"Retry-After": "1"}),
        Reply(200, delay=3.0),  # slower than GONG_TIMEOUT=2: a read timeout after sending
    ],
    ids=["500", "503-not-json", "429", "read-timeout"],
)
def test_passing_failures_are_retried_then_succeed(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess, first: Reply
) -> None:
    """5xx, 429 with Retry-After and timeouts are retried; the thread shows the one success."""
    typed, e164 = fresh_number()
    fake_gong.script(e164, first)
    parent = submit_request(slack_user, typed)
    outcome, request_id = approve_and_wait(slack_user, fake_slack, parent)
    assert "Gong accepted" in outcome.all_text
    calls = fake_gong.calls_for(e164)
    # the scripted failure, then success; the shared fake may add 429s of its own 3 calls/s limit between
    assert calls[0].status == first.status and calls[-1].status == 200
    assert all(call.status == 429 for call in calls[1:-1])
    if first.status == 429:
        assert calls[1].at - calls[0].at >= 0.9  # Retry-After honoured
    audited = attempts(bot, request_id)
    assert len(audited) == len(calls) and audited[-1]["status"] == 200
    assert len(fake_slack.thread(CHANNEL, parent.ts)) == 1


def test_retries_exhausted_fail_with_a_plain_message(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """GONG_MAX_ATTEMPTS=3 failures in a row: failed, with what went wrong and whom to contact."""
    typed, e164 = fresh_number()
    fake_gong.script(e164, *[Reply(500, {"requestId": f"r{i}", "errors": ["Internal"]}) for i in range(3)])
    parent = submit_request(slack_user, typed)
    outcome, request_id = approve_and_wait(slack_user, fake_slack, parent)
    assert "after 3 attempts" in outcome.all_text and "help@gong.io" in outcome.all_text
    assert "Internal" in outcome.all_text
    assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [500, 500, 500]
    assert [a["status"] for a in attempts(bot, request_id) if a["status"] != 429] == [500, 500, 500]


def test_unreachable_gong_fails_after_bounded_retries(start_bot: BotFactory, fake_slack: FakeSlack) -> None:
    """Connection refused every time: bounded retries, then a threaded failure; the log has no number."""
    bot = start_bot(GONG_BASE_URL=f"http://127.0.0.1:{free_port()}")
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    outcome, request_id = approve_and_wait(user, fake_slack, parent)
    assert "could not be reached" in outcome.all_text.lower() or "Could not reach" in outcome.all_text
    assert len(attempts(bot, request_id)) == 3
    assert e164 not in bot.logs() and e164[2:] not in bot.logs()
