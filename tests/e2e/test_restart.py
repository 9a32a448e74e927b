"""A crash while an approved erase is in flight: after restart the job completes, reported once."""

from __future__ import annotations

import json
import time

from tests.conftest import BotFactory
from tests.fakes.gong import FakeGong, Reply
from tests.fakes.slack import FakeSlack
from tests.support import (
    APPROVER,
    CHANNEL,
    BotProcess,
    SignedSlack,
    button_value,
    db_rows,
    fresh_number,
    request_state,
    submit_request,
)


def test_killed_mid_call_the_erase_completes_after_restart(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """kill -9 mid-call: after restart the erase is repeated (both calls audited) and reported once."""
    settings = {"GONG_TIMEOUT": "3", "GONG_ERASE_JOB_LEASE": "4"}
    first = start_bot(**settings)
    user = SignedSlack(first.url, fake_slack)
    typed, e164 = fresh_number()
    fake_gong.script(e164, Reply(200, delay=2.5))  # slow enough to kill the bot while it waits
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_gong.wait_for_calls(e164, 1)
    first.kill()  # SIGKILL, mid-call: no shutdown code runs
    assert fake_slack.thread(CHANNEL, parent.ts) == []

    second = BotProcess({**first.env}, first.log_path).start()
    try:
        replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=30, what="outcome")
        assert "Gong accepted" in replies[0].all_text
        fake_slack.wait_for(lambda: "Submitted to Gong" in parent.all_text, what="parent updated")
        time.sleep(1.0)
        assert len(fake_slack.thread(CHANNEL, parent.ts)) == 1
        rows = db_rows(second, "SELECT event, detail FROM audit WHERE request_id = ? ORDER BY id", (request_id,))
        events = [row["event"] for row in rows]
        assert events.count("gong_call") == 2  # the one cut off by the crash is on record too
        assert events.count("gong_accepted") == 1
        results = [json.loads(row["detail"]) for row in rows if row["event"] == "gong_attempt"]
        assert [r["status"] for r in results if r["status"] != 429] == [200]
        state = request_state(second, request_id)
        assert state == "submitted"
        assert db_rows(second, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    finally:
        second.kill()


def test_sigterm_lets_the_in_flight_erase_finish_and_a_restart_reports_it(
    start_bot: BotFactory, fake_slack: FakeSlack, fake_gong: FakeGong
) -> None:
    """SIGTERM (Heroku, systemd) mid-call: the call completes and is recorded, the process exits within 25 s."""
    first = start_bot(GONG_TIMEOUT="5", GONG_ERASE_JOB_LEASE="6")
    user = SignedSlack(first.url, fake_slack)
    typed, e164 = fresh_number()
    fake_gong.script(e164, Reply(200, delay=2.0))
    parent = submit_request(user, typed)
    request_id = button_value(parent.blocks, "erase_approve")
    user.click("erase_approve", request_id, APPROVER, message_ts=parent.ts)
    fake_gong.wait_for_calls(e164, 1)
    started = time.monotonic()
    assert first.terminate(timeout=30) == 0
    assert time.monotonic() - started < 25
    state = request_state(first, request_id)
    assert state == "submitted"  # the in-flight call's answer was recorded before exit

    second = BotProcess({**first.env}, first.log_path).start()
    try:
        replies = fake_slack.wait_for(lambda: fake_slack.thread(CHANNEL, parent.ts), timeout=30, what="outcome")
        assert "Gong accepted" in replies[0].all_text
        assert [c.status for c in fake_gong.calls_for(e164) if c.status != 429] == [200]
    finally:
        second.kill()
