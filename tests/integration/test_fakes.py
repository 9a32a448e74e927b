"""The fakes are strict like the real services: a fake that accepted anything would prove nothing."""

from __future__ import annotations

import base64

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.gong import ACCESS_KEY, ACCESS_KEY_SECRET, ERASE_PHONE, FakeGong
from tests.fakes.slack import BOT_TOKEN, FakeSlack

GOOD_AUTH = "Basic " + base64.b64encode(f"{ACCESS_KEY}:{ACCESS_KEY_SECRET}".encode()).decode()


def test_fake_slack_checks_the_token(fake_slack: FakeSlack) -> None:
    """The fake Slack refuses a wrong bot token as Slack does (invalid_auth)."""
    with pytest.raises(SlackApiError) as error:
        WebClient(token="xoxb-wrong", base_url=fake_slack.api_url).chat_postMessage(channel="C1", text="hi")
    assert error.value.response["error"] == "invalid_auth"


def test_fake_slack_rejects_blocks_over_the_limits_and_answers_with_ts(fake_slack: FakeSlack) -> None:
    """Blocks over the limits are refused (invalid_blocks); a good post gets a ts; unknown messages are not updated."""
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C1", text="t", blocks=too_long)
    assert error.value.response["error"] == "invalid_blocks"
    posted = client.chat_postMessage(channel="C1", text="t")
    assert posted["ts"] and posted["channel"] == "C1"
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel="C1", ts="1.2", text="t")
    assert missing.value.response["error"] == "message_not_found"


