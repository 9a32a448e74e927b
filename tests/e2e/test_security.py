"""Only Slack-signed, fresh requests are served; nothing of a refused request is recorded or logged."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    BotProcess,
    SignedSlack,
    button_value,
    fresh_number,
    request_count,
    request_state,
    sign,
    submit_request,
)


@pytest.mark.parametrize(
    "forge",
    [
        {"signature": "v0=" + "0" * 64},  # wrong signature
        {"timestamp": str(int(time.time()) - 600)},  # stale: signed correctly, ten minutes ago
        {"timestamp": "abc"},  # malformed: Bolt alone answers 500
        {"timestamp": ""},
        {"secret": "someone-elses-secret"},
    ],
    ids=["bad-signature", "stale", "timestamp-abc", "no-timestamp", "other-secret"],
)
def test_forged_or_stale_requests_get_401_and_change_nothing(
    slack_user: SignedSlack, bot: BotProcess, forge: dict[str, str]
) -> None:
    """Bad, stale or malformed signatures get 401; nothing is recorded, and neither number nor reason is logged."""
    typed, e164 = fresh_number()
    body = slack_user.command_body(f"{typed} DSR-FORGED")
    timestamp = forge.get("timestamp", str(int(time.time())))
    signature = forge.get("signature") or sign(body, timestamp, forge.get("secret", slack_user.secret))
    before = request_count(bot)
    response = slack_user.post(body, timestamp=timestamp, signature=signature)
    assert response.status_code == 401
    assert "erase_submit" not in response.text
    assert request_count(bot) == before
    time.sleep(0.2)
    logs = bot.logs()
    assert e164 not in logs and "DSR-FORGED" not in logs and "Traceback" not in logs


def test_healthz_and_unknown_paths(bot: BotProcess) -> None:
    """/healthz answers 200, other paths 404, and GET /slack/events 405."""
    assert httpx.get(bot.url + "/healthz").status_code == 200
    assert httpx.get(bot.url + "/nope").status_code == 404
    assert httpx.get(bot.url + "/slack/events").status_code == 405


def test_slack_retry_of_a_command_gives_the_same_draft(slack_user: SignedSlack, bot: BotProcess) -> None:
    """A redelivered command (X-Slack-Retry-Num) shows the same request, not a second one."""
    typed, _ = fresh_number()
    body = slack_user.command_body(typed, trigger_id="retry.trigger.1")
    first = slack_user.post(body).json()
    before = request_count(bot)
    again = slack_user.post(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert again.status_code == 200
    assert again.json()["blocks"] == first["blocks"]
    assert request_count(bot) == before


def test_no_secret_or_number_in_the_logs(slack_user: SignedSlack, bot: BotProcess, fake_slack: FakeSlack) -> None:
    """After a full exchange the log carries neither the number nor any secret."""
    typed, e164 = fresh_number()
    slack_user.command(f"{typed} DSR-LOG")
    assert slack_user.post(urlencode({"payload": "not json"}).encode()).status_code == 400
    time.sleep(0.2)
    logs = bot.logs()
    assert "Traceback" not in logs
    env = bot.env
    for secret in [env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], env["GONG_ACCESS_KEY_SECRET"], e164,
                   e164[2:]]:  # fmt: skip
        assert secret not in logs


def post_raw(bot: BotProcess, body: bytes, timestamp: str, signature: str, content_type: str) -> int:
    """POST over a bare socket, headers as latin-1 bytes, as an attacker would (httpx refuses such headers)."""
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: {signature}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", bot.port), timeout=10) as conn:
        conn.sendall(head.encode("latin-1", errors="replace") + body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize(
    ("timestamp", "body"),
    [("²", b"command=%2Fgong-erase"), ("9" * 5000, b"command=%2Fgong-erase"), ("\u00b9\u00b2\u00b3", b"command=x"),
     (None, b"\xff\xfe payload=\x80"), ("-1", b"command=x"), (" 1", b"command=x")],
    ids=["superscript-two", "5000-digits", "superscripts", "not-utf-8", "negative", "leading-space"],
)  # fmt: skip
def test_malformed_timestamps_and_bodies_get_401_before_anything_is_parsed(
    bot: BotProcess, timestamp: str | None, body: bytes
) -> None:
    """Timestamps `int()` or `isdigit()` would trip on, and bodies that are not UTF-8: 401, one log line, no trace."""
    stamp = str(int(time.time())) if timestamp is None else timestamp
    before = bot.logs()
    status = post_raw(bot, body, stamp, "v0=" + "0" * 64, "application/x-www-form-urlencoded")
    assert status == 401
    time.sleep(0.2)
    added = bot.logs()[len(before) :]
    assert "Traceback" not in added and added.count("\n") <= 1 and "invalid Slack signature" in added


DEEP = "[" * 5000 + "]" * 5000
MALFORMED_PAYLOADS = {
    "list": "[]", "null": "null", "number": "1", "deep": DEEP, "string": '"block_actions"',
    "user-is-text": '{"type": "block_actions", "user": "UX", "actions": [{"action_id": "erase_approve"}]}',
    "actions-is-text": '{"type": "block_actions", "user": {"id": "UX"}, "actions": "erase_approve"}',
    "container-is-number": '{"type": "block_actions", "user": {"id": "UX"}, "container": 5, '
    '"actions": [{"action_id": "erase_approve", "value": "ER-00000000"}]}',
    "value-is-object": '{"type": "block_actions", "user": {"id": "UX"}, '
    '"actions": [{"action_id": "erase_approve", "value": {"id": 1}}]}',
    "nested-40-deep": '{"type": "block_actions", "user": {"id": "UX"}, "actions": [{"action_id": "a", "x": '
    + "[" * 40 + "]" * 40 + "}]}",
}  # fmt: skip


@pytest.mark.parametrize("payload", MALFORMED_PAYLOADS.values(), ids=MALFORMED_PAYLOADS.keys())
def test_signed_but_malformed_payloads_get_400_at_once(slack_user: SignedSlack, bot: BotProcess, payload: str) -> None:
    """Correctly signed, but not what Slack sends: 400 without waiting for an ack, no traceback, nothing recorded."""
    before_log, before_requests = bot.logs(), request_count(bot)
    started = time.monotonic()
    response = slack_user.post(urlencode({"payload": payload}).encode())
    assert response.status_code == 400
    assert time.monotonic() - started < 2.5  # not Bolt's 3 s wait for an ack that never comes
    time.sleep(0.2)
    added = bot.logs()[len(before_log) :]
    assert "Traceback" not in added and "unexpected" not in added
    assert request_count(bot) == before_requests


def test_signed_json_that_is_not_an_event_gets_400(slack_user: SignedSlack) -> None:
    """An Events API body that is a list, or an event_callback without an event object, is refused with 400."""
    for body in (b"[]", b'{"type": "event_callback", "event": "app_home_opened"}', b"\xff"):
        assert slack_user.post(body, headers={"Content-Type": "application/json"}).status_code == 400


@pytest.mark.parametrize(
    "where",
    ["command-team", "command-app", "click-team", "event-team"],
)
def test_requests_from_another_workspace_or_app_are_refused_and_change_nothing(
    slack_user: SignedSlack, bot: BotProcess, fake_slack: FakeSlack, where: str
) -> None:
    """Signed with our secret but naming another workspace or app than auth.test: refused, nothing recorded."""
    typed, _ = fresh_number()
    parent = submit_request(slack_user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    before = request_count(bot)
    if where.startswith("command"):
        fields = dict(parse_qsl(slack_user.command_body(f"{typed} DSR-X").decode()))
        fields["team_id" if where == "command-team" else "api_app_id"] = "T999" if where == "command-team" else "A999"
        response = slack_user.post(urlencode(fields).encode())
    elif where == "click-team":
        payload = {"type": "block_actions", "user": {"id": APPROVER, "team_id": "T999"}, "team": {"id": "T999"},
                   "api_app_id": "A000", "response_url": fake_slack.response_url(),
                   "container": {"type": "message", "message_ts": parent.ts, "channel_id": CHANNEL},
                   "actions": [{"action_id": "erase_approve", "value": request_id, "type": "button"}]}  # fmt: skip
        response = slack_user.post(urlencode({"payload": json.dumps(payload)}).encode())
    else:
        event = {"type": "event_callback", "team_id": "T999", "api_app_id": "A000",
                 "event": {"type": "app_home_opened", "user": APPROVER, "tab": "home"}}  # fmt: skip
        response = slack_user.post(json.dumps(event).encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    time.sleep(0.5)
    assert request_count(bot) == before
    assert request_state(bot, request_id) == "pending" and "erase_approve" in parent.action_ids()


class Catcher:
    """A listener on loopback standing for an internal host: it counts every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/internal/admin"

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                return count
            conn.close()
            count += 1


def test_the_bot_never_posts_to_a_response_url_that_is_not_slacks(
    slack_user: SignedSlack, bot: BotProcess, fake_slack: FakeSlack
) -> None:
    """A signed payload naming an internal host as its response_url: the bot answers nowhere rather than there."""
    catcher = Catcher()
    try:
        typed, _ = fresh_number()
        parent = submit_request(slack_user, typed)
        request_id = button_value(parent.blocks, "erase_approve")
        slack_user.click("erase_approve", request_id, "UOUTSIDER", message_ts=parent.ts, response_url=catcher.url)
        body = slack_user.command_body("list")
        fields = dict(parse_qsl(body.decode())) | {"response_url": catcher.url}
        assert slack_user.post(urlencode(fields).encode()).status_code == 200
        time.sleep(1.5)
        assert catcher.connections() == 0
        assert "untrusted_response_url" in bot.logs() or "could not answer" in bot.logs()
    finally:
        catcher.sock.close()
