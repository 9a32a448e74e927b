"""When Slack refuses, the decision still stands and the requester learns what to do."""

from __future__ import annotations

import pytest

from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
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

HTML_503 = "<html><body>503 Service Temporarily Unavailable</body></html>"


def confirm_privately(user: SignedSlack, channel: str) -> tuple[str, str]:
    """Run the command and press Submit; returns the request id and the response_url of the click."""
    typed, _ = fresh_number()
    ack = user.command(typed, channel=channel)
    request_id = button_value(ack["blocks"], "erase_submit")
    _, url = user.click("erase_submit", request_id, REQUESTER, ephemeral=True, channel=channel)
    return request_id, url


@pytest.mark.parametrize(
    ("channel", "says"),
    [("CNOTIN", "/invite"), ("CGONE", "/invite"), ("CBLOCKS", "Try `/gong-erase` again")],
    ids=["not_in_channel", "channel_not_found", "invalid_blocks"],
)
def test_approval_message_refused_cancels_and_tells_the_requester(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess, channel: str, says: str
) -> None:
    """Nothing is half-posted: the request is closed and the private message says what to do instead."""
    fake_slack.not_in.add("CNOTIN")
    fake_slack.deleted.add("CGONE")
    if channel == "CBLOCKS":
        fake_slack.fail_next("chat.postMessage", "invalid_blocks", channel=channel)  # not the receipt's DM
    request_id, url = confirm_privately(slack_user, channel)
    reply = fake_slack.wait_for(lambda: fake_slack.responded(url), what="private explanation")
    said = all_text(reply[0]["blocks"])
    assert says in said and "othing was sent to Gong" in said and reply[0]["replace_original"] is True
    assert not fake_slack.posts(channel)
    assert request_state(bot, request_id) == "cancelled"
    assert "Traceback" not in bot.logs()


@pytest.mark.parametrize(("status", "error"), [(503, HTML_503), (500, "internal_error")], ids=["503-html", "500"])
def test_slack_5xx_on_the_approval_post_is_retried(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess, status: int, error: str
) -> None:
    """Slack's edge failing once: the approval message is posted on the retry and the request stays pending."""
    fake_slack.fail_next("chat.postMessage", error, status, channel=CHANNEL)
    request_id, url = confirm_privately(slack_user, CHANNEL)
    fake_slack.wait_for(lambda: [m for m in fake_slack.posts(CHANNEL) if request_id in m.text], timeout=20,
                        what="approval message after the retry")  # fmt: skip
    failed = [c for c in fake_slack.calls_of("chat.postMessage") if not c.ok]
    assert failed and failed[-1].error in {f"http_{status}", error}
    assert request_state(bot, request_id) == "pending"
    fake_slack.wait_for(lambda: fake_slack.responded(url), what="the private message replaced")


def test_expired_response_url_does_not_stop_the_request(
    slack_user: SignedSlack, fake_slack: FakeSlack, bot: BotProcess
) -> None:
    """The requester confirmed after Slack's response_url expired: the approval is still posted, no traceback."""
    typed, _ = fresh_number()
    ack = slack_user.command(typed)
    request_id = button_value(ack["blocks"], "erase_submit")
    expired = fake_slack.server.url + "/actions/T000/expired/0"
    response, _ = slack_user.click("erase_submit", request_id, REQUESTER, ephemeral=True, response_url=expired)
    assert response.status_code == 200
    fake_slack.wait_for(lambda: [m for m in fake_slack.posts(CHANNEL) if request_id in m.text], what="approval")
    assert request_state(bot, request_id) == "pending"
    assert "Traceback" not in bot.logs()


@pytest.mark.parametrize(
    ("status", "error", "headers"),
    [(429, "ratelimited", {"Retry-After": "1"}), (503, HTML_503, {}), (500, "internal_error", {})],
    ids=["429-ratelimited", "503-html", "500"],
)
def test_failed_update_is_retried_and_the_erase_is_recorded_meanwhile(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess, status: int, error: str,
    headers: dict[str, str],
) -> None:  # fmt: skip
    """chat.update failing for a while: the outcome is already in the database, the message follows."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    fake_slack.fail_next("chat.update", error, status, headers)
    slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, timeout=20, what="update after retry")
    assert any(call.error in {error, f"http_{status}"} for call in fake_slack.calls_of("chat.update"))
    assert request_state(bot, request_id) == "submitted"
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), what="outcome in the thread")
    assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [200]


def test_refused_blocks_fall_back_to_plain_words(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """invalid_blocks on the outcome: the thread and the parent still say it, as text without layout."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    fake_slack.fail_next("chat.update", "invalid_blocks")
    fake_slack.fail_next("chat.postMessage", "invalid_blocks", channel=CHANNEL)  # not the receipt's DM
    slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=20, what="outcome")
    assert "Gong accepted" in replies[0].text and "requestId" in replies[0].text and replies[0].blocks == []
    plain_updates = [
        c for c in fake_slack.calls_of("chat.update") if c.ok and c.args["ts"] == parent.ts and c.args["blocks"] == []
    ]
    assert plain_updates and request_id in plain_updates[0].args["text"]  # words, and no stale Approve button
    assert "+1 ••• •••" in plain_updates[0].args["text"] and e164 not in plain_updates[0].args["text"]
    fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, what="the next update, with blocks again")


def test_channel_gone_after_approval_still_records_the_erase(
    slack_user: SignedSlack, fake_slack: FakeSlack, fake_gong: FakeGong, bot: BotProcess
) -> None:
    """The channel was deleted while Gong worked: the outcome is in the database; the Slack jobs give up."""
    typed, e164 = fresh_number()
    parent = submit_request(slack_user, typed, channel="CDELETED")
    request_id = button_value(parent.blocks, "erase_approve")
    fake_slack.deleted.add("CDELETED")
    slack_user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts, channel="CDELETED")
    fake_gong.wait_for_calls(e164, 1)
    query = (
        "SELECT kind, status, last_error FROM jobs WHERE request_id = ? AND kind IN ('refresh_parent', 'thread_note')"
    )
    given_up = fake_slack.wait_for(
        lambda: (
            (rows := [r for r in db_rows(bot, query, (request_id,)) if r["status"] != "done"])  # before approval
            and all(r["status"] == "dead" for r in rows)
            and {r["kind"] for r in rows} == {"refresh_parent", "thread_note"}
            and rows
        ),
        what="Slack jobs given up",
    )
    assert {r["last_error"] for r in given_up} == {"channel_not_found"}
    assert request_state(bot, request_id) == "submitted"
    events = [row["event"] for row in db_rows(bot, "SELECT event FROM audit WHERE request_id = ?", (request_id,))]
    assert "gong_accepted" in events
    assert "Traceback" not in bot.logs()
