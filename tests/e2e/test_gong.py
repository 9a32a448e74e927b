"""Each Gong failure mode over real HTTP ends in one clear threaded outcome, audited attempt by attempt."""

from __future__ import annotations

import email.utils
import json
import time

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
    # one erase call (the shared fake's own 3 calls/s limit may have made the bot wait with a 429 first)
    assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [reply.status]
    assert [a["status"] for a in attempts(bot, request_id) if a["status"] != 429] == [reply.status]


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


@pytest.mark.parametrize(
    "retry_after",
    [lambda: email.utils.formatdate(time.time() + 6, usegmt=True), lambda: None, lambda: "soon"],
    ids=["http-date", "missing", "garbage"],
)
def test_429_waits_as_gong_says_or_at_least_a_second(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess, retry_after
) -> None:
    """Retry-After as an HTTP-date is honoured; missing or unreadable, the bot still waits before trying again."""
    typed, e164 = fresh_number()
    value = retry_after()
    fake_gong.script(e164, Reply(429, {"errors": ["limit"]}, {"Retry-After": value} if value else {}))
    parent = submit_request(slack_user, typed)
    outcome, request_id = approve_and_wait(slack_user, fake_slack, parent)
    assert "Gong accepted" in outcome.all_text
    calls = fake_gong.calls_for(e164)
    assert calls[0].status == 429 and calls[-1].status == 200
    if value and value != "soon":  # a date: not a moment before it (whole seconds, so it lies 5 to 6 s ahead when
        # set; the request's submission and approval, on a busy machine, take up some of that before the 429)
        named = email.utils.parsedate_to_datetime(value).timestamp()
        assert calls[0].at < named - 0.9 and calls[1].at >= named
    else:
        assert calls[1].at - calls[0].at >= 0.9
    audited = attempts(bot, request_id)
    assert audited[0]["status"] == 429 and len(audited) == len(calls)


def test_a_429_pauses_every_erase_not_only_the_one_that_drew_it(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """Another integration spent the company's budget: a request approved meanwhile waits out Retry-After too."""
    (typed_a, e164_a), (typed_b, e164_b) = fresh_number(), fresh_number()
    fake_gong.script(e164_a, Reply(429, {"errors": ["limit"]}, {"Retry-After": "2"}))
    parent_a, parent_b = submit_request(slack_user, typed_a), submit_request(slack_user, typed_b)
    slack_user.click("erase_approve", button_value(parent_a.blocks, "erase_approve"), APPROVER, message_ts=parent_a.ts)
    limited = fake_gong.wait_for_calls(e164_a, 1)[0]
    slack_user.click("erase_approve", button_value(parent_b.blocks, "erase_approve"), APPROVER, message_ts=parent_b.ts)
    first_b = fake_gong.wait_for_calls(e164_b, 1)[0]
    assert first_b.at - limited.at >= 1.9
    for parent in (parent_a, parent_b):
        replies = fake_slack.wait_for(lambda p=parent: fake_slack.thread(CHANNEL, p.ts), timeout=30, what="outcome")
        assert "Gong accepted" in replies[0].all_text


@pytest.fixture(scope="module")
def patient_bot(start_bot: BotFactory) -> BotProcess:
    """Retries for longer (8 attempts) and waits at most 2 s whatever Retry-After says."""
    return start_bot(GONG_MAX_ATTEMPTS="8", GONG_RETRY_AFTER_CAP="2")


def test_a_huge_retry_after_is_capped(patient_bot: BotProcess, fake_slack: FakeSlack, fake_gong: FakeGong) -> None:
    """Retry-After: one day → the bot waits GONG_RETRY_AFTER_CAP, not a day, and the erase goes through."""
    user = SignedSlack(patient_bot.url, fake_slack)
    typed, e164 = fresh_number()
    fake_gong.script(e164, Reply(429, {"errors": ["limit"]}, {"Retry-After": "86400"}))
    parent = submit_request(user, typed)
    outcome, request_id = approve_and_wait(user, fake_slack, parent)
    assert "Gong accepted" in outcome.all_text
    calls = fake_gong.calls_for(e164)
    huge = next(i for i, call in enumerate(calls) if call.retry_after == "86400")
    assert 1.9 <= calls[huge + 1].at - calls[huge].at < 10
    assert 86400 in [a.get("retry_after") for a in attempts(patient_bot, request_id)]


def test_an_outage_that_ends_is_ridden_out(patient_bot: BotProcess, fake_slack: FakeSlack, fake_gong: FakeGong) -> None:
    """Gong answers 503 pages for 2 s: the bot backs off, the erase goes through, the thread has one outcome."""
    user = SignedSlack(patient_bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    fake_gong.outage(2.0)
    outcome, request_id = approve_and_wait(user, fake_slack, parent)
    assert "Gong accepted" in outcome.all_text
    statuses = [c.status for c in fake_gong.calls_for(e164) if c.status != 429]
    assert statuses[0] == 503 and statuses[-1] == 200 and set(statuses[:-1]) == {503}
    assert [a["status"] for a in attempts(patient_bot, request_id) if a["status"] != 429] == statuses
    time.sleep(0.5)
    assert len(fake_slack.thread(CHANNEL, parent.ts)) == 1


@pytest.mark.parametrize(
    ("reply", "request_id_shown"),
    [(Reply(200, delay=1.5), True), (Reply(200, raw=b"{'requestId': oops"), False)],
    ids=["slow-but-in-time", "malformed-json"],
)
def test_slow_or_unreadable_success_is_still_one_accepted_erase(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess, reply: Reply,
    request_id_shown: bool,
) -> None:  # fmt: skip
    """A 200 that is slow (under GONG_TIMEOUT) or not JSON: accepted once, never repeated; no requestId is said."""
    typed, e164 = fresh_number()
    fake_gong.script(e164, reply)
    parent = submit_request(slack_user, typed)
    outcome, request_id = approve_and_wait(slack_user, fake_slack, parent)
    assert "Gong accepted" in outcome.all_text
    assert ("not returned" not in outcome.all_text) is request_id_shown
    assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [200]
    assert [a["status"] for a in attempts(bot, request_id) if a["status"] != 429] == [200]


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