def test_fake_slack_response_urls_expire_after_five_uses(fake_slack: FakeSlack) -> None:
    """A response_url takes five answers, as Slack's does, then refuses."""
    url = fake_slack.response_url()
    statuses = [httpx.post(url, json={"text": "x"}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [404]


def test_fake_gong_requires_basic_auth_query_only_and_enforces_3_per_second(fake_gong: FakeGong) -> None:
    """The fake Gong wants Basic auth and the identifier in the query only, and answers 429 past 3 calls/s."""
    url = fake_gong.url + ERASE_PHONE
    params = {"phoneNumber": "+14255550001"}
    assert httpx.post(url, params=params).status_code == 401
    assert httpx.post(url, params=params, headers={"Authorization": "Basic eDp5"}).status_code == 401
    assert httpx.post(url, json=params, headers={"Authorization": GOOD_AUTH}).status_code == 400
    statuses = [httpx.post(url, params=params, headers={"Authorization": GOOD_AUTH}) for _ in range(4)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    assert "requestId" in statuses[0].json() or statuses[0].status_code == 429


def test_fake_gong_leaky_bucket_allows_a_burst_of_3_then_one_call_per_third_of_a_second() -> None:
    """The bench's Gong: 3 at once pass, a 4th is refused with Retry-After; a third of a second later one passes."""
    clock = [1000.0]  # the bucket's time stands still between calls unless the test moves it
    gong = FakeGong(limiter="leaky", clock=lambda: clock[0]).start()
    try:
        url, params = gong.url + ERASE_PHONE, {"phoneNumber": "+14255550002"}

        def status() -> int:
            return httpx.post(url, params=params, headers={"Authorization": GOOD_AUTH}).status_code

        assert [status() for _ in range(4)] == [200, 200, 200, 429]
        clock[0] += 0.34
        assert [status(), status()] == [200, 429]
    finally:
        gong.stop()


def test_fake_gong_strict_limiter_refuses_any_two_calls_closer_than_a_third_of_a_second() -> None:
    """The pacing bench's Gong: no burst at all; a call 333 ms after the last accepted one passes, 330 ms not."""
    clock = [1000.0]
    gong = FakeGong(limiter="strict", clock=lambda: clock[0]).start()
    try:
        url, params = gong.url + ERASE_PHONE, {"phoneNumber": "+14255550003"}

        def status() -> int:
            return httpx.post(url, params=params, headers={"Authorization": GOOD_AUTH}).status_code

        assert [status(), status()] == [200, 429]
        clock[0] += 0.330
        assert status() == 429
        clock[0] += 0.004  # 334 ms after the accepted call; the refused ones do not count
        assert status() == 200
    finally:
        gong.stop()


BULK_MODAL = {
    "type": "modal", "callback_id": "erase_bulk", "title": {"type": "plain_text", "text": "Bulk erase"},
    "submit": {"type": "plain_text", "text": "Check the list"}, "private_metadata": "CPRIVACY",
    "blocks": [
        {"type": "input", "block_id": "bulk_identifiers", "optional": True,
         "label": {"type": "plain_text", "text": "Identifiers"},
         "element": {"type": "plain_text_input", "action_id": "identifiers", "multiline": True}},
        {"type": "input", "block_id": "bulk_file", "optional": True, "label": {"type": "plain_text", "text": "File"},
         "element": {"type": "file_input", "action_id": "file", "filetypes": ["csv", "txt"], "max_files": 1}},
    ],
}  # fmt: skip


def test_fake_slack_opens_a_modal_once_per_fresh_trigger_and_checks_it(fake_slack: FakeSlack) -> None:
    """views.open takes a trigger_id issued less than 3 s ago, once; a modal over Slack's limits is refused."""
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    trigger = fake_slack.issue_trigger("UREQUESTER")
    opened = client.views_open(trigger_id=trigger, view=BULK_MODAL)
    assert opened["view"]["callback_id"] == "erase_bulk" and fake_slack.views[-1]["trigger_user"] == "urequester"
    for trigger_id, error in [(trigger, "exchanged_trigger_id"), ("1.2.made-up", "invalid_trigger_id")]:
        with pytest.raises(SlackApiError) as refused:
            client.views_open(trigger_id=trigger_id, view=BULK_MODAL)
        assert refused.value.response["error"] == error
    stale = fake_slack.issue_trigger("UREQUESTER")
    fake_slack.triggers[stale] -= 3.5
    with pytest.raises(SlackApiError) as expired:
        client.views_open(trigger_id=stale, view=BULK_MODAL)
    assert expired.value.response["error"] == "expired_trigger_id"
    too_long = {**BULK_MODAL, "title": {"type": "plain_text", "text": "A title longer than Slack allows"}}
    with pytest.raises(SlackApiError) as invalid:
        client.views_open(trigger_id=fake_slack.issue_trigger("UREQUESTER"), view=too_long)
    assert invalid.value.response["error"] == "invalid_arguments"


def test_fake_slack_serves_a_shared_file_only_with_the_bot_token_and_files_read(fake_slack: FakeSlack) -> None:
    """url_private_download: the bytes with `Bearer <bot token>`; without it, or without files:read, Slack's HTML
    sign-in page with status 200 (which a careless reader would take for the file)."""
    shared = fake_slack.share_file("batch.csv", b"phone\n+1 425 555 2671\n")
    url = shared["url_private_download"]
    good = httpx.get(url, headers={"Authorization": f"Bearer {BOT_TOKEN}"})
    assert good.status_code == 200 and good.content == b"phone\n+1 425 555 2671\n"
    anonymous = httpx.get(url)
    assert anonymous.status_code == 200 and anonymous.headers["content-type"].startswith("text/html")
    fake_slack.scopes.discard("files:read")
    try:
        assert b"<html" in httpx.get(url, headers={"Authorization": f"Bearer {BOT_TOKEN}"}).content
    finally:
        fake_slack.scopes.add("files:read")


def test_fake_slack_takes_a_v2_upload_into_a_thread(fake_slack: FakeSlack) -> None:
    """files_upload_v2 (getUploadURLExternal, the bytes, completeUploadExternal) lands in the thread; a thread
    that does not exist, or a token without files:write, is refused."""
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    parent = client.chat_postMessage(channel="CFILES", text="batch EB-1")
    client.files_upload_v2(channel="CFILES", thread_ts=parent["ts"], filename="results.csv", content="line,outcome\n")
    [file] = fake_slack.files_in("CFILES", parent["ts"])
    assert file.content == b"line,outcome\n" and file.name == "results.csv"
    with pytest.raises(SlackApiError) as no_thread:
        client.files_upload_v2(channel="CFILES", thread_ts="1.000001", filename="r.csv", content="x")
    assert no_thread.value.response["error"] == "invalid_thread_ts"
    fake_slack.scopes.discard("files:write")
    try:
        with pytest.raises(SlackApiError) as scope:
            client.files_upload_v2(channel="CFILES", thread_ts=parent["ts"], filename="r.csv", content="x")
        assert scope.value.response["error"] == "missing_scope"
    finally:
        fake_slack.scopes.add("files:write")
