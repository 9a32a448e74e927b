"""Socket Mode (SLACK_APP_TOKEN set): the same flow over a WebSocket, with no public URL, and a clean SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fakes.gong import FakeGong
from tests.fakes.slack import APP_TOKEN, FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.support import (
    APPROVER,
    CHANNEL,
    REQUESTER,
    ROOT,
    all_text,
    base_env,
    button_value,
    free_port,
    fresh_number,
)


def command(text: str, user: str = REQUESTER) -> dict[str, str]:
    return {"token": "x", "team_id": "T000", "team_domain": "fake", "channel_id": CHANNEL,
            "channel_name": "privacy-requests", "user_id": user, "user_name": user.lower(), "command": "/gong-erase",
            "text": text, "api_app_id": "A000", "response_url": "", "trigger_id": f"{time.time_ns()}.abc"}  # fmt: skip


def click(action_id: str, request_id: str, user: str, response_url: str) -> dict[str, object]:
    return {
        "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": "T000"},
        "api_app_id": "A000", "token": "x", "trigger_id": f"{time.time_ns()}.abc", "team": {"id": "T000"},
        "container": {"type": "message", "message_ts": "1.0", "channel_id": CHANNEL, "is_ephemeral": False},
        "channel": {"id": CHANNEL, "name": "privacy-requests"}, "response_url": response_url,
        "actions": [{"action_id": action_id, "block_id": "b", "value": request_id, "type": "button",
                     "action_ts": str(time.time())}],
    }  # fmt: skip


def test_socket_mode_runs_the_whole_flow_and_stops_on_sigterm(
    socket: FakeSocketMode, fake_slack: FakeSlack, fake_gong: FakeGong, tmp_path: Path
) -> None:
    """In Socket Mode the whole flow works over the WebSocket, and SIGTERM stops the bot cleanly."""
    env = base_env(fake_slack, fake_gong, tmp_path / "socket.db", free_port())
    env.update(SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")  # no public URL, so no signing secret
    log = (tmp_path / "bot.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        socket.wait_connected()
        status = f"http://127.0.0.1:{env['PORT']}"  # PORT set: the platform's probes and Prometheus reach the bot
        assert httpx.get(status + "/healthz", timeout=10).text == "ok\n"
        assert "gong_erase_requests" in httpx.get(status + "/metrics", timeout=10).text
        assert httpx.post(status + "/slack/events", timeout=10).status_code == 404  # Slack comes by the socket
        typed, e164 = fresh_number()
        ack = socket.deliver("slash_commands", command(f"{typed} DSR-SOCKET"))
        assert e164 in all_text(ack["blocks"]) and ack["response_type"] == "ephemeral"
        request_id = button_value(ack["blocks"], "erase_submit")
        socket.deliver("interactive", click("erase_submit", request_id, REQUESTER, fake_slack.response_url()))
        parent = fake_slack.wait_for(lambda: next((m for m in fake_slack.posts(CHANNEL) if request_id in m.text),
                                                  None), what="the approval message")  # fmt: skip
        socket.deliver("interactive", click("erase_approve", request_id, APPROVER, fake_slack.response_url()))
        outcome = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=20, what="outcome")
        assert "Gong accepted" in outcome[0].all_text
        assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [200]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0 and time.monotonic() - started < 25
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
    logged = (tmp_path / "bot.log").read_text()
    assert "Traceback" not in logged and e164 not in logged and APP_TOKEN not in logged
