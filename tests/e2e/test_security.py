"""Only Slack-signed, fresh requests are served; nothing of a refused request is recorded or logged."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
import pytest

from tests.fakes.slack import FakeSlack
from tests.support import BotProcess, SignedSlack, fresh_number, request_count, sign


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
