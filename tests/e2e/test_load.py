"""Under load an attacker or a crowd can make: stalled clients hold no thread, and a flood of clicks on one
request is acknowledged while its one decision is made. The figures (latencies) are in bench/slow_clients.py."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlencode

import httpx

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    SignedSlack,
    all_text,
    button_value,
    flood,
    fresh_number,
    request_state,
    submit_request,
)

STALLED = 200


def stall(port: int, count: int) -> list[socket.socket]:
    """Clients that send headers and part of a body, then nothing more (slowloris)."""
    conns = []
    for _ in range(count):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 1000\r\n\r\ncommand=%2Fgong-erase&text=")  # fmt: skip
        conns.append(conn)
    return conns


def test_stalled_clients_hold_no_thread_health_and_commands_still_answer(
    start_bot: BotFactory, fake_slack: FakeSlack
) -> None:
    """200 connections that stall mid-request: /healthz and a signed slash command are still answered."""
    bot = start_bot()
    stalled = stall(bot.port, STALLED)
    try:
        time.sleep(0.5)
        assert httpx.get(bot.url + "/healthz", timeout=5).status_code == 200
        ack = SignedSlack(bot.url, fake_slack).command(f"{fresh_number()[0]} DSR-LOAD")
        assert "erase_submit" in all_text(ack["blocks"])
    finally:
        for conn in stalled:
            conn.close()


def test_a_flood_of_clicks_on_one_request_is_all_acknowledged_and_decides_once(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """600 concurrent Approve clicks: every one gets its 200 (the ack), the request is approved once, one erase."""
    bot = start_bot()
    user = SignedSlack(bot.url, fake_slack)
    typed, e164 = fresh_number()
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    bodies = [click_body(request_id, parent.ts, fake_slack.response_url()) for _ in range(600)]
    statuses = [status for status, _ in flood(bot.port, bodies)]
    assert statuses.count(200) == 600
    fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=60, what="the one outcome")
    assert request_state(bot, request_id) in {"approved", "submitted"}
    assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [200]
    assert len(fake_slack.thread(CHANNEL, parent.ts)) == 1


def click_body(request_id: str, ts: str, response_url: str) -> bytes:
    payload = {"type": "block_actions", "user": {"id": APPROVER, "team_id": "T000"}, "team": {"id": "T000"},
               "api_app_id": "A000", "response_url": response_url,
               "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
               "channel": {"id": CHANNEL}, "actions": [{"action_id": "erase_approve", "value": request_id,
                                                        "type": "button"}]}  # fmt: skip
    return urlencode({"payload": json.dumps(payload)}).encode()
